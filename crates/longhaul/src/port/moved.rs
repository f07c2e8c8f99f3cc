//! Files the old line moved: where the target keeps a file that the upstream
//! change touches at a path the target no longer has.
//!
//! merge-ort looks for renames only among the files the other side changed
//! ("irrelevant renames" are skipped); a full rename search between the
//! change's parent and an old line across a restructuring (helm v2 → v3)
//! compares thousands of files and took seconds. Here only the missing sources
//! are searched for, among the files the target added since the parent: first
//! those with the same file name, then all, by the share of common lines (at
//! least half, as git's default similarity). A tie is no answer.

use super::context::{Context, Moved};
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The least share of common lines for a rename (git's default: 50 %).
const MIN_SIMILARITY: f64 = 0.5;
/// Candidates compared per missing file, at most.
const MAX_CANDIDATES: usize = 2000;

/// [`moved_on_target`], computed once per change and target in `ctx`.
pub fn moved_once(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
) -> Result<Rc<Moved>, RepoError> {
    ctx.remember_moved((base, theirs, ours), || {
        moved_on_target(ctx, base, theirs, ours)
    })
}

/// Old path → path on the target, for each file the change from `base` to
/// `theirs` modifies, deletes or renames that `ours` lacks and has moved.
pub fn moved_on_target(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
) -> Result<BTreeMap<BString, BString>, RepoError> {
    let repo = ctx.repo;
    let missing = missing_on_target(ctx, base, theirs, ours)?;
    let mut out = BTreeMap::new();
    if missing.is_empty() {
        return Ok(out);
    }
    // Files the target added since the parent (no rename search: a plain diff).
    let added: Vec<(BString, ObjectId)> = ctx
        .tree_changes(base, ours, false)?
        .iter()
        .filter(|c| c.operation == crate::patch::Operation::Add)
        .filter(|c| c.new_mode.is_some_and(|m| m.is_blob()))
        .filter_map(|c| Some((c.new_path.clone()?, c.new_id?)))
        .collect();
    let mut lines = LineCounts::new(repo);
    for (path, id) in missing {
        // The same blob: a pure move.
        let same: Vec<&(BString, ObjectId)> = added.iter().filter(|(_, a)| *a == id).collect();
        if let [only] = same.as_slice() {
            out.insert(path, only.0.clone());
            continue;
        }
        if let Some(to) = most_similar(&mut lines, &path, id, &added)? {
            out.insert(path, to);
        }
    }
    Ok(out)
}

/// The files (path, blob in `base`) the change from `base` to `theirs` reads
/// that `ours` has nothing at.
fn missing_on_target(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
) -> Result<Vec<(BString, ObjectId)>, RepoError> {
    let ours_tree = ctx.repo.find_tree(ours).map_err(git_err)?;
    let mut missing = Vec::new();
    for c in ctx.tree_changes(base, theirs, true)?.iter() {
        let (Some(path), Some(id)) = (&c.old_path, c.old_id) else {
            continue;
        };
        if ours_tree
            .lookup_entry(path.split_str("/"))
            .map_err(git_err)?
            .is_none()
        {
            missing.push((path.clone(), id));
        }
    }
    Ok(missing)
}

/// The line counts of a text blob (`None` for binary content).
type Counted = Option<HashMap<Vec<u8>, usize>>;

/// Blobs' lines counted, each blob read once.
struct LineCounts<'r> {
    repo: &'r gix::Repository,
    memo: HashMap<ObjectId, Counted>,
}

impl<'r> LineCounts<'r> {
    fn new(repo: &'r gix::Repository) -> Self {
        LineCounts {
            repo,
            memo: HashMap::new(),
        }
    }

    fn of(&mut self, id: ObjectId) -> Result<Counted, RepoError> {
        if let Some(found) = self.memo.get(&id) {
            return Ok(found.clone());
        }
        let data = self.repo.find_object(id).map_err(git_err)?.detach().data;
        let counted = (!data.contains(&0)).then(|| {
            let mut m = HashMap::new();
            for l in data.split_inclusive(|&b| b == b'\n') {
                *m.entry(l.to_vec()).or_default() += 1;
            }
            m
        });
        self.memo.insert(id, counted.clone());
        Ok(counted)
    }
}

/// The file of `added` most like the blob `id` (once at `path`): first among
/// those of the same file name, then among all, by the share of common lines
/// (at least [`MIN_SIMILARITY`]). A tie is no answer.
fn most_similar(
    lines: &mut LineCounts<'_>,
    path: &BString,
    id: ObjectId,
    added: &[(BString, ObjectId)],
) -> Result<Option<BString>, RepoError> {
    let name = path.rsplit_str("/").next().unwrap_or(path).to_vec();
    let same_name: Vec<&(BString, ObjectId)> = added
        .iter()
        .filter(|(p, _)| p.rsplit_str("/").next().unwrap_or(p) == name.as_slice())
        .collect();
    let Some(source) = lines.of(id)? else {
        return Ok(None);
    };
    for pool in [same_name, added.iter().collect()] {
        if let Some((to, tie)) = best_match(lines, &source, pool)? {
            return Ok((!tie).then(|| to.clone()));
        }
    }
    Ok(None)
}

/// The candidate of `pool` sharing the largest share of lines with `source`
/// (at least [`MIN_SIMILARITY`]; the first [`MAX_CANDIDATES`] only), and
/// whether another shares as much.
fn best_match<'a>(
    lines: &mut LineCounts<'_>,
    source: &HashMap<Vec<u8>, usize>,
    pool: Vec<&'a (BString, ObjectId)>,
) -> Result<Option<(&'a BString, bool)>, RepoError> {
    let source_len: usize = source.values().sum();
    let mut best: Option<(f64, &BString)> = None;
    let mut tie = false;
    for (candidate, cid) in pool.into_iter().take(MAX_CANDIDATES) {
        let Some(other) = lines.of(*cid)? else {
            continue;
        };
        let len: usize = other.values().sum();
        let common: usize = source
            .iter()
            .map(|(l, n)| (*n).min(other.get(l).copied().unwrap_or(0)))
            .sum();
        let score = common as f64 / source_len.max(len).max(1) as f64;
        if score < MIN_SIMILARITY {
            continue;
        }
        match best {
            Some((b, _)) if score < b => {}
            Some((b, _)) if score == b => tie = true,
            _ => {
                best = Some((score, candidate));
                tie = false;
            }
        }
    }
    Ok(best.map(|(_, to)| (to, tie)))
}

/// Old path → new path, for each file the upstream change (`base` → `theirs`)
/// renames that the target `ours` changed at the old path (and has nothing at
/// the new one). merge-ort detects such a rename on upstream's side and merges
/// the target's edits into the file at its new name; so does the port, by
/// seeing the target's file moved there first. Files the target moved itself
/// (`moved`) are left to that.
pub fn renamed_upstream(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
    moved: &BTreeMap<BString, BString>,
) -> Result<BTreeMap<BString, BString>, RepoError> {
    let repo = ctx.repo;
    let ours_tree = repo.find_tree(ours).map_err(git_err)?;
    let at = |path: &BString| -> Result<Option<ObjectId>, RepoError> {
        Ok(ours_tree
            .lookup_entry(path.split_str("/"))
            .map_err(git_err)?
            .map(|e| e.object_id()))
    };
    let mut out = BTreeMap::new();
    for c in ctx.tree_changes(base, theirs, true)?.iter() {
        let (crate::patch::Operation::Rename, Some(from), Some(to)) =
            (c.operation, &c.old_path, &c.new_path)
        else {
            continue;
        };
        if moved.contains_key(from) || at(to)?.is_some() {
            continue;
        }
        if at(from)?.is_some_and(|id| Some(id) != c.old_id) {
            out.insert(from.clone(), to.clone());
        }
    }
    Ok(out)
}

/// `tree` with each `from` path of `moved` moved to its `to` path.
pub fn move_paths(
    repo: &gix::Repository,
    tree: ObjectId,
    moved: &BTreeMap<BString, BString>,
) -> Result<ObjectId, RepoError> {
    let t = repo.find_tree(tree).map_err(git_err)?;
    let mut editor = repo.edit_tree(tree).map_err(git_err)?;
    for (from, to) in moved {
        let Some(entry) = t.lookup_entry(from.split_str("/")).map_err(git_err)? else {
            continue;
        };
        editor.remove(from.as_bstr()).map_err(git_err)?;
        editor
            .upsert(to.as_bstr(), entry.mode().kind(), entry.object_id())
            .map_err(git_err)?;
    }
    Ok(editor.write().map_err(git_err)?.detach())
}
