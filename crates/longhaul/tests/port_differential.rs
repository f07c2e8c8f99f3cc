//! Differential test of porting against `git cherry-pick` (what `git merge-tree`
//! records): random trees on both sides, random line edits of one file.

mod common;
#[path = "../../longhaul-patch/tests/common/shape.rs"]
mod shape;

use common::GitRepo;
use proptest::collection::vec;
use proptest::prelude::*;
use shape::{Shape, edit, render, reshape, write_shape};

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
        write_shape(repo.path(), &shape);
        repo.write("f.txt", &render(&text, true));
        repo.commit_all("base");
        repo.git(&["tag", "base"]);
        write_shape(repo.path(), &reshape(shape.clone(), &upstream));
        repo.write("f.txt", &render(&edit(text.clone(), &up_edits), true));
        let fix = repo.commit_all("fix");
        prop_assume!(repo.tree("base") != repo.tree(&fix));
        repo.git(&["checkout", "-q", "-b", "old", "base"]);
        write_shape(repo.path(), &reshape(shape.clone(), &old_line));
        repo.write("f.txt", &render(&edit(text.clone(), &line_edits), true));
        let onto = repo.commit_all("old line");

        let git = repo.cherry_pick_tree(&fix, &onto);
        let ours = repo.longhaul_port(&fix, &onto);
        if let (Some(tree), Some(git)) = (ours.tree, git) {
            prop_assert_eq!(tree.to_string(), git, "longhaul {:?} ({:?})", ours.status, ours.rung);
        }
    }
}
