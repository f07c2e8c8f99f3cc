//! Differential test against `git apply --cached`: random files, random edits,
//! and a randomly drifted target. Both must agree on success or failure, and on
//! the resulting tree id. Lines come from a tiny alphabet so that context is
//! often ambiguous, which exercises git's placement order.

mod common;

use common::GitRepo;
use common::shape::{Shape, edit, render, reshape, write_shape};
use longhaul_patch::apply::tree::{ApplyOptions, PatchedTree, Status};
use proptest::collection::vec;
use proptest::prelude::*;

fn git_apply_cached(repo: &GitRepo, onto: &str, patch: &std::path::Path) -> Option<String> {
    git_apply_series(repo, onto, &[patch.to_path_buf()])
}

fn longhaul_apply(repo: &GitRepo, onto: &str, patch: &[u8]) -> Option<String> {
    longhaul_apply_series(repo, onto, &[patch.to_vec()])
}

/// Replace the work tree's content with `tree` and commit it under `tag`.
fn commit_shape(repo: &GitRepo, tree: &Shape, tag: &str) {
    write_shape(repo.path(), tree);
    repo.commit_all(tag);
    repo.git(&["tag", tag]);
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
    let ts = longhaul_patch::repo::open(repo.path()).unwrap();
    let local = longhaul_patch::repo::in_memory(&ts);
    let commit = longhaul_patch::repo::resolve_commit(&local, onto).unwrap();
    let mut tree = PatchedTree::new(
        &local,
        longhaul_patch::repo::tree_of(&local, commit).unwrap(),
    );
    let options = ApplyOptions {
        fuzz: 0,
        three_way: false,
    };
    for patch in patches {
        let parsed = longhaul_patch::patch::parse(patch).expect("git's own diff parses");
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
