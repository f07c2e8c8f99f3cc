//! A vendored module's folder in a tree: which files under `vendor/` are the
//! module's (not a nested module's), and the files `go mod vendor` writes for
//! a list of its packages.

use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::objs::tree::EntryKind;
use std::collections::BTreeSet;

/// A file of a tree: path from the repository root, kind, object.
pub type File = (BString, EntryKind, ObjectId);

/// The files of module `module` in `tree`, under `vendor_dir` (`vendor` or
/// `ROOT/vendor`), without those of the modules in `modules` nested in it.
pub fn module_files(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    vendor_dir: &str,
    module: &str,
    modules: &BTreeSet<String>,
) -> Result<Vec<File>, RepoError> {
    let folder = format!("{vendor_dir}/{module}");
    let Some(entry) = tree
        .lookup_entry_by_path(folder.as_str())
        .map_err(git_err)?
    else {
        return Ok(Vec::new());
    };
    if !entry.mode().is_tree() {
        return Ok(Vec::new());
    }
    let sub = repo.find_tree(entry.object_id()).map_err(git_err)?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    sub.traverse()
        .breadthfirst(&mut recorder)
        .map_err(git_err)?;
    let nested: Vec<String> = modules
        .iter()
        .filter_map(|m| {
            m.strip_prefix(&format!("{module}/"))
                .map(|r| format!("{r}/"))
        })
        .collect();
    Ok(recorder
        .records
        .into_iter()
        .filter(|e| !e.mode.is_tree())
        .filter(|e| !nested.iter().any(|n| e.filepath.starts_with(n.as_bytes())))
        .map(|e| {
            let path: BString = format!("{folder}/{}", e.filepath.to_str_lossy()).into();
            (path, e.mode.kind(), e.oid)
        })
        .collect())
}

/// Names of the files `go mod vendor` copies from a package's parent
/// folders up to the module root (`modcmd`'s `metaPrefixes`).
fn is_metadata(name: &str) -> bool {
    const PREFIXES: [&str; 9] = [
        "AUTHORS",
        "CONTRIBUTORS",
        "COPYLEFT",
        "COPYING",
        "COPYRIGHT",
        "LEGAL",
        "LICENSE",
        "NOTICE",
        "PATENTS",
    ];
    let upper = name.to_ascii_uppercase();
    PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Of `files` (a module's folder at upstream's commit, whose vendored
/// packages are `listed`), those `go mod vendor` writes for `packages`: the
/// files of each package's folder (and of folders under it that no other
/// listed package owns: embedded files), and the license-like files of the
/// folders above a package.
pub fn files_for(
    files: &[File],
    vendor_dir: &str,
    listed: &[String],
    packages: &[String],
) -> Vec<File> {
    if listed == packages {
        return files.to_vec();
    }
    let wanted: BTreeSet<&str> = packages.iter().map(String::as_str).collect();
    let prefix = format!("{vendor_dir}/");
    files
        .iter()
        .filter(|(path, _, _)| {
            let path = path.to_str_lossy();
            let rel = path.strip_prefix(&prefix).unwrap_or(&path);
            let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            let owner = listed
                .iter()
                .filter(|p| dir == p.as_str() || dir.starts_with(&format!("{p}/")))
                .max_by_key(|p| p.len());
            let above = wanted
                .iter()
                .any(|p| *p == dir || p.starts_with(&format!("{dir}/")));
            owner.is_some_and(|o| wanted.contains(o.as_str())) || (is_metadata(name) && above)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::files_for;
    use gix::ObjectId;
    use gix::objs::tree::EntryKind;

    #[test]
    fn a_package_subset_keeps_its_folders_and_the_licenses_above() {
        let f = |p: &str| {
            (
                p.into(),
                EntryKind::Blob,
                ObjectId::null(gix::hash::Kind::Sha1),
            )
        };
        let files = [
            f("vendor/m/LICENSE"),
            f("vendor/m/m.go"),
            f("vendor/m/a/a.go"),
            f("vendor/m/a/tmpl/x.tmpl"),
            f("vendor/m/b/b.go"),
            f("vendor/m/b/NOTICE"),
        ];
        let listed = ["m".to_string(), "m/a".into(), "m/b".into()];
        let kept: Vec<String> = files_for(&files, "vendor", &listed, &["m/a".into()])
            .into_iter()
            .map(|(p, _, _)| p.to_string())
            .collect();
        assert_eq!(
            kept,
            [
                "vendor/m/LICENSE",
                "vendor/m/a/a.go",
                "vendor/m/a/tmpl/x.tmpl"
            ]
        );
        assert_eq!(
            files_for(&files, "vendor", &listed, &listed).len(),
            files.len()
        );
    }
}
