//! The porting ladder, rung by rung: the three-way merge (with the renames
//! of both sides), the module rung, rung 3 (whitespace-only target sides),
//! and the commit's own diff applied where it says. Every result passes the
//! [`guard`](super::guard) (the module rung's module files are checked as
//! modules instead).

use super::context::Context;
use super::outcome::{Conflict, Difficulty, Outcome, Rung, Status};
use super::{diff, guard, merge, modules, moved, resolve, tree_diff};
use crate::apply::tree::Status as Applied;
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;

/// What the rungs that failed left: the reasons, and the merge's marked tree.
#[derive(Default)]
struct Failure {
    refused: Vec<Conflict>,
    marked: Option<ObjectId>,
    modules: Vec<Conflict>,
}

/// Port the change from `base` to `theirs` onto the commit `onto`.
pub(super) fn port(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    onto: ObjectId,
) -> Result<Outcome, RepoError> {
    let repo = ctx.repo;
    let ours = crate::repo::tree_of(repo, onto)?;
    // Files the old line moved are merged at their new paths, as merge-ort
    // does: the parent and the change see them moved there first. (Only the
    // files the change touches are searched for: see `moved`.)
    if let Some(outcome) = clean_rung(ctx, base, theirs, ours)? {
        return Ok(outcome);
    }
    let moved = moved::moved_once(ctx, base, theirs, ours)?;
    let deleted = deleted_moved(repo, theirs, &moved)?;
    if !deleted.is_empty() {
        return Ok(Outcome::conflict(Rung::Merge, deleted, None));
    }
    let (base_at, theirs_at) = if moved.is_empty() {
        (base, theirs)
    } else {
        (
            moved::move_paths(repo, base, &moved)?,
            moved::move_paths(repo, theirs, &moved)?,
        )
    };
    let mut failure = match merge_rung(ctx, [base, theirs, ours], base_at, theirs_at, &moved)? {
        Ok(outcome) => return Ok(outcome),
        Err(failure) => failure,
    };
    if let Some(outcome) = module_rung(ctx, base, theirs, onto, &mut failure)? {
        return Ok(outcome);
    }
    if let Some(outcome) = whitespace_rung(ctx, [base, theirs, ours], &failure)? {
        return Ok(outcome);
    }
    apply_rung(ctx, [base, theirs, ours], base_at, theirs_at, failure)
}

/// The clean port: every file the change touches is the same on the target
/// as in the change's parent, so git's merge has nothing to merge and the
/// result is the target with the change's files; the guard's static check
/// judges it. `None` when the inputs differ (or the check refuses: the
/// ladder then says why).
fn clean_rung(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
) -> Result<Option<Outcome>, RepoError> {
    let repo = ctx.repo;
    let [b, t, o] = [base, theirs, ours].map(|id| repo.find_tree(id).map_err(git_err));
    let (b, t, o) = (b?, t?, o?);
    let entry = |tree: &gix::Tree<'_>,
                 p: &[u8]|
     -> Result<Option<(gix::objs::tree::EntryMode, ObjectId)>, RepoError> {
        Ok(tree
            .lookup_entry(p.split_str("/"))
            .map_err(git_err)?
            .map(|e| (e.mode(), e.object_id())))
    };
    let mut editor = repo.edit_tree(ours).map_err(git_err)?;
    for p in tree_diff::touched_paths(repo, base, theirs)? {
        if entry(&b, &p)? != entry(&o, &p)? {
            return Ok(None);
        }
        // A file of the target where the change needs a folder.
        for i in p.find_iter("/") {
            if entry(&o, &p[..i])?.is_some_and(|(mode, _)| !mode.is_tree()) {
                return Ok(None);
            }
        }
        match entry(&t, &p)? {
            Some((mode, id)) => editor
                .upsert(p.as_bstr(), mode.kind(), id)
                .map_err(git_err)?,
            None => editor.remove(p.as_bstr()).map_err(git_err)?,
        };
    }
    let result = editor.write().map_err(git_err)?.detach();
    if !guard::check_clean(ctx, base, theirs, ours, result)?.is_empty() {
        return Ok(None);
    }
    Ok(Some(Outcome::ported(
        Status::Clean,
        Rung::Merge,
        Difficulty::Trivial,
        result,
    )))
}

/// git's rename/delete conflict: the change deletes a file the old line moved.
fn deleted_moved(
    repo: &gix::Repository,
    theirs: ObjectId,
    moved: &super::context::Moved,
) -> Result<Vec<Conflict>, RepoError> {
    let theirs_tree = repo.find_tree(theirs).map_err(git_err)?;
    let mut out = Vec::new();
    for (from, to) in moved.iter() {
        if theirs_tree
            .lookup_entry(from.split_str("/"))
            .map_err(git_err)?
            .is_none()
        {
            out.push(Conflict {
                file: from.to_str_lossy().into_owned(),
                reason: format!("merge conflict (rename/delete): the upstream change deletes it; the target moved it to {to}"),
            });
        }
    }
    Ok(out)
}

/// The three-way merge, with files upstream renames that the target changed
/// merged at their new names; the guard judges a clean result.
fn merge_rung(
    ctx: &Context<'_>,
    [base, theirs, ours]: [ObjectId; 3],
    base_at: ObjectId,
    theirs_at: ObjectId,
    moved: &super::context::Moved,
) -> Result<Result<Outcome, Failure>, RepoError> {
    let repo = ctx.repo;
    let renamed = moved::renamed_upstream(ctx, base, theirs, ours, moved)?;
    let (merge_base, merge_ours) = if renamed.is_empty() {
        (base_at, ours)
    } else {
        (
            moved::move_paths(repo, base_at, &renamed)?,
            moved::move_paths(repo, ours, &renamed)?,
        )
    };
    Ok(
        match merge::merge(ctx, merge_base, merge_ours, theirs_at)? {
            Err((refused, tree)) => Err(Failure {
                refused,
                marked: Some(tree),
                ..Failure::default()
            }),
            Ok(tree) => {
                let verdict = guard::check(ctx, base, theirs, ours, tree)?;
                if verdict.refusals.is_empty() {
                    let (status, difficulty) = if verdict.identical_inputs {
                        (Status::Clean, Difficulty::Trivial)
                    } else {
                        (Status::Merged, Difficulty::Adapted)
                    };
                    Ok(Outcome::ported(status, Rung::Merge, difficulty, tree))
                } else {
                    Err(Failure {
                        refused: verdict.refusals,
                        ..Failure::default()
                    })
                }
            }
        },
    )
}

/// The module rung, when the merge failed on a module file.
fn module_rung(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    onto: ObjectId,
    failure: &mut Failure,
) -> Result<Option<Outcome>, RepoError> {
    if !failure
        .refused
        .iter()
        .any(|c| modules::is_module_file(&c.file))
    {
        return Ok(None);
    }
    Ok(match modules::port(ctx, base, theirs, onto, &port)? {
        modules::Outcome::Ported(tree) => Some(Outcome::ported(
            Status::Resolved,
            Rung::Modules,
            Difficulty::Adapted,
            tree,
        )),
        modules::Outcome::Conflict(reasons) => {
            failure.modules = reasons;
            None
        }
        modules::Outcome::NotApplicable => None,
    })
}

/// Rung 3: conflicts where the target's side differs only in whitespace.
fn whitespace_rung(
    ctx: &Context<'_>,
    [base, theirs, ours]: [ObjectId; 3],
    failure: &Failure,
) -> Result<Option<Outcome>, RepoError> {
    let Some(conflicted) = failure.marked else {
        return Ok(None);
    };
    if failure.refused.is_empty() {
        return Ok(None);
    }
    let Some(tree) = resolve_whitespace(ctx, conflicted, &failure.refused)? else {
        return Ok(None);
    };
    let verdict = guard::check(ctx, base, theirs, ours, tree)?;
    Ok(verdict
        .refusals
        .is_empty()
        .then(|| Outcome::ported(Status::Resolved, Rung::Resolve, Difficulty::Adapted, tree)))
}

/// The merged tree `conflicted` with every conflicting file's marker regions
/// resolved by [`resolve::resolve_whitespace`], or `None` when one cannot be.
fn resolve_whitespace(
    ctx: &Context<'_>,
    conflicted: ObjectId,
    conflicts: &[Conflict],
) -> Result<Option<ObjectId>, RepoError> {
    let repo = ctx.repo;
    let tree = repo.find_tree(conflicted).map_err(git_err)?;
    let mut files: Vec<&str> = conflicts.iter().map(|c| c.file.as_str()).collect();
    files.sort();
    files.dedup();
    let mut editor = repo.edit_tree(conflicted).map_err(git_err)?;
    for file in files {
        let Some(entry) = tree.lookup_entry_by_path(file).map_err(git_err)? else {
            return Ok(None);
        };
        let mode = entry.mode();
        if !mode.is_blob() {
            return Ok(None);
        }
        let data = repo
            .find_object(entry.object_id())
            .map_err(git_err)?
            .detach()
            .data;
        if !data.starts_with(b"<<<<<<< ") && !data.windows(9).any(|w| w == b"\n<<<<<<< ") {
            return Ok(None); // not a content conflict
        }
        let Some(resolved) = resolve::resolve_whitespace(&data) else {
            return Ok(None);
        };
        let id = repo.write_blob(&resolved).map_err(git_err)?.detach();
        editor.upsert(file, mode.kind(), id).map_err(git_err)?;
    }
    Ok(Some(editor.write().map_err(git_err)?.detach()))
}

/// The apply rung's options: every hunk where it says, no fuzz, no merge.
const EXACTLY: crate::apply::tree::ApplyOptions = crate::apply::tree::ApplyOptions {
    fuzz: 0,
    three_way: false,
};

/// Whether the commit's diff fails on a file the merge failed on, applied to
/// the target on its own (a file modified in place that no other file of the
/// change touches): then the whole diff fails too, and the rung need not read
/// every other file of the change to say so.
fn fails_where_merge_failed(
    ctx: &Context<'_>,
    ours: ObjectId,
    [base_at, theirs_at]: [ObjectId; 2],
    refused: &[Conflict],
) -> Result<bool, RepoError> {
    let paths = refused.iter().map(|c| c.file.as_bytes()).collect();
    let Some(patch) = diff::modified_files_patch(ctx, base_at, theirs_at, &paths)? else {
        return Ok(false);
    };
    if patch.files.is_empty() {
        return Ok(false);
    }
    let mut tree = crate::apply::tree::PatchedTree::new(ctx.repo, ours);
    let applied = tree.apply_commit(&patch, EXACTLY)?;
    Ok(applied.status == Applied::Failed)
}

/// The commit's own diff, applied by the engine where it says; the conflict
/// with every reason when it does not give an acceptable result either.
fn apply_rung(
    ctx: &Context<'_>,
    [base, theirs, ours]: [ObjectId; 3],
    base_at: ObjectId,
    theirs_at: ObjectId,
    mut failure: Failure,
) -> Result<Outcome, RepoError> {
    let mut last_rung = Rung::Merge;
    if fails_where_merge_failed(ctx, ours, [base_at, theirs_at], &failure.refused)? {
        last_rung = Rung::Apply;
    } else if let Some(patch) = diff::commit_patch(ctx, base_at, theirs_at)? {
        last_rung = Rung::Apply;
        let mut tree = crate::apply::tree::PatchedTree::new(ctx.repo, ours);
        let applied = tree.apply_commit(&patch, EXACTLY)?;
        // Only where the diff says: when the merge failed, a hunk that lands
        // elsewhere is a guess (on helm, a new function placed at another
        // ambiguous `}` gave a tree the maintainer did not commit).
        if applied.status == Applied::Offset {
            failure.refused.push(Conflict {
                file: applied.files.join(", "),
                reason: "the upstream diff applies only at an offset after the merge failed; where it belongs is ambiguous".into(),
            });
        }
        if applied.status == Applied::Clean {
            let result = tree.write_tree()?;
            if guard::check(ctx, base, theirs, ours, result)?
                .refusals
                .is_empty()
            {
                return Ok(Outcome::ported(
                    Status::Applied,
                    Rung::Apply,
                    Difficulty::Trivial,
                    result,
                ));
            }
        }
    }
    // The module rung says why module files cannot be ported as modules.
    for c in failure.modules {
        if !failure.refused.contains(&c) {
            failure.refused.push(c);
        }
    }
    Ok(Outcome::conflict(
        last_rung,
        failure.refused,
        failure.marked,
    ))
}
