//! Test helpers: real git repositories in temporary folders, driven by `git`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A throwaway git repository with a work tree.
pub struct GitRepo {
    pub dir: tempfile::TempDir,
}

impl GitRepo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = GitRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run git with a fixed identity and dates; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf8")
            .trim_end()
            .to_string()
    }

    pub fn git_output(&self, args: &[&str]) -> std::process::Output {
        Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.org")
            .env("GIT_COMMITTER_NAME", "Test Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.org")
            .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs")
    }

    pub fn write(&self, path: &str, content: &[u8]) {
        let p = self.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// The tree `git cherry-pick` records for `fix` on `onto` (`git merge-tree
    /// --write-tree --merge-base=FIX^ ONTO FIX`), or `None` on a conflict.
    pub fn cherry_pick_tree(&self, fix: &str, onto: &str) -> Option<String> {
        let out = self.git_output(&[
            "merge-tree",
            "--write-tree",
            &format!("--merge-base={fix}^"),
            onto,
            fix,
        ]);
        out.status.success().then(|| {
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_string()
        })
    }

    /// longhaul's port of commit `fix` onto commit `onto`, in memory.
    pub fn longhaul_port(&self, fix: &str, onto: &str) -> longhaul::port::Outcome {
        let ts = longhaul::repo::open(self.path()).unwrap();
        let memory = longhaul::repo::in_memory(&ts);
        let id = |hex: &str| longhaul::gix::ObjectId::from_hex(hex.as_bytes()).unwrap();
        longhaul::port::port_commit(&memory, id(fix), id(onto)).unwrap()
    }

    pub fn tree(&self, rev: &str) -> String {
        self.git(&["rev-parse", &format!("{rev}^{{tree}}")])
    }

    /// `git format-patch --stdout base..head` into `file`.
    pub fn format_patch(&self, range: &str, file: &Path) {
        let out = self.git(&["format-patch", "--stdout", "--zero-commit", range]);
        std::fs::write(file, format!("{out}\n")).unwrap();
    }

    /// Apply `patches` with `git am -3` on a detached `onto`; the resulting tree,
    /// or `None` if git refused. Restores nothing: use a fresh repo or reset after.
    pub fn git_am_tree(&self, onto: &str, patches: &[PathBuf]) -> Option<String> {
        self.git(&["checkout", "-q", "--detach", onto]);
        let mut args = vec!["am", "-q", "-3"];
        let paths: Vec<String> = patches.iter().map(|p| p.display().to_string()).collect();
        args.extend(paths.iter().map(String::as_str));
        let out = self.git_output(&args);
        let tree = out.status.success().then(|| self.tree("HEAD"));
        if !out.status.success() {
            self.git_output(&["am", "--abort"]);
        }
        self.git(&["checkout", "-q", "-f", "--detach", onto]);
        tree
    }

    /// A listing of everything under `.git` (paths, sizes, mtimes), to prove a
    /// command wrote nothing.
    pub fn git_dir_snapshot(&self) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let mut out = Vec::new();
        let mut stack = vec![self.path().join(".git")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let m = e.metadata().unwrap();
                if m.is_dir() {
                    stack.push(e.path());
                } else {
                    out.push((e.path(), m.len(), m.modified().unwrap()));
                }
            }
        }
        out.sort();
        out
    }
}

/// Apply patch files with longhaul's engine onto `onto`; the tree id or the failures.
pub fn longhaul_tree(
    repo: &Path,
    onto: &str,
    patches: &[PathBuf],
) -> Result<String, Vec<longhaul::apply::tree::Failure>> {
    use longhaul::apply::tree::{ApplyOptions, PatchedTree, Status};
    let ts = longhaul::repo::open(repo).unwrap();
    let local = longhaul::repo::in_memory(&ts);
    let commit = longhaul::repo::resolve_commit(&local, onto).unwrap();
    let mut tree = PatchedTree::new(&local, longhaul::repo::tree_of(&local, commit).unwrap());
    for p in patches {
        let parsed = longhaul::patch::parse(&std::fs::read(p).unwrap()).unwrap();
        for c in &parsed.commits {
            let o = tree.apply_commit(c, ApplyOptions::default()).unwrap();
            if o.status == Status::Failed {
                return Err(o.failures);
            }
        }
    }
    Ok(tree.write_tree().unwrap().to_string())
}

#[path = "real_data.rs"]
mod real_data_impl;
#[allow(unused_imports)] // not every test binary uses it
pub use real_data_impl::{real_data, tool, tool_missing};
