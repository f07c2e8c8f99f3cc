//! Random trees for the differential tests: files, executables and symlinks on
//! paths that can stand for a file or a folder of each other, and random line edits.
//! Shared by longhaul-patch's tests (against `git apply`) and longhaul's (against
//! cherry-pick).
#![allow(dead_code)]

use std::path::Path;

pub fn render(lines: &[u8], final_newline: bool) -> Vec<u8> {
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
pub fn edit(mut lines: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
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

/// Paths that can stand for a file or a folder of each other: every pair of
/// trees built from them can hold a file/directory or symlink conflict.
pub const SHAPE_PATHS: &[&str] = &["a", "a/b", "a/b/c", "a/c", "b", "b/a", "l", "l/x", "l/y/z"];

/// A tree entry for the shape test: (kind, version). Kind 0: file, 1: executable
/// file, 2: symlink.
pub type Shape = std::collections::BTreeMap<&'static str, (u8, u8)>;

/// Apply `(path, op, value)` operations to a tree, keeping it a valid git tree:
/// op 0 deletes the path (a folder with everything in it), op 1 puts a file or
/// symlink there (replacing a folder or a file in the way, as a user would).
pub fn reshape(mut tree: Shape, ops: &[(usize, u8, u8)]) -> Shape {
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

/// Replace the work tree's content with `tree` (files hold their path three
/// times, so that no two are similar enough for git to pair them as a rename).
pub fn write_shape(dir: &Path, tree: &Shape) {
    for entry in std::fs::read_dir(dir).unwrap() {
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
        let full = dir.join(path);
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
