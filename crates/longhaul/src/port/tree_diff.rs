//! What changed between two trees, as the porter reads it: the file changes
//! (with gitoxide's rename detection), the paths a plain tree diff touches,
//! and the two trees a commit changes between. It knows no [`Context`]
//! (which memoizes [`tree_changes`] per target): both it and the diff to a
//! patch build on this.
//!
//! [`Context`]: super::Context

use crate::patch::Operation;
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::BString;
use gix::objs::tree::EntryMode;

/// One file's change between two trees (folders are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeChange {
    /// Add, delete, modify, rename or copy.
    pub operation: Operation,
    /// Path before (none for an addition).
    pub old_path: Option<BString>,
    /// Path after (none for a deletion).
    pub new_path: Option<BString>,
    /// Mode before.
    pub old_mode: Option<EntryMode>,
    /// Mode after.
    pub new_mode: Option<EntryMode>,
    /// Blob before.
    pub old_id: Option<ObjectId>,
    /// Blob after.
    pub new_id: Option<ObjectId>,
}

impl TreeChange {
    /// The path the change reads (the only path of an addition).
    pub fn source(&self) -> &BString {
        self.old_path
            .as_ref()
            .or(self.new_path.as_ref())
            .expect("a path")
    }
}

/// One side of a change: path, mode and blob.
type Side = (BString, EntryMode, ObjectId);

/// The file changes from tree `old` to tree `new`, with gitoxide's rename (and
/// no copy) detection when `renames`, reading blobs (for renames) through
/// `cache`. (Porting goes through [`super::Context::tree_changes`], which
/// remembers the answer.)
pub fn tree_changes(
    repo: &gix::Repository,
    cache: &mut gix::diff::blob::Platform,
    old: ObjectId,
    new: ObjectId,
    renames: bool,
) -> Result<Vec<TreeChange>, RepoError> {
    let old_tree = repo.find_tree(old).map_err(git_err)?;
    let new_tree = repo.find_tree(new).map_err(git_err)?;
    let options = gix::diff::Options::default().with_rewrites(renames.then(Default::default));
    let mut changes = Vec::new();
    gix::diff::tree_with_rewrites(
        gix::objs::TreeRefIter::from_bytes(&old_tree.data, old_tree.id.kind()),
        gix::objs::TreeRefIter::from_bytes(&new_tree.data, new_tree.id.kind()),
        cache,
        &mut Default::default(),
        &repo.objects,
        |change: gix::diff::tree_with_rewrites::ChangeRef<'_>| {
            changes.push(change.into_owned());
            Ok(gix::diff::tree_with_rewrites::Action::Continue(()))
        },
        options.into(),
    )
    .map_err(git_err)?;
    Ok(changes
        .into_iter()
        .map(from_gix)
        .filter_map(as_file_change)
        .collect())
}

/// gitoxide's change as a [`TreeChange`] (folders still included).
fn from_gix(change: gix::object::tree::diff::ChangeDetached) -> TreeChange {
    use gix::object::tree::diff::ChangeDetached as C;
    match change {
        C::Addition {
            location,
            entry_mode,
            id,
            ..
        } => from_sides(Operation::Add, None, Some((location, entry_mode, id))),
        C::Deletion {
            location,
            entry_mode,
            id,
            ..
        } => from_sides(Operation::Delete, Some((location, entry_mode, id)), None),
        C::Modification {
            location,
            previous_entry_mode,
            previous_id,
            entry_mode,
            id,
        } => from_sides(
            Operation::Modify,
            Some((location.clone(), previous_entry_mode, previous_id)),
            Some((location, entry_mode, id)),
        ),
        C::Rewrite {
            source_location,
            source_entry_mode,
            source_id,
            entry_mode,
            id,
            location,
            copy,
            ..
        } => from_sides(
            if copy {
                Operation::Copy
            } else {
                Operation::Rename
            },
            Some((source_location, source_entry_mode, source_id)),
            Some((location, entry_mode, id)),
        ),
    }
}

/// A change from its two sides (none for the missing side).
fn from_sides(operation: Operation, old: Option<Side>, new: Option<Side>) -> TreeChange {
    let (old_path, old_mode, old_id) = split_side(old);
    let (new_path, new_mode, new_id) = split_side(new);
    TreeChange {
        operation,
        old_path,
        new_path,
        old_mode,
        new_mode,
        old_id,
        new_id,
    }
}

fn split_side(side: Option<Side>) -> (Option<BString>, Option<EntryMode>, Option<ObjectId>) {
    match side {
        Some((path, mode, id)) => (Some(path), Some(mode), Some(id)),
        None => (None, None, None),
    }
}

/// The change as seen by files: a folder replaced by a file is the file
/// added, a file replaced by a folder the file deleted, folders alone nothing.
fn as_file_change(c: TreeChange) -> Option<TreeChange> {
    let is_tree = |m: Option<EntryMode>| m.is_some_and(|m| m.is_tree());
    match (is_tree(c.old_mode), is_tree(c.new_mode)) {
        (false, false) => Some(c),
        (true, false) if c.new_mode.is_some() => Some(TreeChange {
            operation: Operation::Add,
            old_path: None,
            old_mode: None,
            old_id: None,
            ..c
        }),
        (false, true) if c.old_mode.is_some() => Some(TreeChange {
            operation: Operation::Delete,
            new_path: None,
            new_mode: None,
            new_id: None,
            ..c
        }),
        _ => None,
    }
}

/// The paths of the files (not folders) that differ between tree `old` and
/// tree `new`: a plain tree diff, no rename detection, no blob reads.
pub fn touched_paths(
    repo: &gix::Repository,
    old: ObjectId,
    new: ObjectId,
) -> Result<Vec<BString>, RepoError> {
    use gix::diff::tree::recorder::Change;
    let old_tree = repo.find_tree(old).map_err(git_err)?;
    let new_tree = repo.find_tree(new).map_err(git_err)?;
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&old_tree.data, old_tree.id.kind()),
        gix::objs::TreeRefIter::from_bytes(&new_tree.data, new_tree.id.kind()),
        gix::diff::tree::State::default(),
        &repo.objects,
        &mut recorder,
    )
    .map_err(git_err)?;
    Ok(recorder
        .records
        .into_iter()
        .filter_map(|c| match c {
            Change::Addition {
                entry_mode, path, ..
            }
            | Change::Deletion {
                entry_mode, path, ..
            }
            | Change::Modification {
                entry_mode, path, ..
            } => (!entry_mode.is_tree()).then_some(path),
        })
        .collect())
}

/// The trees of `commit`'s parent and of `commit`.
pub fn commit_trees(
    repo: &gix::Repository,
    commit: ObjectId,
) -> Result<(ObjectId, ObjectId), RepoError> {
    let change = repo.find_commit(commit).map_err(git_err)?;
    let parent = change
        .parent_ids()
        .next()
        .ok_or_else(|| RepoError::Git(format!("commit {commit} has no parent to port from")))?
        .detach();
    Ok((
        crate::repo::tree_of(repo, parent)?,
        crate::repo::tree_of(repo, commit)?,
    ))
}
