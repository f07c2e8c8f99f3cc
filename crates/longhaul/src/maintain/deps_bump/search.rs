//! Where upstream moved a module: the first commit of upstream's history
//! whose tree vendors (or requires) the module at a version or later, where
//! its first parent's tree had it older. A root commit moved nothing: with a
//! one-commit history there is no such commit, and none is guessed.

use crate::deps::ships::Shipped;
use crate::deps::version::Version;
use crate::repo::git_err;
use gix::ObjectId;

/// The module lists whose change can move a module's version.
const MODULE_FILES: [&str; 2] = ["vendor/modules.txt", "go.mod"];

/// The version of `module` that `tree` builds: `vendor/modules.txt`'s, else
/// `go.mod`'s requirement (`None` when the tree names no such module, or
/// names it without a version).
pub fn module_version(
    repo: &gix::Repository,
    tree: ObjectId,
    module: &str,
    name: &str,
) -> crate::Result<Option<Version>> {
    let shipped = Shipped::read(repo, tree, name)?;
    Ok(shipped.module(module).and_then(|m| m.version.clone()))
}

/// What the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The commit that moved the module.
    pub commit: ObjectId,
    /// The version it moved to.
    pub version: Version,
    /// How many commits were searched.
    pub searched: usize,
}

/// The first commit (oldest by committer time, then by id) reachable from
/// upstream's branches and tags that moves `module` from below `at_least`
/// to `at_least` or later; `Err(searched)` with the number of commits
/// searched when there is none.
pub fn first_moving_commit(
    repo: &gix::Repository,
    module: &str,
    at_least: &Version,
) -> crate::Result<Result<Found, usize>> {
    let tips = crate::repo::commit_tips(repo, &["refs/heads/", "refs/tags/"])?;
    let walk = repo.rev_walk(tips).all().map_err(git_err)?;
    let mut best: Option<(i64, ObjectId, Version)> = None;
    let mut searched = 0;
    for info in walk {
        let info = info.map_err(git_err)?;
        searched += 1;
        let Some(parent) = info.parent_ids.first().copied() else {
            continue;
        };
        let commit = repo.find_commit(info.id).map_err(git_err)?;
        let time = commit.time().map_err(git_err)?.seconds;
        if best
            .as_ref()
            .is_some_and(|(t, id, _)| (*t, *id) < (time, info.id))
        {
            continue;
        }
        let tree = crate::repo::tree_of(repo, info.id)?;
        let parent_tree = crate::repo::tree_of(repo, parent)?;
        if !module_files_differ(repo, tree, parent_tree)? {
            continue;
        }
        // A commit whose module lists do not read is not one that moved it.
        let Ok(Some(new)) = module_version(repo, tree, module, "upstream") else {
            continue;
        };
        let old = module_version(repo, parent_tree, module, "upstream")
            .ok()
            .flatten();
        if &new >= at_least && old.is_some_and(|old| &old < at_least) {
            best = Some((time, info.id, new));
        }
    }
    Ok(match best {
        Some((_, commit, version)) => Ok(Found {
            commit,
            version,
            searched,
        }),
        None => Err(searched),
    })
}

/// Whether the module lists of two trees differ (by blob id).
fn module_files_differ(repo: &gix::Repository, a: ObjectId, b: ObjectId) -> crate::Result<bool> {
    use gix::bstr::ByteSlice;
    let (a, b) = (
        repo.find_tree(a).map_err(git_err)?,
        repo.find_tree(b).map_err(git_err)?,
    );
    for file in MODULE_FILES {
        let id = |t: &gix::Tree<'_>| -> crate::Result<Option<ObjectId>> {
            Ok(t.lookup_entry(file.as_bytes().split_str("/"))
                .map_err(git_err)?
                .map(|e| e.object_id()))
        };
        if id(&a)? != id(&b)? {
            return Ok(true);
        }
    }
    Ok(false)
}
