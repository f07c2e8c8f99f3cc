//! Writing a git tree (from the in-memory store) into a fresh folder, so that
//! tools can run on a release without a checkout of the upstream repository.

use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use std::path::Path;

/// Write every file of `tree` under `dir` (which must be empty or absent):
/// blobs with their executable bit, symlinks as symlinks, submodules as empty
/// folders. Returns the number of files written.
pub fn write_tree(repo: &gix::Repository, tree: ObjectId, dir: &Path) -> Result<usize, RepoError> {
    let io = |e: std::io::Error, path: &Path| {
        RepoError::Git(format!("cannot write {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let tree = repo.find_tree(tree).map_err(git_err)?;
    let mut written = 0;
    for entry in tree.iter() {
        let entry = entry.map_err(git_err)?;
        let name = entry.filename().to_str().map_err(|_| {
            RepoError::Git(format!(
                "a path in the tree is not UTF-8: {:?}",
                entry.filename()
            ))
        })?;
        // Names are checked as git fsck checks them when patches are parsed;
        // the tree itself may come from anywhere, so check again here.
        if name.is_empty() || name == "." || name == ".." || name.contains('/') || name == ".git" {
            return Err(RepoError::Git(format!(
                "refusing to write the tree entry {name:?}"
            )));
        }
        let path = dir.join(name);
        let mode = entry.mode();
        if mode.is_tree() {
            written += write_tree(repo, entry.object_id(), &path)?;
        } else if mode.is_link() {
            let target = repo.find_object(entry.object_id()).map_err(git_err)?;
            let target = target.data.to_str_lossy().into_owned();
            std::os::unix::fs::symlink(&target, &path).map_err(|e| io(e, &path))?;
            written += 1;
        } else if mode.is_commit() {
            std::fs::create_dir_all(&path).map_err(|e| io(e, &path))?;
        } else {
            let blob = repo.find_object(entry.object_id()).map_err(git_err)?;
            std::fs::write(&path, &blob.data).map_err(|e| io(e, &path))?;
            if mode.is_executable() {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| io(e, &path))?;
            }
            written += 1;
        }
    }
    Ok(written)
}
