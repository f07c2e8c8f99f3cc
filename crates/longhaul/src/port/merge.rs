//! The line merge of a port: git's three-way merge (merge-ort's settings,
//! through gitoxide), restricted to the paths the change touches, with git's
//! modify/delete conflicts.

use super::context::Context;
use super::outcome::Conflict;
use crate::repo::{RepoError, git_err};
use gix::ObjectId;

/// The three-way merge of `theirs` into `ours` on `base`, as merge-ort does it
/// (histogram diff for content; files the target moved are already at their
/// new paths in `base` and `theirs`): the merged tree, or the conflicts with
/// the tree holding the conflict markers.
///
/// Without rename detection a file's merge depends only on its three versions
/// (and on files or folders in the way of its path), so only the paths the
/// change touches are merged: the three trees are cut down to those paths and
/// what stands on their folders, and the merged paths are written into the
/// target. (gitoxide's tree merge replays every change of the target since the
/// parent; on cri-o's release branches that is most of the time of a port.)
pub(super) fn merge(
    ctx: &Context<'_>,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<Result<ObjectId, (Vec<Conflict>, ObjectId)>, RepoError> {
    let repo = ctx.repo;
    let mut paths: Vec<gix::bstr::BString> = Vec::new();
    for c in ctx.tree_changes(base, theirs, false)?.iter() {
        paths.extend(c.old_path.iter().cloned());
        paths.extend(c.new_path.iter().cloned());
    }
    paths.sort();
    paths.dedup();
    // A folder on the target where the change has a file: the whole trees.
    let ours_tree = repo.find_tree(ours).map_err(git_err)?;
    for p in &paths {
        use gix::bstr::ByteSlice;
        if ours_tree
            .lookup_entry(p.split_str("/"))
            .map_err(git_err)?
            .is_some_and(|e| e.mode().is_tree())
        {
            let (trees, text) = premerge_text(ctx, [base, ours, theirs], &paths)?;
            let merged = merge_trees(ctx, trees[0], trees[1], trees[2])?;
            return Ok(with_text_conflicts(merged, text));
        }
    }
    let (base_cut, ours_cut, theirs_cut) = (
        cut(repo, base, &paths)?,
        cut(repo, ours, &paths)?,
        cut(repo, theirs, &paths)?,
    );
    // git's modify/delete conflicts, which gitoxide resolves when the
    // modification is a mode change: one side deletes a file the other changed.
    let modify_delete = modify_delete_conflicts(repo, base_cut, ours_cut, theirs_cut, &paths)?;
    let (trees, text) = premerge_text(ctx, [base_cut, ours_cut, theirs_cut], &paths)?;
    let merged = merge_trees(ctx, trees[0], trees[1], trees[2])?;
    Ok(match with_text_conflicts(merged, text) {
        Ok(merged) if modify_delete.is_empty() => Ok(graft(repo, ours, ours_cut, merged, &paths)?),
        Ok(merged) => Err((modify_delete, graft(repo, ours, ours_cut, merged, &paths)?)),
        Err((mut conflicts, marked)) => {
            conflicts.extend(modify_delete);
            conflicts.sort_by(|a, b| a.file.cmp(&b.file));
            conflicts.dedup_by(|a, b| a.file == b.file);
            Err((conflicts, graft(repo, ours, ours_cut, marked, &paths)?))
        }
    })
}

/// A merge's result: the tree, or the conflicts and the tree with markers.
type MergeResult = Result<ObjectId, (Vec<Conflict>, ObjectId)>;

/// The files both sides changed, merged as git merges text (see
/// [`super::text_merge`]) before gitoxide's tree merge: each such path gets
/// the merged text (with markers where it conflicts) in all three trees, so
/// the tree merge takes it as it is and only merges modes and the rest.
/// Binary files, files with merge attributes of their own and files whose
/// mode both sides changed are left to gitoxide. Returns the three trees and
/// the paths that conflict.
fn premerge_text(
    ctx: &Context<'_>,
    trees: [ObjectId; 3],
    paths: &[gix::bstr::BString],
) -> Result<([ObjectId; 3], Vec<String>), RepoError> {
    use gix::bstr::ByteSlice;
    let repo = ctx.repo;
    let [b, o, t] = trees.map(|id| repo.find_tree(id).map_err(git_err));
    let (b, o, t) = (b?, o?, t?);
    let blob = |k: gix::objs::tree::EntryKind| {
        matches!(
            k,
            gix::objs::tree::EntryKind::Blob | gix::objs::tree::EntryKind::BlobExecutable
        )
    };
    let mut candidates = Vec::new();
    for p in paths {
        let (Some(pb), Some(po), Some(pt)) = (file_at(&b, p)?, file_at(&o, p)?, file_at(&t, p)?)
        else {
            continue;
        };
        let both_changed_mode = po.0 != pb.0 && pt.0 != pb.0 && po.0 != pt.0;
        let changed_both = po.1 != pb.1 && pt.1 != pb.1 && po.1 != pt.1;
        if changed_both && !both_changed_mode && blob(pb.0) && blob(po.0) && blob(pt.0) {
            candidates.push((p, [pb, po, pt]));
        }
    }
    if candidates.is_empty() {
        return Ok((trees, Vec::new()));
    }
    let special = ctx.has_merge_attributes(
        &candidates
            .iter()
            .map(|(p, _)| p.as_bstr())
            .collect::<Vec<_>>(),
    )?;
    let mut editors = trees.map(|id| repo.edit_tree(id).map_err(git_err));
    let mut conflicted = Vec::new();
    for ((p, entries), special) in candidates.into_iter().zip(special) {
        let data = |id: ObjectId| -> Result<Vec<u8>, RepoError> {
            Ok(repo.find_object(id).map_err(git_err)?.detach().data)
        };
        let texts = [
            data(entries[0].1)?,
            data(entries[1].1)?,
            data(entries[2].1)?,
        ];
        if special || texts.iter().any(|d| d.contains(&0)) {
            continue; // binary or a merge driver of its own: gitoxide's merge
        }
        let m = super::text_merge::merge(&texts[0], &texts[1], &texts[2]);
        let id = repo.write_blob(&m.text).map_err(git_err)?.detach();
        for (editor, (kind, _)) in editors.iter_mut().zip(entries) {
            editor
                .as_mut()
                .map_err(|e| RepoError::Git(e.to_string()))?
                .upsert(p.as_bstr(), kind, id)
                .map_err(git_err)?;
        }
        if m.conflicts > 0 {
            conflicted.push(p.to_str_lossy().into_owned());
        }
    }
    let mut out = trees;
    for (slot, editor) in out.iter_mut().zip(editors) {
        *slot = editor?.write().map_err(git_err)?.detach();
    }
    Ok((out, conflicted))
}

/// `merged` with the text conflicts of [`premerge_text`] added.
fn with_text_conflicts(merged: MergeResult, text: Vec<String>) -> MergeResult {
    if text.is_empty() {
        return merged;
    }
    let (tree, mut conflicts) = match merged {
        Ok(tree) => (tree, Vec::new()),
        Err((conflicts, tree)) => (tree, conflicts),
    };
    for file in text {
        if !conflicts.iter().any(|c| c.file == file) {
            conflicts.push(Conflict {
                reason: format!("merge conflict: the target changed {file} too"),
                file,
            });
        }
    }
    conflicts.sort_by(|a, b| a.file.cmp(&b.file));
    Err((conflicts, tree))
}

/// Paths one side deletes and the other changes (content or mode).
fn modify_delete_conflicts(
    repo: &gix::Repository,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
    paths: &[gix::bstr::BString],
) -> Result<Vec<Conflict>, RepoError> {
    use gix::bstr::ByteSlice;
    let (b, o, t) = (
        repo.find_tree(base).map_err(git_err)?,
        repo.find_tree(ours).map_err(git_err)?,
        repo.find_tree(theirs).map_err(git_err)?,
    );
    let mut out = Vec::new();
    for p in paths {
        let (pb, po, pt) = (file_at(&b, p)?, file_at(&o, p)?, file_at(&t, p)?);
        let Some(pb) = pb else { continue };
        let reason = match (po, pt) {
            (Some(po), None) if po != pb => "the upstream change deletes it; the target changed it",
            (None, Some(pt)) if pt != pb => "the target deleted it; the upstream change changes it",
            _ => continue,
        };
        out.push(Conflict {
            file: p.to_str_lossy().into_owned(),
            reason: format!("merge conflict (modify/delete): {reason}"),
        });
    }
    Ok(out)
}

/// `tree` cut down to the entries at `paths` and at the folders above them.
fn cut(
    repo: &gix::Repository,
    tree: ObjectId,
    paths: &[gix::bstr::BString],
) -> Result<ObjectId, RepoError> {
    use gix::bstr::ByteSlice;
    let full = repo.find_tree(tree).map_err(git_err)?;
    let mut editor = repo
        .edit_tree(ObjectId::empty_tree(repo.object_hash()))
        .map_err(git_err)?;
    // The paths themselves, and any non-folder entry standing on their folders.
    for p in with_folders(paths) {
        if let Some((kind, id)) = file_at(&full, p)? {
            editor.upsert(p.as_bstr(), kind, id).map_err(git_err)?;
        }
    }
    Ok(editor.write().map_err(git_err)?.detach())
}

/// `ours` with the entries of `cut_ours` at `paths` (and their folders)
/// replaced by those of `merged`.
fn graft(
    repo: &gix::Repository,
    ours: ObjectId,
    cut_ours: ObjectId,
    merged: ObjectId,
    paths: &[gix::bstr::BString],
) -> Result<ObjectId, RepoError> {
    use gix::bstr::ByteSlice;
    let before = repo.find_tree(cut_ours).map_err(git_err)?;
    let after = repo.find_tree(merged).map_err(git_err)?;
    let mut editor = repo.edit_tree(ours).map_err(git_err)?;
    let touched = with_folders(paths);
    // Removals first (an entry standing on a folder the merge needs), then additions.
    for p in &touched {
        if file_at(&before, p)?.is_some() && file_at(&after, p)?.is_none() {
            editor.remove(p.as_bstr()).map_err(git_err)?;
        }
    }
    for p in &touched {
        if let Some((kind, id)) = file_at(&after, p)? {
            editor.upsert(p.as_bstr(), kind, id).map_err(git_err)?;
        }
    }
    Ok(editor.write().map_err(git_err)?.detach())
}

/// gitoxide's tree merge of `theirs` into `ours` on `base` with merge-ort's
/// settings (no rename detection here: see [`merge`]).
fn merge_trees(
    ctx: &Context<'_>,
    base: ObjectId,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<Result<ObjectId, (Vec<Conflict>, ObjectId)>, RepoError> {
    let repo = ctx.repo;
    let labels = gix::merge::blob::builtin_driver::text::Labels {
        ancestor: Some("base".into()),
        current: Some("target".into()),
        other: Some("upstream".into()),
    };
    let mut merged = gix::merge::plumbing::tree(
        &base,
        &ours,
        &theirs,
        labels,
        &repo.objects,
        |buf| gix::objs::Write::write_buf(repo, gix::objs::Kind::Blob, buf),
        &mut Default::default(),
        &mut ctx.diff_cache()?,
        &mut ctx.merge_cache()?,
        merge_options(repo)?,
    )
    .map_err(git_err)?;
    let unresolved = gix::merge::tree::TreatAsUnresolved::git();
    let conflicts = merged
        .has_unresolved_conflicts(unresolved)
        .then(|| unresolved_conflicts(&merged, unresolved));
    let tree = merged
        .tree
        .write(|tree| gix::objs::Write::write(repo, tree))
        .map_err(git_err)?;
    Ok(match conflicts {
        Some(conflicts) => Err((conflicts, tree)),
        None => Ok(tree),
    })
}

/// The repository's tree-merge options as merge-ort uses them for a
/// cherry-pick here: no renames, histogram diff, diff3 conflict markers.
fn merge_options(repo: &gix::Repository) -> Result<gix::merge::plumbing::tree::Options, RepoError> {
    use gix::merge::blob::builtin_driver::text::{Conflict, ConflictStyle};
    let mut inner: gix::merge::plumbing::tree::Options =
        repo.tree_merge_options().map_err(git_err)?.into();
    inner.rewrites = None;
    inner.blob_merge.text.diff_algorithm = gix::diff::blob::Algorithm::Histogram;
    inner.blob_merge.text.conflict = Conflict::Keep {
        style: ConflictStyle::Diff3,
        marker_size: Conflict::DEFAULT_MARKER_SIZE.try_into().expect("non-zero"),
    };
    Ok(inner)
}

/// The merge's unresolved conflicts, one per file upstream changed.
fn unresolved_conflicts(
    merged: &gix::merge::plumbing::tree::Outcome<'_>,
    unresolved: gix::merge::tree::TreatAsUnresolved,
) -> Vec<Conflict> {
    merged
        .conflicts
        .iter()
        .filter(|c| c.is_unresolved(unresolved))
        .map(|c| {
            let (ours, theirs) = c.changes_in_resolution();
            Conflict {
                file: theirs.location().to_string(),
                reason: format!("merge conflict: the target changed {} too", ours.location()),
            }
        })
        .collect()
}

/// The entry at `path` in `tree` when it is not a folder: its kind and object.
fn file_at(
    tree: &gix::Tree<'_>,
    path: &[u8],
) -> Result<Option<(gix::objs::tree::EntryKind, ObjectId)>, RepoError> {
    use gix::bstr::ByteSlice;
    Ok(tree
        .lookup_entry(path.split_str("/"))
        .map_err(git_err)?
        .filter(|e| !e.mode().is_tree())
        .map(|e| (e.mode().kind(), e.object_id())))
}

/// `paths` and every folder above them, sorted, each once.
fn with_folders(paths: &[gix::bstr::BString]) -> Vec<&[u8]> {
    use gix::bstr::ByteSlice;
    let mut out: Vec<&[u8]> = Vec::new();
    for path in paths {
        out.extend(path.find_iter("/").map(|i| &path[..i]));
        out.push(path.as_slice());
    }
    out.sort();
    out.dedup();
    out
}
