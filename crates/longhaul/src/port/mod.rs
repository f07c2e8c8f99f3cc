//! Porting an upstream change onto another commit (an old release line), and
//! the guard against silent wrong backports.
//!
//! The porting ladder (issue 8 and its rounds), in this order ([`ladder`]):
//! - the clean port, when every file the change touches is the same on the
//!   target as in the change's parent;
//! - the three-way merge with the true merge base, as `git cherry-pick` does with
//!   merge-ort (base = the commit's parent, ours = the target, theirs = the
//!   commit; histogram diff, rename detection);
//! - the module rung ([`modules`]): `go.mod`, `go.sum`, `vendor/modules.txt`
//!   and vendored folders as module operations;
//! - rung 3 ([`resolve`]): conflict regions where the target differs from the
//!   base only in white space take upstream's side;
//! - the commit's own diff applied by the engine, accepted only where every
//!   hunk lands exactly where it says (at an offset, the place is a guess: a
//!   conflict);
//! - for a commit of the repository, when asked for: a maintainer's earlier
//!   port of it onto another line that makes the same change ([`precedent`]).
//!
//! (Merge first: on helm's 717 real backports, `git apply` gives fewer exact
//! results and more silent divergences than the merge; see bench/backport-lineage.sh.)
//!
//! Every merge result passes the [`guard`] before it counts as a success: the
//! port's own diff against the target must add exactly the lines the upstream
//! change adds and remove exactly the lines it removes, file by file, and change
//! nothing else. Anything else is a `conflict` with the reason.

pub mod backport;
pub mod context;
pub mod diff;
pub mod format_patch;
pub mod guard;
mod ladder;
mod merge;
pub mod modules;
pub mod moved;
mod outcome;
pub mod patch_input;
pub mod precedent;
pub mod resolve;
pub mod symbols;
pub mod text_merge;
pub mod tree_diff;
mod xdiff;

pub use context::Context;
pub use outcome::{Conflict, Difficulty, Outcome, Rung, Status};

use crate::repo::{RepoError, git_err};
use gix::ObjectId;

/// Port `commit` (a non-root commit of `repo`) onto the commit `onto`. New
/// blobs and trees go to `repo`'s object database: pass a handle from
/// [`crate::repo::in_memory`] to keep the repository untouched.
pub fn port_commit(
    repo: &gix::Repository,
    commit: ObjectId,
    onto: ObjectId,
) -> Result<Outcome, RepoError> {
    port_commit_with(repo, commit, onto, None)
}

/// [`port_commit`], and where the ladder conflicts, through a precedent
/// searched for as `precedents` says (`None`: none is searched for).
pub fn port_commit_with(
    repo: &gix::Repository,
    commit: ObjectId,
    onto: ObjectId,
    precedents: Option<precedent::Precedents>,
) -> Result<Outcome, RepoError> {
    let mut ctx = Context::for_commit(repo, crate::repo::tree_of(repo, onto)?, commit)?;
    if let Some(precedents) = precedents {
        ctx = ctx.with_precedents(precedents);
    }
    port_commit_in(&ctx, commit, onto)
}

/// [`port_commit`] with a prepared [`Context`] (its attributes read from the
/// target tree). When the ladder leaves a conflict and the context asks for
/// precedents, a maintainer's earlier port of the commit that makes the same
/// change is ported instead (see [`precedent`]).
pub fn port_commit_in(
    ctx: &Context<'_>,
    commit: ObjectId,
    onto: ObjectId,
) -> Result<Outcome, RepoError> {
    let (base, theirs) = tree_diff::commit_trees(ctx.repo, commit)?;
    let outcome = port_trees(ctx, base, theirs, onto)?;
    match ctx.precedents() {
        Some(precedents) if outcome.status == Status::Conflict => {
            Ok(precedent::port(ctx, precedents, commit, (base, theirs), onto)?.unwrap_or(outcome))
        }
        _ => Ok(outcome),
    }
}

/// Whether `path` is test code or test data: a `_test.go` file, or anything
/// under a `testdata/` folder.
pub fn is_test_path(path: &str) -> bool {
    path.ends_with("_test.go") || path.starts_with("testdata/") || path.contains("/testdata/")
}

/// [`port_commit_in`], and when only test files conflict, the port without
/// them (the WG LTS rule: include the tests if they pick back cleanly, drop
/// them if not). Non-test code is never dropped; the dropped files are listed
/// in [`Outcome::dropped_tests`].
pub fn port_commit_dropping_tests(
    ctx: &Context<'_>,
    commit: ObjectId,
    onto: ObjectId,
) -> Result<Outcome, RepoError> {
    let first = port_commit_in(ctx, commit, onto)?;
    let files: Vec<&str> = first
        .conflicts
        .iter()
        .flat_map(|c| c.file.split(", "))
        .collect();
    if first.status != Status::Conflict
        || files.is_empty()
        || !files.iter().all(|f| is_test_path(f))
    {
        return Ok(first);
    }
    let mut dropped: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    dropped.sort();
    dropped.dedup();
    let repo = ctx.repo;
    let (base, theirs) = tree_diff::commit_trees(repo, commit)?;
    // The change without those files: they keep their parent's version.
    let base_tree = repo.find_tree(base).map_err(git_err)?;
    let mut editor = repo.edit_tree(theirs).map_err(git_err)?;
    for f in &dropped {
        match base_tree
            .lookup_entry_by_path(f.as_str())
            .map_err(git_err)?
        {
            Some(e) => {
                editor
                    .upsert(f.as_str(), e.mode().kind(), e.object_id())
                    .map_err(git_err)?;
            }
            None => {
                editor.remove(f.as_str()).map_err(git_err)?;
            }
        }
    }
    let reduced = editor.write().map_err(git_err)?.detach();
    let mut second = port_trees(ctx, base, reduced, onto)?;
    if second.status == Status::Conflict {
        return Ok(first);
    }
    second.difficulty = Difficulty::Adapted;
    second.dropped_tests = dropped;
    Ok(second)
}

/// Port the change from tree `base` to tree `theirs` onto the commit `onto`
/// (for a change that is not a commit of the repository: a patch file's, see
/// [`patch_input`]). The rungs are in [`ladder`].
pub fn port_trees(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    onto: ObjectId,
) -> Result<Outcome, RepoError> {
    ladder::port(ctx, base, theirs, onto)
}
