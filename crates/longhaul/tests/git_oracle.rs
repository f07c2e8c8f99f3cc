//! The engine against `git am -3`: same tree id for every kind of change, and a
//! precise failure where git refuses.

mod common;

use common::{GitRepo, longhaul_tree};
use std::path::PathBuf;

fn numbered(n: usize) -> String {
    (1..=n).map(|i| format!("line {i}\n")).collect()
}

/// Build upstream `v1` from `setup`, make the patch commits with `change`, and
/// compare longhaul with git am on `onto` (which may differ from where the patch was made).
fn check(
    setup: impl Fn(&GitRepo),
    change: impl Fn(&GitRepo),
    onto_setup: Option<&dyn Fn(&GitRepo)>,
) -> (
    Option<String>,
    Result<String, Vec<longhaul::apply::tree::Failure>>,
) {
    let repo = GitRepo::new();
    setup(&repo);
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    change(&repo);
    repo.commit_all("the change\n\nWith a body.");
    // Inside .git, so the work tree stays clean for `git am`.
    let patch_file: PathBuf = repo.path().join(".git/change.patch");
    repo.format_patch("v1..HEAD", &patch_file);
    let onto = match onto_setup {
        Some(f) => {
            repo.git(&["checkout", "-q", "-b", "other", "v1"]);
            f(&repo);
            repo.commit_all("diverged");
            repo.git(&["tag", "onto"]);
            "onto"
        }
        None => "v1",
    };
    let git = repo.git_am_tree(onto, std::slice::from_ref(&patch_file));
    let ours = longhaul_tree(repo.path(), onto, std::slice::from_ref(&patch_file));
    (git, ours)
}

fn assert_same(setup: impl Fn(&GitRepo), change: impl Fn(&GitRepo)) {
    let (git, ours) = check(setup, change, None);
    let git = git.expect("git am applies");
    assert_eq!(ours.expect("longhaul applies"), git);
}

#[test]
fn modify_add_delete() {
    assert_same(
        |r| {
            r.write("a.txt", numbered(30).as_bytes());
            r.write("dir/gone.txt", b"bye\n");
        },
        |r| {
            r.write(
                "a.txt",
                numbered(30)
                    .replace("line 3\n", "three\n")
                    .replace("line 25\n", "")
                    .as_bytes(),
            );
            std::fs::remove_file(r.path().join("dir/gone.txt")).unwrap();
            r.write("new/deep/file.txt", b"hello\n");
        },
    );
}

#[test]
fn rename_and_mode_change() {
    assert_same(
        |r| {
            r.write("old/name.go", numbered(40).as_bytes());
            r.write("run.sh", b"#!/bin/sh\necho hi\n");
        },
        |r| {
            std::fs::create_dir_all(r.path().join("new")).unwrap();
            r.git(&["mv", "old/name.go", "new/name.go"]);
            r.write(
                "new/name.go",
                numbered(40).replace("line 20\n", "twenty\n").as_bytes(),
            );
            r.git(&["update-index", "--chmod=+x", "run.sh"]);
            std::fs::set_permissions(
                r.path().join("run.sh"),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            )
            .unwrap();
        },
    );
}

#[test]
fn missing_newline_at_end_of_file_both_ways() {
    assert_same(
        |r| {
            r.write("a", b"one\ntwo");
            r.write("b", b"one\ntwo\n");
        },
        |r| {
            r.write("a", b"one\ntwo\n");
            r.write("b", b"one\n2");
        },
    );
}

#[test]
fn symlink_and_empty_file() {
    assert_same(
        |r| r.write("x", b"x\n"),
        |r| {
            std::os::unix::fs::symlink("x", r.path().join("link")).unwrap();
            r.write("empty", b"");
        },
    );
}

/// Line 30 of a 50-line file changes to `thirty`; the patch is applied onto a
/// copy of the base changed by `diverge`.
fn line_30_patch_onto(
    diverge: &dyn Fn(&GitRepo),
) -> (
    Option<String>,
    Result<String, Vec<longhaul::apply::tree::Failure>>,
) {
    check(
        |r| r.write("f.go", numbered(50).as_bytes()),
        |r| {
            r.write(
                "f.go",
                numbered(50).replace("line 30\n", "thirty\n").as_bytes(),
            )
        },
        Some(diverge),
    )
}

#[test]
fn offset_when_lines_were_added_above() {
    let (git, ours) = line_30_patch_onto(&|r| {
        r.write(
            "f.go",
            format!("header 1\nheader 2\n{}", numbered(50)).as_bytes(),
        )
    });
    assert_eq!(ours.unwrap(), git.unwrap());
}

#[test]
fn three_way_when_context_changed_nearby() {
    let (git, ours) = line_30_patch_onto(&|r| {
        r.write(
            "f.go",
            numbered(50)
                .replace("line 28\n", "twenty-eight\n")
                .as_bytes(),
        )
    });
    assert_eq!(ours.unwrap(), git.unwrap());
}

#[test]
fn conflict_fails_like_git_and_names_the_hunk() {
    let (git, ours) = line_30_patch_onto(&|r| {
        r.write(
            "f.go",
            numbered(50).replace("line 30\n", "THIRTY\n").as_bytes(),
        )
    });
    assert!(git.is_none(), "git refuses a real conflict");
    let failures = ours.unwrap_err();
    let direct = &failures[0];
    assert_eq!(direct.file, "f.go");
    assert_eq!(direct.hunk, Some(1));
    assert_eq!(direct.line, Some(30), "the first mismatching line");
    assert!(
        direct.reason.contains("expected `line 30`"),
        "{}",
        direct.reason
    );
    assert!(
        failures.iter().any(|f| f.reason.contains("conflict")),
        "{failures:?}"
    );
}

#[test]
fn multi_commit_mbox_applies_in_order() {
    let repo = GitRepo::new();
    repo.write("f", numbered(10).as_bytes());
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    repo.write("f", numbered(10).replace("line 2\n", "two\n").as_bytes());
    repo.commit_all("first");
    repo.write(
        "f",
        numbered(10)
            .replace("line 2\n", "two\n")
            .replace("line 9\n", "nine\n")
            .as_bytes(),
    );
    repo.write("g", b"g\n");
    repo.commit_all("second");
    let patch = repo.dir.path().join(".git/series.patch");
    repo.format_patch("v1..HEAD", &patch);
    let parsed = longhaul::patch::parse(&std::fs::read(&patch).unwrap()).unwrap();
    assert_eq!(parsed.commits.len(), 2);
    assert_eq!(parsed.commits[1].meta.as_ref().unwrap().subject, "second");
    let expected = repo.tree("HEAD");
    assert_eq!(
        longhaul_tree(repo.path(), "v1", &[patch]).unwrap(),
        expected
    );
}

#[test]
fn missing_file_is_a_precise_failure() {
    let (git, ours) = check(
        |r| r.write("f", b"a\n"),
        |r| r.write("f", b"b\n"),
        Some(&|r: &GitRepo| std::fs::remove_file(r.path().join("f")).unwrap()),
    );
    assert!(git.is_none());
    let f = &ours.unwrap_err()[0];
    assert_eq!(f.file, "f");
    assert!(f.reason.contains("does not exist"), "{}", f.reason);
}

#[test]
fn commit_metadata_matches_what_git_am_records() {
    let repo = GitRepo::new();
    repo.write("f", b"a\n");
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    repo.write("f", b"b\n");
    repo.git(&["add", "-A"]);
    let message = "Kübelet: fix the \"quoted\" thing — with a long subject line that goes past the usual seventy-eight characters\n\nFirst paragraph.   \n\n\n\nSecond paragraph, after blank lines.\n\nSigned-off-by: Zoë Dev <zoe@example.org>\n";
    let out = repo.git_output(&[
        "-c",
        "user.name=Zoë Dev",
        "-c",
        "user.email=zoe@example.org",
        "commit",
        "-q",
        "-m",
        message,
    ]);
    assert!(out.status.success());
    let patch = repo.path().join(".git/meta.patch");
    repo.format_patch("v1..HEAD", &patch);
    let parsed = longhaul::patch::parse(&std::fs::read(&patch).unwrap()).unwrap();
    let meta = parsed.commits[0].meta.clone().unwrap();

    repo.git(&["checkout", "-q", "--detach", "v1"]);
    repo.git(&["am", "-q", &patch.display().to_string()]);
    assert_eq!(
        format!("{}\n", repo.git(&["log", "-1", "--format=%B"]).trim_end()),
        meta.message
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an|%ae|%at"]),
        format!("{}|{}|{}", meta.author_name, meta.author_email, meta.time)
    );
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), meta.subject);
}

#[test]
fn copies_apply_like_git() {
    let repo = GitRepo::new();
    repo.write("src/template.go", numbered(30).as_bytes());
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    repo.write(
        "src/copy.go",
        numbered(30).replace("line 7\n", "seven\n").as_bytes(),
    );
    repo.commit_all("copy with a change");
    let out = repo.git(&[
        "format-patch",
        "--stdout",
        "--zero-commit",
        "-C",
        "-C",
        "v1..HEAD",
    ]);
    assert!(
        out.contains("copy from src/template.go"),
        "git wrote a copy: {out}"
    );
    let patch = repo.path().join(".git/copy.patch");
    std::fs::write(&patch, out + "\n").unwrap();
    let parsed = longhaul::patch::parse(&std::fs::read(&patch).unwrap()).unwrap();
    assert_eq!(
        parsed.commits[0].files[0].operation,
        longhaul::patch::Operation::Copy
    );
    let git = repo
        .git_am_tree("v1", std::slice::from_ref(&patch))
        .expect("git am applies");
    assert_eq!(longhaul_tree(repo.path(), "v1", &[patch]).unwrap(), git);
}

/// Quoted-printable encoding as mailing lists apply it: `=`, non-ASCII and
/// trailing blanks escaped, long lines soft-broken.
fn quoted_printable(body: &str) -> String {
    let mut out = String::new();
    for line in body.split_inclusive('\n') {
        let (text, nl) = match line.strip_suffix('\n') {
            Some(t) => (t, "\n"),
            None => (line, ""),
        };
        let mut width = 0;
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let plain = (b == b' ' || b == b'\t') && !last || (33..=126).contains(&b) && b != b'=';
            let piece = if plain {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if width + piece.len() > 75 {
                out.push_str("=\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
        out.push_str(nl);
    }
    out
}

#[test]
fn quoted_printable_mail_applies_like_git() {
    let repo = GitRepo::new();
    repo.write("conf.txt", "key=value\nname=café\n".as_bytes());
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    let long = "x".repeat(120);
    repo.write(
        "conf.txt",
        format!("key=other value  \nname=crème brûlée\nlong={long}\n").as_bytes(),
    );
    repo.commit_all("change values");
    let mail = repo.git(&["format-patch", "--stdout", "--zero-commit", "v1..HEAD"]) + "\n";
    let (head, body) = mail.split_once("\n\n").unwrap();
    let head: String = head
        .lines()
        .filter(|l| !l.starts_with("MIME-Version:") && !l.starts_with("Content-"))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        + "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable";
    let encoded = format!("{head}\n\n{}", quoted_printable(body));
    assert!(encoded.contains("=3D"), "encoded: {encoded}");
    let patch = repo.path().join(".git/qp.patch");
    std::fs::write(&patch, encoded).unwrap();
    let git = repo
        .git_am_tree("v1", std::slice::from_ref(&patch))
        .expect("git am applies QP");
    assert_eq!(longhaul_tree(repo.path(), "v1", &[patch]).unwrap(), git);
}

/// Issue 6, defect 1: a change that git refuses because the target has a file
/// where the patch needs a folder, or the reverse, fails here too, naming the
/// path and the conflict, and never reports the tree with content silently gone.
fn refused_like_git(
    setup: impl Fn(&GitRepo),
    change: impl Fn(&GitRepo),
    onto: &dyn Fn(&GitRepo),
    path: &str,
    why: &str,
) {
    let (git, ours) = check(setup, change, Some(onto));
    assert_eq!(git, None, "git am -3 refuses");
    let failures = ours.expect_err("longhaul refuses too");
    assert!(
        failures
            .iter()
            .any(|f| f.file == path && f.reason.contains(why)),
        "expected a failure for {path} saying {why:?}, got {failures:#?}"
    );
}

#[test]
fn new_file_where_the_target_has_a_folder_is_refused() {
    refused_like_git(
        |r| r.write("a.txt", b"a\n"),
        |r| r.write("dir", b"a file now\n"),
        &|r| r.write("dir/x.txt", b"x\n"),
        "dir",
        "would replace a directory that still holds \"dir/x.txt\"",
    );
}

#[test]
fn new_file_under_a_file_is_refused() {
    refused_like_git(
        |r| r.write("a.txt", b"a\n"),
        |r| r.write("sub/y.txt", b"y\n"),
        &|r| r.write("sub", b"a file\n"),
        "sub/y.txt",
        "which is a file in the tree",
    );
}

#[test]
fn new_file_under_a_symlink_is_refused() {
    refused_like_git(
        |r| r.write("dir/x.txt", b"x\n"),
        |r| r.write("link/y.txt", b"y\n"),
        &|r| std::os::unix::fs::symlink("dir", r.path().join("link")).unwrap(),
        "link/y.txt",
        "beyond a symbolic link",
    );
}

#[test]
fn rename_onto_a_folder_is_refused() {
    refused_like_git(
        |r| r.write("a.txt", numbered(5).as_bytes()),
        |r| {
            r.git(&["mv", "a.txt", "dir"]);
        },
        &|r| r.write("dir/x.txt", b"x\n"),
        "dir",
        "file/directory conflict",
    );
}

/// A symlink created by one patch, then a file written through it by the next:
/// git refuses the second ("beyond a symbolic link"); longhaul must not turn the
/// symlink into a folder.
#[test]
fn writing_through_a_symlink_made_by_an_earlier_patch_is_refused() {
    let repo = GitRepo::new();
    repo.write("a.txt", b"a\n");
    repo.write("dir/x.txt", b"x\n");
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    let first = repo.path().join(".git/1.patch");
    std::fs::write(
        &first,
        "From: A <a@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH 1/2] link\n\n---\ndiff --git a/link b/link\nnew file mode 120000\nindex 0000000..8724519\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+dir\n\\ No newline at end of file\n",
    )
    .unwrap();
    let second = repo.path().join(".git/2.patch");
    std::fs::write(
        &second,
        "From: A <a@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH 2/2] through\n\n---\ndiff --git a/link/evil.txt b/link/evil.txt\nnew file mode 100644\nindex 0000000..2e65efe\n--- /dev/null\n+++ b/link/evil.txt\n@@ -0,0 +1 @@\n+a\n",
    )
    .unwrap();
    let patches = [first, second];
    assert_eq!(repo.git_am_tree("v1", &patches), None, "git am -3 refuses");
    let failures = longhaul_tree(repo.path(), "v1", &patches).expect_err("refused");
    assert_eq!(failures[0].file, "link/evil.txt");
    assert!(
        failures[0].reason.contains("beyond a symbolic link"),
        "{failures:#?}"
    );
}

/// The legitimate form of the same shapes: a patch that deletes a folder's
/// files and puts a file in its place applies, with git's tree.
#[test]
fn folder_replaced_by_a_file_in_one_patch_applies_like_git() {
    assert_same(
        |r| {
            r.write("dir/x.txt", b"x\n");
            r.write("dir/sub/y.txt", b"y\n");
        },
        |r| {
            std::fs::remove_dir_all(r.path().join("dir")).unwrap();
            r.write("dir", b"now a file\n");
        },
    );
}

/// Issue 6, defect 7: paths that are not UTF-8 stay bytes, so the tree is the
/// one `git am` builds.
#[test]
fn non_utf8_paths_keep_their_bytes() {
    use std::os::unix::ffi::OsStrExt;
    assert_same(
        |r| r.write("a.txt", b"a\n"),
        |r| {
            let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
            std::fs::write(r.path().join(name), b"latin-1 name\n").unwrap();
            r.write("a.txt", b"b\n");
        },
    );
}

/// Issue 6, defect 7: a submodule bump applies like `git am` even though the
/// submodule's commits are not in the repository.
#[test]
fn submodule_bump_applies_like_git() {
    let repo = GitRepo::new();
    repo.write("a.txt", b"a\n");
    let old = "1111111111111111111111111111111111111111";
    let new = "2222222222222222222222222222222222222222";
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{old},sub"),
    ]);
    repo.git(&["add", "a.txt"]);
    repo.git(&["commit", "-q", "-m", "v1"]);
    repo.git(&["tag", "v1"]);
    repo.git(&["update-index", "--cacheinfo", &format!("160000,{new},sub")]);
    repo.git(&["commit", "-q", "-m", "bump"]);
    let patch = repo.path().join(".git/bump.patch");
    repo.format_patch("v1..HEAD", &patch);
    let expected = repo.tree("HEAD");
    let patches = [patch];
    assert_eq!(
        repo.git_am_tree("v1", &patches).as_deref(),
        Some(expected.as_str())
    );
    assert_eq!(
        longhaul_tree(repo.path(), "v1", &patches).unwrap(),
        expected
    );
}

/// Porting (issue 8, rung 2): the three-way merge with the commit's parent as
/// base gives `git merge-tree --write-tree --merge-base=X^ ONTO X`'s tree (what
/// `git cherry-pick` records), and conflicts where git conflicts.
mod port {
    use super::{GitRepo, numbered};
    use longhaul::port::{Difficulty, Status};

    /// `v1` with a 40-line file; the fix (a commit on `v2`) changes line 30;
    /// `old` is `v1` changed by `diverge`. Returns (git's tree or None, ours).
    fn port_onto(diverge: &dyn Fn(&GitRepo)) -> (Option<String>, longhaul::port::Outcome, GitRepo) {
        let repo = GitRepo::new();
        repo.write("f.txt", numbered(40).as_bytes());
        repo.write("other.txt", b"other\n");
        repo.commit_all("v1");
        repo.git(&["tag", "v1"]);
        repo.write(
            "f.txt",
            numbered(40).replace("line 30\n", "thirty\n").as_bytes(),
        );
        let fix = repo.commit_all("fix");
        repo.git(&["checkout", "-q", "-b", "old", "v1"]);
        diverge(&repo);
        let onto = repo.commit_all("old line");
        let git = repo.cherry_pick_tree(&fix, &onto);
        let ours = repo.longhaul_port(&fix, &onto);
        (git, ours, repo)
    }

    #[test]
    fn identical_target_is_clean_and_trivial() {
        let (git, ours, _r) = port_onto(&|r| r.write("unrelated.txt", b"x\n"));
        assert_eq!(
            (ours.status, ours.difficulty),
            (Status::Clean, Difficulty::Trivial)
        );
        assert_eq!(ours.tree.map(|t| t.to_string()), git);
    }

    #[test]
    fn drifted_target_merges_like_cherry_pick() {
        let (git, ours, _r) = port_onto(&|r| {
            r.write(
                "f.txt",
                numbered(40).replace("line 2\n", "two\nextra\n").as_bytes(),
            )
        });
        assert_eq!(
            (ours.status, ours.difficulty),
            (Status::Merged, Difficulty::Adapted)
        );
        assert!(git.is_some());
        assert_eq!(ours.tree.map(|t| t.to_string()), git);
    }

    #[test]
    fn overlapping_change_is_a_conflict_like_git() {
        let (git, ours, _r) = port_onto(&|r| {
            r.write(
                "f.txt",
                numbered(40).replace("line 30\n", "THIRTY\n").as_bytes(),
            )
        });
        assert_eq!(git, None, "git conflicts");
        assert_eq!(
            (ours.status, ours.difficulty),
            (Status::Conflict, Difficulty::Manual)
        );
        assert_eq!(ours.tree, None);
        assert_eq!(ours.conflicts[0].file, "f.txt");
    }

    /// The old line renamed the file: the merge follows the rename (as
    /// merge-ort does), and the guard matches the change through it.
    #[test]
    fn a_file_renamed_on_the_old_line_is_ported_at_its_new_path() {
        let (git, ours, _r) = port_onto(&|r| {
            r.git(&["mv", "f.txt", "renamed.txt"]);
        });
        assert_eq!(ours.status, Status::Merged, "{ours:?}");
        assert!(git.is_some());
        assert_eq!(ours.tree.map(|t| t.to_string()), git);
    }

    /// The old line inserted a block that ends with a copy of the line above
    /// upstream's change: git slides the insertion down onto the change (no
    /// indent heuristic in a merge) and conflicts, and so does the port (on
    /// podman, merging it gave a tree the maintainer did not commit).
    #[test]
    fn an_insertion_touching_the_upstream_change_conflicts_like_git() {
        let repo = GitRepo::new();
        let ci = "matrix:\n  - env:\n      FROM: v4.8.0\n  vm: std\n";
        repo.write("ci.yml", ci.as_bytes());
        repo.commit_all("v1");
        repo.git(&["tag", "v1"]);
        repo.write(
            "ci.yml",
            ci.replace(
                "      FROM: v4.8.0\n",
                "      FROM: v5.3.1\n  - env:\n      FROM: v5.6.2\n",
            )
            .as_bytes(),
        );
        let fix = repo.commit_all("fix");
        repo.git(&["checkout", "-q", "-b", "old", "v1"]);
        repo.write(
            "ci.yml",
            ci.replace(
                "  - env:\n",
                "  - env:\n      # an old one\n      FROM: v4.3.1\n  - env:\n",
            )
            .as_bytes(),
        );
        let onto = repo.commit_all("old line");
        assert_eq!(repo.cherry_pick_tree(&fix, &onto), None, "git conflicts");
        let ours = repo.longhaul_port(&fix, &onto);
        assert_eq!(ours.status, Status::Conflict, "{ours:?}");
        assert_eq!(ours.conflicts[0].file, "ci.yml");
    }

    /// Upstream renames a file (with a small edit) that the old line changed
    /// too: merge-ort carries the target's edit to the new name, and so does
    /// the port (porting findings, class 2: `main.go` → `main_linux.go`).
    #[test]
    fn a_file_upstream_renames_is_merged_at_its_new_name() {
        let (git, ours, _r) = {
            let repo = GitRepo::new();
            repo.write("main.go", numbered(40).as_bytes());
            repo.commit_all("v1");
            repo.git(&["tag", "v1"]);
            repo.git(&["mv", "main.go", "main_linux.go"]);
            repo.write(
                "main_linux.go",
                numbered(40).replace("line 30\n", "thirty\n").as_bytes(),
            );
            let fix = repo.commit_all("fix");
            repo.git(&["checkout", "-q", "-b", "old", "v1"]);
            repo.write(
                "main.go",
                numbered(40).replace("line 5\n", "five\n").as_bytes(),
            );
            let onto = repo.commit_all("old line");
            (
                repo.cherry_pick_tree(&fix, &onto),
                repo.longhaul_port(&fix, &onto),
                repo,
            )
        };
        assert!(git.is_some(), "cherry-pick merges it");
        assert_eq!(ours.status, Status::Merged, "{ours:?}");
        assert_eq!(ours.tree.map(|t| t.to_string()), git);
    }

    /// The old line already has the fix: the port changes nothing, and the guard
    /// accepts that because the target made exactly that change itself.
    #[test]
    fn a_change_the_target_already_has_is_accepted_as_is() {
        let (git, ours, r) = port_onto(&|r| {
            r.write(
                "f.txt",
                numbered(40).replace("line 30\n", "thirty\n").as_bytes(),
            )
        });
        assert_eq!(ours.status, Status::Merged, "{ours:?}");
        assert_eq!(ours.tree.map(|t| t.to_string()), git);
        assert_eq!(git.unwrap(), r.tree("old"));
    }

    /// The guard refuses a result that does more, or less, than the upstream change.
    #[test]
    fn the_guard_refuses_a_result_that_is_not_the_upstream_change() {
        let repo = GitRepo::new();
        repo.write("f.txt", numbered(10).as_bytes());
        repo.write("g.txt", b"g\n");
        let base = repo.commit_all("base");
        repo.write(
            "f.txt",
            numbered(10).replace("line 5\n", "five\n").as_bytes(),
        );
        let theirs = repo.commit_all("fix");
        // A "port" that also changes g.txt, and one that changes another line.
        repo.write("g.txt", b"G\n");
        let more = repo.commit_all("more");
        repo.git(&["checkout", "-q", &base]);
        repo.write(
            "f.txt",
            numbered(10).replace("line 6\n", "five\n").as_bytes(),
        );
        let other = repo.commit_all("other line");
        let ts = longhaul::repo::open(repo.path()).unwrap();
        let memory = longhaul::repo::in_memory(&ts);
        let tree =
            |rev: &str| longhaul::gix::ObjectId::from_hex(repo.tree(rev).as_bytes()).unwrap();
        let ctx = longhaul::port::Context::new(&memory, tree(&base), []).unwrap();
        let check = |result: &str| {
            longhaul::port::guard::check(
                &ctx,
                tree(&base),
                tree(&theirs),
                tree(&base),
                tree(result),
            )
            .unwrap()
        };
        assert!(
            check(&theirs).refusals.is_empty(),
            "the change itself passes"
        );
        let v = check(&more);
        assert_eq!(v.refusals.len(), 1);
        assert_eq!(v.refusals[0].file, "g.txt");
        let v = check(&other);
        assert_eq!(v.refusals[0].file, "f.txt");
        assert!(
            v.refusals[0].reason.starts_with("guard:"),
            "{:?}",
            v.refusals
        );
        // A result that silently drops the change (the target does not have it).
        let v = check(&base);
        assert_eq!(v.refusals[0].file, "f.txt");
        assert!(
            v.refusals[0]
                .reason
                .contains("does not make this upstream change")
        );
    }
}

/// The guard's static check (issue 8): a port that merges cleanly but uses a
/// field, a function or a package the old line does not have is a conflict
/// naming it, though `git cherry-pick` gives a tree.
mod port_symbols {
    use super::GitRepo;
    use longhaul::port::Status;

    const CONFIG_UPSTREAM: &str = "package config\n\n// Options configures the server.\ntype Options struct {\n\tSandboxer string\n}\n\n// Default returns the default options.\nfunc Default() Options { return Options{} }\n";
    const SERVER: &str = "package server\n\nimport (\n\t\"fmt\"\n\n\t\"example.org/app/pkg/config\"\n)\n\n// Run starts the server.\nfunc Run(o config.Options) {\n\tfmt.Println(\"starting\")\n}\n";

    /// Upstream `v1` and an old line whose config names the field `SandboxMode`;
    /// the fix replaces server.go's body line with `fix`. Returns (git's tree,
    /// longhaul's outcome).
    fn port(fix: &str) -> (Option<String>, longhaul::port::Outcome) {
        port_server(&SERVER.replace("\tfmt.Println(\"starting\")\n", fix))
    }

    fn port_server(server: &str) -> (Option<String>, longhaul::port::Outcome) {
        let repo = GitRepo::new();
        repo.write("go.mod", b"module example.org/app\n\ngo 1.22\n");
        repo.write("pkg/config/config.go", CONFIG_UPSTREAM.as_bytes());
        repo.write("pkg/server/server.go", SERVER.as_bytes());
        repo.commit_all("v1");
        repo.git(&["tag", "v1"]);
        repo.write("pkg/server/server.go", server.as_bytes());
        let fix = repo.commit_all("fix");
        repo.git(&["checkout", "-q", "-b", "old", "v1"]);
        repo.write(
            "pkg/config/config.go",
            CONFIG_UPSTREAM
                .replace("Sandboxer", "SandboxMode")
                .as_bytes(),
        );
        let onto = repo.commit_all("old line");
        (
            repo.cherry_pick_tree(&fix, &onto),
            repo.longhaul_port(&fix, &onto),
        )
    }

    fn reasons(o: &longhaul::port::Outcome) -> String {
        o.conflicts
            .iter()
            .map(|c| format!("{}: {}", c.file, c.reason))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_field_the_old_line_names_differently_is_refused() {
        let (git, ours) = port("\tif o.Sandboxer != \"\" {\n\t\tfmt.Println(\"sandboxed\")\n\t}\n");
        assert!(git.is_some(), "cherry-pick merges it");
        assert_eq!(ours.status, Status::Conflict);
        assert!(
            reasons(&ours).contains("`Sandboxer`") && reasons(&ours).contains("pkg/config/"),
            "{}",
            reasons(&ours)
        );
    }

    #[test]
    fn a_package_function_and_an_import_the_old_line_lacks_are_refused() {
        let (_, ours) = port("\tconfig.Validate(o)\n");
        assert_eq!(ours.status, Status::Conflict);
        assert!(reasons(&ours).contains("`Validate`"), "{}", reasons(&ours));
        // A package path that exists only upstream (a /v2 module path).
        let server = SERVER
            .replace(
                "\t\"example.org/app/pkg/config\"\n",
                "\t\"example.org/app/pkg/config\"\n\t\"example.org/app/v2/pkg/util\"\n",
            )
            .replace("\tfmt.Println(\"starting\")\n", "\tutil.Log(o)\n");
        let (git, ours) = port_server(&server);
        assert!(git.is_some(), "cherry-pick merges it");
        assert_eq!(ours.status, Status::Conflict);
        assert!(
            reasons(&ours).contains("example.org/app/v2/pkg/util"),
            "{}",
            reasons(&ours)
        );
    }

    /// A loop variable named like an imported package (`mount`) is a value:
    /// its field `GIDMappings` (of a vendored type) is not looked up in the
    /// package's folder, which never had it.
    #[test]
    fn a_value_named_like_a_package_is_not_read_as_the_package() {
        let repo = GitRepo::new();
        repo.write("go.mod", b"module example.org/app\n\ngo 1.22\n");
        repo.write(
            "vendor/example.org/spec/spec.go",
            b"package spec\n\n// Mount is a mount.\ntype Mount struct {\n\tGIDMappings []int\n}\n",
        );
        repo.write(
            "pkg/mount/mount.go",
            b"package mount\n\n// Bind mounts.\nfunc Bind() {}\n",
        );
        let run = "package server\n\nimport (\n\t\"example.org/app/pkg/mount\"\n\t\"example.org/spec\"\n)\n\n// Run mounts.\nfunc Run(mounts []spec.Mount) {\n\tmount.Bind()\n\tfor _, mount := range mounts {\n\t\t_ = mount\n\t}\n}\n";
        repo.write("pkg/server/server.go", run.as_bytes());
        repo.commit_all("v1");
        repo.git(&["tag", "v1"]);
        repo.write(
            "pkg/server/server.go",
            run.replace(
                "\t\t_ = mount\n",
                "\t\tif len(mount.GIDMappings) > 0 {\n\t\t\tmount.Bind()\n\t\t}\n",
            )
            .as_bytes(),
        );
        let fix = repo.commit_all("fix");
        repo.git(&["checkout", "-q", "-b", "old", "v1"]);
        repo.write("README", b"old line\n");
        let onto = repo.commit_all("old line");
        let git = repo.cherry_pick_tree(&fix, &onto);
        let ours = repo.longhaul_port(&fix, &onto);
        assert!(git.is_some());
        assert_eq!(ours.tree.map(|t| t.to_string()), git, "{}", reasons(&ours));
    }

    /// A vendored module's own code is not judged name by name: a bump that
    /// adds an interface method (a line the check reads as a call of a name
    /// the folder lacks) ports as cherry-pick ports it.
    #[test]
    fn a_vendored_modules_own_code_is_not_judged_name_by_name() {
        let repo = GitRepo::new();
        repo.write("go.mod", b"module example.org/app\n\ngo 1.22\n");
        let errors = "package errdefs\n\ntype canceled interface {\n\tCanceled()\n}\n";
        repo.write("vendor/example.org/errdefs/errors.go", errors.as_bytes());
        repo.write(
            "vendor/example.org/errdefs/is.go",
            b"package errdefs\n\n// IsCanceled says so.\nfunc IsCanceled(err error) bool {\n\t_, ok := err.(canceled)\n\treturn ok\n}\n",
        );
        repo.commit_all("v1");
        repo.git(&["tag", "v1"]);
        repo.write(
            "vendor/example.org/errdefs/errors.go",
            errors
                .replace("\tCanceled()\n", "\tCanceled()\n\tCollapse()\n")
                .as_bytes(),
        );
        let fix = repo.commit_all("bump errdefs");
        repo.git(&["checkout", "-q", "-b", "old", "v1"]);
        repo.write("README", b"old line\n");
        let onto = repo.commit_all("old line");
        let git = repo.cherry_pick_tree(&fix, &onto);
        let ours = repo.longhaul_port(&fix, &onto);
        assert!(git.is_some());
        assert_eq!(ours.tree.map(|t| t.to_string()), git, "{}", reasons(&ours));
    }

    /// What the old line has passes: the same fix using `Default()` and `fmt`.
    #[test]
    fn names_the_old_line_has_pass() {
        let (git, ours) = port("\td := config.Default()\n\tfmt.Println(\"starting\", d)\n");
        assert_eq!(ours.tree.map(|t| t.to_string()), git);
    }
}

/// `--drop-conflicting-tests` (issue 8): when only test files conflict, the
/// port is made without them and says so; code conflicts are never dropped.
mod port_dropping_tests {
    use super::{GitRepo, numbered};
    use longhaul::port::{Context, Status, port_commit_dropping_tests};

    fn port(conflict_in: &str) -> (longhaul::port::Outcome, GitRepo, String) {
        let repo = GitRepo::new();
        repo.write("pkg/a.go", numbered(20).as_bytes());
        repo.write("pkg/a_test.go", numbered(20).as_bytes());
        repo.commit_all("v1");
        repo.git(&["tag", "v1"]);
        repo.write(
            "pkg/a.go",
            numbered(20).replace("line 10\n", "ten\n").as_bytes(),
        );
        repo.write(
            "pkg/a_test.go",
            numbered(20).replace("line 5\n", "five\n").as_bytes(),
        );
        let fix = repo.commit_all("fix with a test");
        repo.git(&["checkout", "-q", "-b", "old", "v1"]);
        let line = if conflict_in == "pkg/a.go" {
            "line 10\n"
        } else {
            "line 5\n"
        };
        repo.write(
            conflict_in,
            numbered(20)
                .replace(line, "changed on the old line\n")
                .as_bytes(),
        );
        let onto = repo.commit_all("old line");
        let ts = longhaul::repo::open(repo.path()).unwrap();
        let memory = longhaul::repo::in_memory(&ts);
        let id = |hex: &str| longhaul::gix::ObjectId::from_hex(hex.as_bytes()).unwrap();
        let onto_tree = longhaul::repo::tree_of(&memory, id(&onto)).unwrap();
        let ctx = Context::new(&memory, onto_tree, []).unwrap();
        let outcome = port_commit_dropping_tests(&ctx, id(&fix), id(&onto)).unwrap();
        (outcome, repo, onto)
    }

    #[test]
    fn a_conflicting_test_is_dropped_and_named() {
        let (o, repo, onto) = port("pkg/a_test.go");
        assert_ne!(o.status, Status::Conflict);
        assert_eq!(o.dropped_tests, ["pkg/a_test.go"]);
        // The tree is the old line (its test file untouched) plus the code change,
        // as git writes it.
        let tree = o.tree.unwrap().to_string();
        repo.git(&["checkout", "-q", &onto]);
        repo.write(
            "pkg/a.go",
            numbered(20).replace("line 10\n", "ten\n").as_bytes(),
        );
        repo.git(&["add", "-A"]);
        let expected = repo.git(&["write-tree"]);
        assert_eq!(tree, expected);
    }

    #[test]
    fn a_code_conflict_is_never_dropped() {
        let (o, _, _) = port("pkg/a.go");
        assert_eq!(o.status, Status::Conflict);
        assert!(o.dropped_tests.is_empty());
    }
}

/// Refresh (issue 8): a commit written by longhaul is byte for byte what
/// `git format-patch -N --abbrev=11 --zero-commit --no-signature` writes.
mod format_patch {
    use super::{GitRepo, numbered};

    fn ours(repo: &GitRepo, commit: &str) -> String {
        let ts = longhaul::repo::open(repo.path()).unwrap();
        let memory = longhaul::repo::in_memory(&ts);
        let id = longhaul::gix::ObjectId::from_hex(commit.as_bytes()).unwrap();
        let parent = longhaul::repo::resolve_commit(&memory, &format!("{commit}^")).unwrap();
        let (old, new) = (
            longhaul::repo::tree_of(&memory, parent).unwrap(),
            longhaul::repo::tree_of(&memory, id).unwrap(),
        );
        let meta = longhaul::port::format_patch::commit_meta(&memory, id).unwrap();
        let ctx = longhaul::port::Context::new(&memory, new, []).unwrap();
        let bytes = longhaul::port::format_patch::format_patch(&ctx, old, new, &meta).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn git(repo: &GitRepo, commit: &str) -> String {
        let out = repo.git_output(&[
            "format-patch",
            "-N",
            "--abbrev=11",
            "--zero-commit",
            "--no-signature",
            "--stdout",
            "-1",
            commit,
        ]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    /// Go-like source with functions, so hunk headers carry a function name.
    fn source(n: usize) -> String {
        let mut s = String::from("package demo\n\nimport \"fmt\"\n\n");
        for f in 0..n {
            s.push_str(&format!(
                "// F{f} prints its number.\nfunc F{f}(x int) int {{\n\tif x > {f} {{\n\t\tfmt.Println(x)\n\t}}\n\treturn x + {f}\n}}\n\n"
            ));
        }
        s
    }

    #[test]
    fn commits_are_written_as_git_format_patch_writes_them() {
        let repo = GitRepo::new();
        repo.write("pkg/demo/demo.go", source(12).as_bytes());
        repo.write("f.txt", numbered(60).as_bytes());
        repo.write("gone.txt", b"bye\n");
        repo.write("script.sh", b"#!/bin/sh\necho hi\n");
        repo.write("old/name.txt", numbered(8).as_bytes());
        repo.commit_all("base");
        let mut commits = Vec::new();
        // Several hunks, function names in their headers, a line without a newline.
        repo.write(
            "pkg/demo/demo.go",
            source(12)
                .replace("return x + 3\n", "return x + 3 // checked\n")
                .replace("\tif x > 9 {\n", "\tif x >= 9 {\n\t\tx--\n")
                .as_bytes(),
        );
        repo.write(
            "f.txt",
            format!("{}tail", numbered(60).replace("line 30\n", "")).as_bytes(),
        );
        commits.push(repo.commit_all(
            "pkg/demo: fix off-by-one in F9\n\nThe bound was exclusive.\n\nSigned-off-by: A <a@example.org>",
        ));
        // Create, delete, empty file, mode change, pure renames (one with a mode change).
        repo.write("new/file.go", b"package file\n");
        repo.write("new/empty", b"");
        std::fs::remove_file(repo.path().join("gone.txt")).unwrap();
        repo.git(&["update-index", "--chmod=+x", "script.sh"]);
        repo.git(&["mv", "old/name.txt", "new/name.txt"]);
        commits.push(repo.commit_all("files: create, delete, rename and chmod with a subject that is long enough to be folded by git"));
        // Long paths (diffstat name truncation) and a big change (graph scaling).
        let long = "staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/validation/formats.go";
        repo.write(long, numbered(200).as_bytes());
        repo.write("f.txt", b"short\n");
        commits.push(repo.commit_all("vendor: bump"));
        // Non-ASCII author and message, an author name that needs quoting.
        repo.write("pkg/demo/demo.go", source(13).as_bytes());
        repo.git(&["config", "user.name", "x"]);
        let out = std::process::Command::new("git")
            .args([
                "commit",
                "-q",
                "-a",
                "-m",
                "Grüße: F12 añadido",
                "--author",
                "Jiří Ünïcode <j@example.org>",
            ])
            .current_dir(repo.path())
            .env("GIT_COMMITTER_NAME", "C")
            .env("GIT_COMMITTER_EMAIL", "c@example.org")
            .env("GIT_AUTHOR_DATE", "2018-09-07T15:14:50-07:00")
            .output()
            .unwrap();
        assert!(out.status.success());
        commits.push(repo.git(&["rev-parse", "HEAD"]));
        repo.write("f.txt", b"short\nmore\n");
        let out = std::process::Command::new("git")
            .args([
                "commit",
                "-q",
                "-a",
                "-m",
                "only a subject",
                "--author",
                "John Q. Public <jq@example.org>",
            ])
            .current_dir(repo.path())
            .env("GIT_COMMITTER_NAME", "C")
            .env("GIT_COMMITTER_EMAIL", "c@example.org")
            .env("GIT_AUTHOR_DATE", "2020-02-29T23:59:59+05:30")
            .output()
            .unwrap();
        assert!(out.status.success());
        commits.push(repo.git(&["rev-parse", "HEAD"]));
        // A two-line subject whose second line starts with a space, and trailing
        // whitespace on body lines (kept in the commit with --cleanup=verbatim).
        repo.write("f.txt", b"short\nmore\nagain\n");
        repo.git(&["add", "-A"]);
        repo.git(&[
            "commit", "-q", "--cleanup=verbatim", "-m",
            "helm lint loops \n  when the chart is malformed\n\nThe body has trailing spaces.   \n\t\nSigned-off-by: A <a@example.org>\n",
        ]);
        commits.push(repo.git(&["rev-parse", "HEAD"]));
        for c in &commits {
            assert_eq!(ours(&repo, c), git(&repo, c), "commit {c}");
        }
        // A series on stdout: the mails separated by a blank line.
        let series = repo.git_output(&[
            "format-patch",
            "-N",
            "--abbrev=11",
            "--zero-commit",
            "--no-signature",
            "--stdout",
            &format!("{}^..{}", commits[0], commits[2]),
        ]);
        let ours_series = [0, 1, 2].map(|i| ours(&repo, &commits[i])).join("\n");
        assert_eq!(ours_series, String::from_utf8(series.stdout).unwrap());
    }
}

/// The text merge of a port decides clean or conflict as `git merge-file
/// --diff-algorithm=histogram` does (git's xdiff, no indent heuristic: the
/// setting merge-ort uses), and gives git's text when clean: on generated files
/// full of repeated lines, where the place of a change is ambiguous. (gitoxide's
/// blob merge disagrees with git on about 2 % of these.)
mod text_merge {
    use longhaul::port::text_merge::merge;

    /// A small deterministic generator (no dependency, the same cases every run).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }

        fn lines(&mut self, n: usize) -> Vec<String> {
            const WORDS: [&str; 6] = ["- env:", "  x: 1", "}", "", "  y: 2", "end"];
            (0..n)
                .map(|_| WORDS[self.next(WORDS.len())].to_string())
                .collect()
        }

        /// `base` with one to three insertions, deletions or replacements.
        fn edit(&mut self, base: &[String]) -> Vec<String> {
            let mut out = base.to_vec();
            for _ in 0..1 + self.next(3) {
                let at = self.next(out.len() + 1);
                let del = self.next(3).min(out.len() - at.min(out.len()));
                let ins = self.next(3);
                let new = self.lines(ins);
                out.splice(at..at + del, new);
            }
            out
        }
    }

    fn text(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn clean_or_conflict_and_the_merged_text_are_gits() {
        let dir = tempfile::tempdir().unwrap();
        let (b, o, t) = (
            dir.path().join("base"),
            dir.path().join("ours"),
            dir.path().join("theirs"),
        );
        let mut rng = Lcg(21);
        let (mut clean, mut conflicted) = (0, 0);
        for case in 0..300 {
            let n = 4 + rng.next(10);
            let base = rng.lines(n);
            let (ours, theirs) = (rng.edit(&base), rng.edit(&base));
            let (base, ours, theirs) = (text(&base), text(&ours), text(&theirs));
            std::fs::write(&b, &base).unwrap();
            std::fs::write(&o, &ours).unwrap();
            std::fs::write(&t, &theirs).unwrap();
            let git = std::process::Command::new("git")
                .args(["merge-file", "-p", "--diff-algorithm=histogram"])
                .args([&o, &b, &t])
                .output()
                .unwrap();
            let git_conflicts = git.status.code().unwrap();
            assert!(git_conflicts >= 0, "git merge-file failed");
            let m = merge(&base, &ours, &theirs);
            let show = |d: &[u8]| String::from_utf8_lossy(d).into_owned();
            assert_eq!(
                m.conflicts == 0,
                git_conflicts == 0,
                "case {case}: base\n{}ours\n{}theirs\n{}git\n{}ours\n{}",
                show(&base),
                show(&ours),
                show(&theirs),
                show(&git.stdout),
                show(&m.text)
            );
            if git_conflicts == 0 {
                assert_eq!(show(&m.text), show(&git.stdout), "case {case}");
                clean += 1;
            } else {
                conflicted += 1;
            }
        }
        assert!(
            clean > 50 && conflicted > 50,
            "{clean} clean, {conflicted} conflicts"
        );
    }
}
