//! Files the old line moved: where the target keeps a file that the upstream
//! change touches at a path the target no longer has.
//!
//! merge-ort looks for renames only among the files the other side changed
//! ("irrelevant renames" are skipped); a full rename search between the
//! change's parent and an old line across a restructuring (helm v2 → v3)
//! compares thousands of files and took seconds. Here only the missing sources
//! are searched for, among the files the target added since the parent: first
//! those with the same file name, then all, by the share of common lines (at
//! least half, as git's default similarity). A tie is no answer. As in git's
//! rename search, a candidate more than twice as large or less than half as
//! large is not compared (it is not read at all), and lines are compared by a
//! 64-bit hash.

use super::context::{Context, Moved};
use crate::hash::hash64;
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

/// The lines of a text blob as (line hash, count) sorted by hash, with the
/// number of lines (`None` for binary content).
type Counted = Option<Rc<LineSet>>;

/// A blob's lines as a multiset: each distinct line's hash with its count,
/// sorted by hash, and the blob's size.
struct LineSet {
    counts: Vec<(u64, u32)>,
    bytes: u64,
}

impl LineSet {
    fn of(data: &[u8]) -> Self {
        let mut hashes: Vec<u64> = data
            .split_inclusive(|&b| b == b'\n')
            .map(|line| hash64(&[line]))
            .collect();
        hashes.sort_unstable();
        let mut counts: Vec<(u64, u32)> = Vec::new();
        for h in hashes {
            match counts.last_mut() {
                Some((last, n)) if *last == h => *n += 1,
                _ => counts.push((h, 1)),
            }
        }
        LineSet {
            counts,
            bytes: data.len() as u64,
        }
    }

    /// The number of lines in all.
    fn len(&self) -> usize {
        self.counts.iter().map(|&(_, n)| n as usize).sum()
    }

    /// The number of lines the two multisets share.
    fn common(&self, other: &LineSet) -> usize {
        let (mut a, mut b) = (
            self.counts.iter().peekable(),
            other.counts.iter().peekable(),
        );
        let mut common = 0;
        while let (Some(&&(x, n)), Some(&&(y, m))) = (a.peek(), b.peek()) {
            match x.cmp(&y) {
                std::cmp::Ordering::Less => drop(a.next()),
                std::cmp::Ordering::Greater => drop(b.next()),
                std::cmp::Ordering::Equal => {
                    common += n.min(m) as usize;
                    a.next();
                    b.next();
                }
            }
        }
        common
    }
}

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
        let counted = (!data.contains(&0)).then(|| Rc::new(LineSet::of(&data)));
        self.memo.insert(id, counted.clone());
        Ok(counted)
    }

    /// The blob's size in bytes, read from its header (the blob itself is not
    /// decompressed unless it was counted already).
    fn size(&self, id: ObjectId) -> Result<u64, RepoError> {
        match self.memo.get(&id) {
            Some(Some(counted)) => Ok(counted.bytes),
            _ => Ok(self.repo.find_header(id).map_err(git_err)?.size()),
        }
    }
}

/// Whether blobs of `a` and `b` bytes may be renames of each other: neither is
/// more than twice the other, git's bound for a 50 % similarity
/// (diffcore-rename compares no pair outside it).
fn sizes_may_match(a: u64, b: u64) -> bool {
    a.min(b).saturating_mul(2) >= a.max(b)
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
/// (at least [`MIN_SIMILARITY`]; among the first [`MAX_CANDIDATES`] whose
/// size is within a factor two of the source's), and whether another shares
/// as much.
fn best_match<'a>(
    lines: &mut LineCounts<'_>,
    source: &LineSet,
    pool: Vec<&'a (BString, ObjectId)>,
) -> Result<Option<(&'a BString, bool)>, RepoError> {
    let source_len = source.len();
    let mut best: Option<(f64, &BString)> = None;
    let mut tie = false;
    let mut compared = 0;
    for (candidate, cid) in pool {
        if compared == MAX_CANDIDATES {
            break;
        }
        if !sizes_may_match(source.bytes, lines.size(*cid)?) {
            continue;
        }
        compared += 1;
        let Some(other) = lines.of(*cid)? else {
            continue;
        };
        let (len, common) = (other.len(), source.common(&other));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_lines_are_counted_as_a_multiset() {
        let a = LineSet::of(b"x\ny\ny\nz\n");
        let b = LineSet::of(b"y\nx\nw\ny\ny\n");
        assert_eq!((a.len(), b.len()), (4, 5));
        // x once, y twice (a has two): 3; z and w are not shared.
        assert_eq!(a.common(&b), 3);
        assert_eq!(b.common(&a), 3);
        // A line without its newline is another line.
        assert_eq!(LineSet::of(b"x").common(&LineSet::of(b"x\n")), 0);
    }

    #[test]
    fn sizes_more_than_twice_apart_are_not_compared() {
        assert!(sizes_may_match(100, 200));
        assert!(sizes_may_match(200, 100));
        assert!(!sizes_may_match(100, 201));
        assert!(sizes_may_match(0, 0));
        assert!(!sizes_may_match(0, 1));
    }
}
