//! The precedent rung against git: a commit that conflicts on one old line is
//! ported through a maintainer's earlier port of it onto another line, and the
//! tree is the one `git cherry-pick` of that earlier port gives (`git
//! merge-tree --write-tree --merge-base=P^ ONTO P`). Anything that is not the
//! same change, or that the maintainer could not have seen, is not used.

mod common;

use common::GitRepo;
use longhaul::port::precedent::Precedents;
use longhaul::port::{Outcome, Rung, Status};

const FILE: &str = "package a\n\nfunc f() {\n\tcall(a, b, mode)\n\tother()\n}\n";

/// An upstream `main` where the line the fix changes was rewritten first, two
/// release lines cut before that, and the fix X: `b` becomes `c`. Returns
/// X's id. Commits are a day apart, from 2024-01-01.
fn upstream(repo: &GitRepo) -> String {
    repo.write("a.go", FILE.as_bytes());
    commit_at(repo, "base", 0);
    repo.git(&["branch", "release-1"]);
    repo.git(&["branch", "release-2"]);
    repo.write("a.go", FILE.replace("mode", "newMode").as_bytes());
    commit_at(repo, "refactor: newMode", 1);
    repo.write(
        "a.go",
        FILE.replace("mode", "newMode")
            .replace("b,", "c,")
            .as_bytes(),
    );
    commit_at(repo, "fix: c, not b", 2)
}

/// The maintainer's port of X onto release-1 with `content` as the file,
/// naming X as `named`; committed on day `day`.
fn precedent(repo: &GitRepo, content: &str, named: &str, day: u32) -> String {
    repo.git(&["checkout", "-q", "release-1"]);
    repo.write("a.go", content.as_bytes());
    let id = commit_at(
        repo,
        &format!("fix: c, not b\n\n(cherry picked from commit {named})"),
        day,
    );
    repo.git(&["checkout", "-q", "main"]);
    id
}

/// Commit everything with author and committer date `day` days after
/// 2024-01-01.
fn commit_at(repo: &GitRepo, message: &str, day: u32) -> String {
    repo.git(&["add", "-A"]);
    let date = format!("2024-01-{:02}T00:00:00Z", day + 1);
    let out = std::process::Command::new("git")
        .args(["commit", "-q", "-m", message])
        .current_dir(repo.path())
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.git(&["rev-parse", "HEAD"])
}

/// longhaul's port of `commit` onto `onto` with precedents searched for as
/// `precedents` says (`None`: not at all).
fn port(repo: &GitRepo, commit: &str, onto: &str, precedents: Option<Precedents>) -> Outcome {
    let ts = longhaul::repo::open(repo.path()).unwrap();
    let memory = longhaul::repo::in_memory(&ts);
    let id = |rev: &str| longhaul::repo::resolve_commit(&memory, rev).unwrap();
    longhaul::port::port_commit_with(&memory, id(commit), id(onto), precedents).unwrap()
}

fn day(n: u32) -> i64 {
    1_704_067_200 + i64::from(n) * 86_400
}

#[test]
fn a_conflict_ports_through_the_earlier_port_as_git_merges_it() {
    let repo = GitRepo::new();
    let x = upstream(&repo);
    let p = precedent(&repo, &FILE.replace("b,", "c,"), &x, 3);
    // release-2 drifted elsewhere in the file: P is not its parent's tree.
    repo.git(&["checkout", "-q", "release-2"]);
    repo.write("a.go", format!("// Package a.\n{FILE}").as_bytes());
    commit_at(&repo, "release-2: a doc comment", 3);
    repo.git(&["checkout", "-q", "main"]);
    assert_eq!(
        repo.cherry_pick_tree(&x, "release-2"),
        None,
        "git conflicts"
    );
    let without = port(&repo, &x, "release-2", None);
    assert_eq!(without.status, Status::Conflict);

    let with = port(&repo, &x, "release-2", Some(Precedents::default()));
    let oracle = repo
        .git(&[
            "merge-tree",
            "--write-tree",
            &format!("--merge-base={p}^"),
            "release-2",
            &p,
        ])
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(with.status, Status::Resolved);
    assert_eq!(with.rung, Rung::Precedent);
    assert_eq!(with.precedent.map(|id| id.to_string()), Some(p));
    assert_eq!(with.tree.map(|t| t.to_string()), Some(oracle.clone()));
    let merged = repo.git(&["cat-file", "-p", &format!("{oracle}:a.go")]);
    assert!(
        merged.contains("call(a, c, mode)") && merged.contains("// Package a."),
        "{merged}"
    );
}

#[test]
fn an_earlier_port_that_changes_more_is_not_used() {
    let repo = GitRepo::new();
    let x = upstream(&repo);
    let more = FILE
        .replace("b,", "c,")
        .replace("\tother()\n", "\tother()\n\tlog()\n");
    precedent(&repo, &more, &x, 3);
    let outcome = port(&repo, &x, "release-2", Some(Precedents::default()));
    assert_eq!(outcome.status, Status::Conflict);
    assert_eq!(outcome.precedent, None);
    let other_edit = FILE.replace("b,", "e,");
    precedent(&repo, &other_edit, &x, 4);
    let outcome = port(&repo, &x, "release-2", Some(Precedents::default()));
    assert_eq!(outcome.status, Status::Conflict, "{outcome:?}");
}

#[test]
fn the_cutoff_is_respected_and_the_targets_own_line_counts() {
    let repo = GitRepo::new();
    let x = upstream(&repo);
    let p = precedent(&repo, &FILE.replace("b,", "c,"), &x, 3);
    let before = |d| {
        Some(Precedents {
            before: Some(day(d)),
        })
    };
    // Committed on day 3: not before day 3, before day 4.
    assert_eq!(
        port(&repo, &x, "release-2", before(3)).status,
        Status::Conflict
    );
    assert_eq!(
        port(&repo, &x, "release-2", before(4))
            .precedent
            .map(|i| i.to_string()),
        Some(p.clone())
    );
    // Onto P's own parent: the maintainer's tree.
    let onto_own = port(&repo, &x, &format!("{p}^"), Some(Precedents::default()));
    assert_eq!(onto_own.tree.map(|t| t.to_string()), Some(repo.tree(&p)));
    // Without precedents, git and longhaul both conflict there.
    assert_eq!(repo.cherry_pick_tree(&x, &format!("{p}^")), None);
    assert_eq!(
        port(&repo, &x, &format!("{p}^"), None).status,
        Status::Conflict
    );
}

#[test]
fn an_abbreviated_id_names_no_precedent() {
    let repo = GitRepo::new();
    let x = upstream(&repo);
    precedent(&repo, &FILE.replace("b,", "c,"), &x[..12], 3);
    let outcome = port(&repo, &x, "release-2", Some(Precedents::default()));
    assert_eq!(outcome.status, Status::Conflict);
}
