//! Differential test against `git apply --cached`: random files, random edits,
//! and a randomly drifted target. Both must agree on success or failure, and on
//! the resulting tree id. Lines come from a tiny alphabet so that context is
//! often ambiguous, which exercises git's placement order.

mod common;

use common::GitRepo;
use longhaul::apply::tree::{ApplyOptions, PatchedTree, Status};
use proptest::collection::vec;
use proptest::prelude::*;

fn render(lines: &[u8], final_newline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(format!("{}\n", (b'a' + l) as char).as_bytes());
    }
    if !final_newline && !out.is_empty() {
        out.pop();
    }
    out
}

/// op 0: delete, 1: insert, 2: replace.
fn edit(mut lines: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, op, value) in edits {
        let at = if lines.is_empty() {
            0
        } else {
            at % (lines.len() + 1)
        };
        match op {
            0 if at < lines.len() => {
                lines.remove(at);
            }
            2 if at < lines.len() => lines[at] = value,
            _ => lines.insert(at, value),
        }
    }
    lines
}

fn git_apply_cached(repo: &GitRepo, onto: &str, patch: &std::path::Path) -> Option<String> {
    git_apply_series(repo, onto, &[patch.to_path_buf()])
}

fn longhaul_apply(repo: &GitRepo, onto: &str, patch: &[u8]) -> Option<String> {
    longhaul_apply_series(repo, onto, &[patch.to_vec()])
}

/// Paths that can stand for a file or a folder of each other: every pair of
/// trees built from them can hold a file/directory or symlink conflict.
const SHAPE_PATHS: &[&str] = &["a", "a/b", "a/b/c", "a/c", "b", "b/a", "l", "l/x", "l/y/z"];

/// A tree entry for the shape test: (kind, version). Kind 0: file, 1: executable
/// file, 2: symlink.
type Shape = std::collections::BTreeMap<&'static str, (u8, u8)>;

/// Apply `(path, op, value)` operations to a tree, keeping it a valid git tree:
/// op 0 deletes the path (a folder with everything in it), op 1 puts a file or
/// symlink there (replacing a folder or a file in the way, as a user would).
fn reshape(mut tree: Shape, ops: &[(usize, u8, u8)]) -> Shape {
    for &(i, op, value) in ops {
        let path = SHAPE_PATHS[i % SHAPE_PATHS.len()];
        let under = |p: &str| p.starts_with(&format!("{path}/"));
        let above = |p: &str| path.starts_with(&format!("{p}/"));
        tree.retain(|p, _| *p != path && !under(p) && (op == 0 || !above(p)));
        if op != 0 {
            tree.insert(path, (value % 3, value / 3));
        }
    }
    tree
}

/// Replace the work tree's content with `tree` and commit it under `tag`.
fn commit_shape(repo: &GitRepo, tree: &Shape, tag: &str) {
    write_shape(repo, tree);
    repo.commit_all(tag);
    repo.git(&["tag", tag]);
}

/// Replace the work tree's content with `tree` (files hold their path three
/// times, so that no two are similar enough for git to pair them as a rename).
fn write_shape(repo: &GitRepo, tree: &Shape) {
    for entry in std::fs::read_dir(repo.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != ".git" {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                std::fs::remove_dir_all(path).unwrap();
            } else {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
    for (path, (kind, version)) in tree {
        let full = repo.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        if *kind == 2 {
            let target = ["a", "b/a", "l", "../a"][usize::from(*version) % 4];
            std::os::unix::fs::symlink(target, &full).unwrap();
        } else {
            std::fs::write(
                &full,
                format!("{path}\n{path}\n{path}\nversion {version}\n"),
            )
            .unwrap();
            if *kind == 1 {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
    }
}

/// `git apply --cached` of each non-empty patch in turn onto `onto`.
fn git_apply_series(repo: &GitRepo, onto: &str, patches: &[std::path::PathBuf]) -> Option<String> {
    repo.git(&["read-tree", onto]);
    for p in patches {
        let out = repo.git_output(&["apply", "--cached", &p.display().to_string()]);
        if !out.status.success() {
            return None;
        }
    }
    Some(repo.git(&["write-tree"]))
}

fn longhaul_apply_series(repo: &GitRepo, onto: &str, patches: &[Vec<u8>]) -> Option<String> {
    let ts = longhaul::repo::open(repo.path()).unwrap();
    let local = longhaul::repo::in_memory(&ts);
    let commit = longhaul::repo::resolve_commit(&local, onto).unwrap();
    let mut tree = PatchedTree::new(&local, longhaul::repo::tree_of(&local, commit).unwrap());
    let options = ApplyOptions {
        fuzz: 0,
        three_way: false,
    };
    for patch in patches {
        let parsed = longhaul::patch::parse(patch).expect("git's own diff parses");
        for c in &parsed.commits {
            if tree.apply_commit(c, options).unwrap().status == Status::Failed {
                return None;
            }
        }
    }
    Some(tree.write_tree().unwrap().to_string())
}

proptest! {
    // 40 cases in the test suite; set PROPTEST_CASES for a longer campaign.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn agrees_with_git_apply(
        base in vec(0u8..5, 0..30),
        edits in vec((0usize..40, 0u8..3, 0u8..5), 1..5),
        drift in vec((0usize..40, 0u8..3, 0u8..5), 0..4),
        base_eol in any::<bool>(),
        after_eol in any::<bool>(),
        context in 0usize..4,
    ) {
        let after = edit(base.clone(), &edits);
        let (old, new) = (render(&base, base_eol), render(&after, after_eol));
        prop_assume!(old != new);
        let repo = GitRepo::new();
        repo.write("f.txt", &old);
        repo.write("other.txt", b"unrelated\n");
        repo.commit_all("base");
        repo.git(&["tag", "base"]);
        repo.write("f.txt", &new);
        repo.commit_all("after");
        let unified = format!("-U{}", context.max(1));
        let patch = repo.git(&["diff", &unified, "base", "HEAD"]) + "\n";
        let patch_path = repo.path().join(".git/p.diff");
        std::fs::write(&patch_path, &patch).unwrap();

        repo.git(&["checkout", "-q", "-b", "drifted", "base"]);
        repo.write("f.txt", &render(&edit(base.clone(), &drift), base_eol));
        repo.commit_all("drifted");

        for onto in ["base", "drifted"] {
            let git = git_apply_cached(&repo, onto, &patch_path);
            let ours = longhaul_apply(&repo, onto, patch.as_bytes());
            prop_assert_eq!(&ours, &git, "onto {} with patch:\n{}", onto, patch);
        }
    }


    /// Two patches in a row (so that the second sees what the first created)
    /// that turn files into folders, folders into files and files into symlinks,
    /// applied to their own base and to a differently shaped tree: longhaul must
    /// refuse exactly what git refuses, and build the same tree otherwise.
    #[test]
    fn agrees_with_git_apply_on_files_folders_and_symlinks(
        base in vec((0usize..9, 1u8..2, 0u8..9), 0..7),
        first in vec((0usize..9, 0u8..2, 0u8..9), 1..4),
        second in vec((0usize..9, 0u8..2, 0u8..9), 0..4),
        drift in vec((0usize..9, 0u8..2, 0u8..9), 1..4),
    ) {
        let t0 = reshape(Shape::new(), &base);
        let t1 = reshape(t0.clone(), &first);
        let t2 = reshape(t1.clone(), &second);
        let drifted = reshape(t0.clone(), &drift);
        let repo = GitRepo::new();
        for (tree, tag) in [(&t0, "t0"), (&t1, "t1"), (&t2, "t2"), (&drifted, "drifted")] {
            commit_shape(&repo, tree, tag);
        }
        let mut files = Vec::new();
        let mut texts = Vec::new();
        for (i, (from, to)) in [("t0", "t1"), ("t1", "t2")].into_iter().enumerate() {
            let diff = repo.git(&["diff", "--full-index", from, to]);
            if diff.is_empty() {
                continue;
            }
            let path = repo.path().join(format!(".git/p{i}.diff"));
            std::fs::write(&path, format!("{diff}\n")).unwrap();
            files.push(path);
            texts.push(format!("{diff}\n").into_bytes());
        }
        prop_assume!(!files.is_empty());
        for onto in ["t0", "drifted"] {
            let git = git_apply_series(&repo, onto, &files);
            let ours = longhaul_apply_series(&repo, onto, &texts);
            prop_assert_eq!(
                &ours, &git,
                "onto {} ({:?}) with patches:\n{}", onto,
                if onto == "t0" { &t0 } else { &drifted },
                texts.iter().map(|t| String::from_utf8_lossy(t)).collect::<Vec<_>>().join("\n")
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Porting (issue 8): an upstream commit and an old line that both reshape
    /// files, folders, symlinks and modes and edit one file's lines. Whenever
    /// both longhaul and `git merge-tree` (what cherry-pick records) give a
    /// tree, it is the same tree: the merge restricted to the paths the change
    /// touches, grafted into the target, is git's merge. (Where git conflicts,
    /// longhaul may still merge: gitoxide's histogram diff can align ambiguous
    /// lines differently, away from the other side's change; the guard judges
    /// those results.)
    #[test]
    fn port_agrees_with_cherry_pick(
        base in vec((0usize..9, 1u8..2, 0u8..9), 0..7),
        upstream in vec((0usize..9, 0u8..2, 0u8..9), 0..3),
        old_line in vec((0usize..9, 0u8..2, 0u8..9), 0..3),
        text in vec(0u8..5, 0..20),
        up_edits in vec((0usize..40, 0u8..3, 0u8..5), 0..4),
        line_edits in vec((0usize..40, 0u8..3, 0u8..5), 0..4),
    ) {
        let shape: Shape = reshape(Shape::new(), &base);
        let repo = GitRepo::new();
        write_shape(&repo, &shape);
        repo.write("f.txt", &render(&text, true));
        repo.commit_all("base");
        repo.git(&["tag", "base"]);
        write_shape(&repo, &reshape(shape.clone(), &upstream));
        repo.write("f.txt", &render(&edit(text.clone(), &up_edits), true));
        let fix = repo.commit_all("fix");
        prop_assume!(repo.tree("base") != repo.tree(&fix));
        repo.git(&["checkout", "-q", "-b", "old", "base"]);
        write_shape(&repo, &reshape(shape.clone(), &old_line));
        repo.write("f.txt", &render(&edit(text.clone(), &line_edits), true));
        let onto = repo.commit_all("old line");

        let git = repo.cherry_pick_tree(&fix, &onto);
        let ours = repo.longhaul_port(&fix, &onto);
        if let (Some(tree), Some(git)) = (ours.tree, git) {
            prop_assert_eq!(tree.to_string(), git, "longhaul {:?} ({:?})", ours.status, ours.rung);
        }
    }
}
