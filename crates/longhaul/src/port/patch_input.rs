//! A patch file as a change to port: each of its commits turned into a pair of
//! trees (its pre-image files, from the `index` lines' blobs, and the same with
//! the commit applied), so that the ladder's merge has the true merge base, as
//! for a commit of the repository.

use crate::apply::tree::{ApplyOptions, PatchedTree, Status as Applied};
use crate::patch::{Commit, FileMode, Operation};
use crate::repo::{RepoError, expand_prefix, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;

/// Why a patch commit cannot be turned into trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoBase {
    /// The file.
    pub file: String,
    /// What is missing.
    pub reason: String,
}

/// The trees of `commit`'s pre-image (only the files it reads) and post-image,
/// or why there is none: a file without an `index` line, a pre-image blob the
/// repository does not have, or a patch that does not apply to its own
/// pre-image.
pub fn change_trees(
    repo: &gix::Repository,
    commit: &Commit,
) -> Result<Result<(ObjectId, ObjectId), NoBase>, RepoError> {
    let mut editor = repo
        .edit_tree(ObjectId::empty_tree(repo.object_hash()))
        .map_err(git_err)?;
    for f in &commit.files {
        if f.operation == Operation::Add {
            continue;
        }
        let path = f.source_path();
        let file = crate::patch::path::display(path);
        let Some(hex) = &f.old_blob else {
            return Ok(Err(NoBase {
                file,
                reason: "no `index` line: the pre-image is unknown".into(),
            }));
        };
        let Some(id) = expand_prefix(repo, hex) else {
            return Ok(Err(NoBase {
                file,
                reason: format!("the repository has no blob {hex} (the `index` line's pre-image)"),
            }));
        };
        let kind = match f.old_mode {
            Some(FileMode::Executable) => gix::objs::tree::EntryKind::BlobExecutable,
            Some(FileMode::Symlink) => gix::objs::tree::EntryKind::Link,
            _ => gix::objs::tree::EntryKind::Blob,
        };
        editor.upsert(path.as_bstr(), kind, id).map_err(git_err)?;
    }
    let base = editor.write().map_err(git_err)?.detach();
    let mut tree = PatchedTree::new(repo, base);
    let outcome = tree.apply_commit(
        commit,
        ApplyOptions {
            fuzz: 0,
            three_way: false,
        },
    )?;
    if outcome.status != Applied::Clean {
        return Ok(Err(NoBase {
            file: outcome.files.join(", "),
            reason: "the patch does not apply exactly to its own `index` pre-images".into(),
        }));
    }
    Ok(Ok((base, tree.write_tree()?)))
}
