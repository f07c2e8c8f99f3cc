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
    Result<String, Vec<longhaul::engine::Failure>>,
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
fn rename_copy_and_mode_change() {
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

#[test]
fn offset_when_lines_were_added_above() {
    let (git, ours) = check(
        |r| r.write("f.go", numbered(50).as_bytes()),
        |r| {
            r.write(
                "f.go",
                numbered(50).replace("line 30\n", "thirty\n").as_bytes(),
            )
        },
        Some(&|r: &GitRepo| {
            r.write(
                "f.go",
                format!("header 1\nheader 2\n{}", numbered(50)).as_bytes(),
            )
        }),
    );
    assert_eq!(ours.unwrap(), git.unwrap());
}

#[test]
fn three_way_when_context_changed_nearby() {
    let (git, ours) = check(
        |r| r.write("f.go", numbered(50).as_bytes()),
        |r| {
            r.write(
                "f.go",
                numbered(50).replace("line 30\n", "thirty\n").as_bytes(),
            )
        },
        Some(&|r: &GitRepo| {
            r.write(
                "f.go",
                numbered(50)
                    .replace("line 28\n", "twenty-eight\n")
                    .as_bytes(),
            )
        }),
    );
    assert_eq!(ours.unwrap(), git.unwrap());
}

#[test]
fn conflict_fails_like_git_and_names_the_hunk() {
    let (git, ours) = check(
        |r| r.write("f.go", numbered(50).as_bytes()),
        |r| {
            r.write(
                "f.go",
                numbered(50).replace("line 30\n", "thirty\n").as_bytes(),
            )
        },
        Some(&|r: &GitRepo| {
            r.write(
                "f.go",
                numbered(50).replace("line 30\n", "THIRTY\n").as_bytes(),
            )
        }),
    );
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
