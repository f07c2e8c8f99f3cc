//! Differential test against `git apply --cached`: random files, random edits,
//! and a randomly drifted target. Both must agree on success or failure, and on
//! the resulting tree id. Lines come from a tiny alphabet so that context is
//! often ambiguous, which exercises git's placement order.

mod common;

use common::GitRepo;
use longhaul::engine::{ApplyOptions, PatchedTree, Status};
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
    repo.git(&["read-tree", onto]);
    let out = repo.git_output(&["apply", "--cached", &patch.display().to_string()]);
    out.status.success().then(|| repo.git(&["write-tree"]))
}

fn longhaul_apply(repo: &GitRepo, onto: &str, patch: &[u8]) -> Option<String> {
    let ts = longhaul::repo::open(repo.path()).unwrap();
    let local = longhaul::repo::in_memory(&ts);
    let commit = longhaul::repo::resolve_commit(&local, onto).unwrap();
    let mut tree = PatchedTree::new(&local, longhaul::repo::tree_of(&local, commit).unwrap());
    let parsed = longhaul::patch::parse(patch).expect("git's own diff parses");
    let options = ApplyOptions {
        fuzz: 0,
        three_way: false,
    };
    for c in &parsed.commits {
        if tree.apply_commit(c, options).unwrap().status == Status::Failed {
            return None;
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
}
