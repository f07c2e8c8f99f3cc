//! The guard against silent wrong backports: a port must make the same change
//! as upstream, file by file: add the lines upstream adds, remove the lines it
//! removes, make the same file additions, deletions, renames and mode changes,
//! and nothing else. Where it differs, the port is refused with the reason.
//!
//! Lines are compared as multisets per file (positions may differ: that is what
//! a port onto another line is). Files are matched by their (old path, new path)
//! pair, with rename detection on both sides, and through the renames the target
//! made since the change's parent (a file that moved on the old line is ported
//! at its new path, as merge-ort does).
//!
//! One difference is accepted because it is the same change: lines upstream adds
//! that the target had already gained since the parent (or removes that it had
//! already lost) need not be added (removed) again. The shortfall must be exactly
//! covered by what the target gained (lost), line by line; anything else is refused.

use super::context::{Context, Moved};
use super::outcome::Conflict;
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use std::collections::{BTreeMap, HashMap};

/// What the guard found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Files where the port does not make the upstream change; empty when it does.
    pub refusals: Vec<Conflict>,
    /// Every file the upstream change reads is identical in the target: the port
    /// is the upstream diff itself.
    pub identical_inputs: bool,
}

/// One file's change: what kind, and the blobs before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileChange {
    kind: String,
    before: Option<ObjectId>,
    after: Option<ObjectId>,
}

/// The lines a change adds and removes, each sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct LineChange {
    pub(super) added: Lines,
    pub(super) removed: Lines,
}

/// A file's change keyed by (old path, new path), an empty path standing for
/// "none".
type Key = (BString, BString);

/// The upstream change as it reads on the target: each file's change, and
/// the path its content is read from in `base` and `ours`.
type Expected = BTreeMap<Key, (FileChange, BString)>;

/// Compare the upstream change (`base` → `theirs`) with the port (`ours` → `result`).
pub fn check(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
    result: ObjectId,
) -> Result<Verdict, RepoError> {
    let repo = ctx.repo;
    let upstream = changes(ctx, base, theirs)?;
    let port = changes(ctx, ours, result)?;
    let base_tree = repo.find_tree(base).map_err(git_err)?;
    let ours_tree = repo.find_tree(ours).map_err(git_err)?;
    // Renames on the target matter only for files the change reads that the
    // target no longer has at that path; the full rename search is costly.
    let moved = super::moved::moved_once(ctx, base, theirs, ours)?;
    let expected = as_on_target(&upstream, &moved);
    // Each blob pair is diffed once (the symbol check reads the port's again).
    let mut diffs = LineDiffs::new(repo);
    let mut refusals = Vec::new();
    let keys: std::collections::BTreeSet<&Key> = expected.keys().chain(port.keys()).collect();
    for key in keys {
        let file = if key.1.is_empty() { &key.0 } else { &key.1 };
        let file = file.to_str_lossy().into_owned();
        let trees = [&base_tree, &ours_tree];
        if let Some(reason) = refusal(&mut diffs, trees, key, expected.get(key), port.get(key))? {
            refusals.push(Conflict {
                file,
                reason: format!("guard: {reason}"),
            });
        }
    }
    // What the port adds to Go code must exist on the target (see `symbols`).
    if refusals.is_empty() && super::symbols::has_checked_file(port.keys().map(|(_, p)| p)) {
        let added = go_lines_added(&mut diffs, &port, false)?;
        let mut vendored = || go_lines_added(&mut diffs, &port, true);
        refusals.extend(super::symbols::check(
            repo,
            [base, theirs],
            ours,
            result,
            &added,
            &mut vendored,
        )?);
    }
    // The port is the upstream diff itself when every file it reads is the same
    // blob in the target as in the change's parent.
    let same = same_blobs(&upstream, &base_tree, &ours_tree)?;
    Ok(Verdict {
        refusals,
        identical_inputs: moved.is_empty() && same,
    })
}

/// The upstream change with its paths through the target's renames (`moved`),
/// and where each file's content is read from in `base` and `ours`.
fn as_on_target(upstream: &BTreeMap<Key, FileChange>, moved: &Moved) -> Expected {
    let follow = |p: &BString| moved.get(p).cloned().unwrap_or_else(|| p.clone());
    let mut expected = Expected::new();
    for ((source, path), change) in upstream {
        let key = (follow(source), follow(path));
        let read_from = if source.is_empty() { path } else { source };
        expected.insert(key, (change.clone(), read_from.clone()));
    }
    expected
}

/// Why the port's change of the file at `key` is not the upstream change, or
/// `None` when it is. `trees`: the change's parent and the target.
fn refusal(
    diffs: &mut LineDiffs<'_>,
    trees: [&gix::Tree<'_>; 2],
    key: &Key,
    upstream: Option<&(FileChange, BString)>,
    port: Option<&FileChange>,
) -> Result<Option<String>, RepoError> {
    Ok(match (upstream, port) {
        // The same blobs before and after: the very same change, nothing to read.
        (Some((u, _)), Some(p)) if u == p => None,
        (None, Some(_)) => {
            Some("the port changes a file the upstream change does not touch".to_string())
        }
        (Some((u, _)), Some(p)) if u.kind != p.kind => Some(format!(
            "the upstream change is {}, the port's is {}",
            u.kind, p.kind
        )),
        (Some((u, read_from)), p) => line_refusal(diffs, trees, key, u, read_from, p)?,
        (None, None) => None,
    })
}

/// [`refusal`] for a file both sides change the same way (or the port not at
/// all): the lines each adds and removes must agree, but for what the target
/// had already done since the parent.
fn line_refusal(
    diffs: &mut LineDiffs<'_>,
    [base_tree, ours_tree]: [&gix::Tree<'_>; 2],
    key: &Key,
    upstream: &FileChange,
    read_from: &BString,
    port: Option<&FileChange>,
) -> Result<Option<String>, RepoError> {
    let repo = diffs.repo;
    let up = diffs.get(upstream.before, upstream.after)?;
    // No change at all in the port: the target may already have made it.
    let ported = match port {
        Some(p) => diffs.get(p.before, p.after)?,
        None => LineChange::default(),
    };
    if port.is_some() && up == ported {
        return Ok(None);
    }
    let before = lines_at(repo, base_tree, read_from)?;
    let target_path = if key.0.is_empty() { &key.1 } else { &key.0 };
    let target = lines_at(repo, ours_tree, target_path)?;
    if already_made(&up, &ported, &before, &target) {
        return Ok(None);
    }
    Ok(Some(match port {
        None => "the port does not make this upstream change".to_string(),
        Some(_) => format!(
            "the port adds {} and removes {} lines where upstream adds {} and removes {}, or other lines",
            ported.added.len(),
            ported.removed.len(),
            up.added.len(),
            up.removed.len()
        ),
    }))
}

/// The lines the port adds to each Go file under `vendor/` or (`vendored`
/// false) outside it, for the symbol check.
fn go_lines_added(
    diffs: &mut LineDiffs<'_>,
    port: &BTreeMap<Key, FileChange>,
    vendored: bool,
) -> Result<Vec<(BString, Lines)>, RepoError> {
    let mut added = Vec::new();
    for ((_, path), p) in port {
        if super::symbols::is_go_file(path, vendored) {
            added.push((path.clone(), diffs.get(p.before, p.after)?.added));
        }
    }
    Ok(added)
}

/// Whether every file the upstream change reads is the same blob (or equally
/// absent) in `base_tree` and `ours_tree`.
fn same_blobs(
    upstream: &BTreeMap<Key, FileChange>,
    base_tree: &gix::Tree<'_>,
    ours_tree: &gix::Tree<'_>,
) -> Result<bool, RepoError> {
    for (source, _) in upstream.keys() {
        let id = |tree: &gix::Tree<'_>| -> Result<Option<ObjectId>, RepoError> {
            Ok(tree
                .lookup_entry(source.split_str("/"))
                .map_err(git_err)?
                .map(|e| e.object_id()))
        };
        if id(base_tree)? != id(ours_tree)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// [`line_changes`] of blob pairs, each pair diffed once.
struct LineDiffs<'r> {
    repo: &'r gix::Repository,
    memo: HashMap<(Option<ObjectId>, Option<ObjectId>), LineChange>,
}

impl<'r> LineDiffs<'r> {
    fn new(repo: &'r gix::Repository) -> Self {
        LineDiffs {
            repo,
            memo: HashMap::new(),
        }
    }

    fn get(
        &mut self,
        before: Option<ObjectId>,
        after: Option<ObjectId>,
    ) -> Result<LineChange, RepoError> {
        if let Some(found) = self.memo.get(&(before, after)) {
            return Ok(found.clone());
        }
        let change = line_changes(self.repo, before, after)?;
        self.memo.insert((before, after), change.clone());
        Ok(change)
    }
}

/// The guard for a port whose inputs are identical on the target (see
/// `ladder`'s clean rung): the port is the upstream diff itself, so only the
/// static check of what it adds to Go code applies.
pub fn check_clean(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
    result: ObjectId,
) -> Result<Vec<Conflict>, RepoError> {
    let changes = ctx.tree_changes(base, theirs, true)?;
    if !super::symbols::has_checked_file(changes.iter().filter_map(|c| c.new_path.as_ref())) {
        return Ok(Vec::new());
    }
    let go_lines_added = |vendored: bool| -> Result<Vec<(BString, Lines)>, RepoError> {
        let mut added = Vec::new();
        for c in changes.iter() {
            let path = c.new_path.as_ref();
            if let Some(path) = path.filter(|p| super::symbols::is_go_file(p, vendored)) {
                let lines = line_changes(ctx.repo, c.old_id, c.new_id)?.added;
                added.push((path.clone(), lines));
            }
        }
        Ok(added)
    };
    let added = go_lines_added(false)?;
    let mut vendored = || go_lines_added(true);
    super::symbols::check(
        ctx.repo,
        [base, theirs],
        ours,
        result,
        &added,
        &mut vendored,
    )
}

/// Whether the port's shortfall against the upstream change is exactly what the
/// target already did: every line the port adds or removes, upstream adds or
/// removes too (no more often), and each line upstream adds that the port does
/// not is one the target gained since the parent (each it removes, one the
/// target lost).
fn already_made(
    upstream: &LineChange,
    port: &LineChange,
    before: &BTreeMap<Vec<u8>, usize>,
    target: &BTreeMap<Vec<u8>, usize>,
) -> bool {
    fn count(v: &[Vec<u8>]) -> BTreeMap<&[u8], usize> {
        let mut m: BTreeMap<&[u8], usize> = BTreeMap::new();
        for l in v {
            *m.entry(l.as_slice()).or_default() += 1;
        }
        m
    }
    let at = |m: &BTreeMap<Vec<u8>, usize>, l: &[u8]| m.get(l).copied().unwrap_or(0);
    let (up_added, port_added) = (count(&upstream.added), count(&port.added));
    let (up_removed, port_removed) = (count(&upstream.removed), count(&port.removed));
    let within = |p: &BTreeMap<&[u8], usize>, u: &BTreeMap<&[u8], usize>| {
        p.iter().all(|(l, n)| u.get(l).is_some_and(|m| n <= m))
    };
    within(&port_added, &up_added)
        && within(&port_removed, &up_removed)
        && up_added.iter().all(|(l, n)| {
            let missing = n - port_added.get(l).copied().unwrap_or(0);
            missing <= at(target, l).saturating_sub(at(before, l))
        })
        && up_removed.iter().all(|(l, n)| {
            let missing = n - port_removed.get(l).copied().unwrap_or(0);
            missing <= at(before, l).saturating_sub(at(target, l))
        })
}

/// The lines of the file at `path` in `tree`, counted (empty when absent).
fn lines_at(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    path: &BString,
) -> Result<BTreeMap<Vec<u8>, usize>, RepoError> {
    let mut out = BTreeMap::new();
    let Some(entry) = tree.lookup_entry(path.split_str("/")).map_err(git_err)? else {
        return Ok(out);
    };
    if let Some(object) = repo.try_find_object(entry.object_id()).map_err(git_err)? {
        for line in object.data.split_inclusive(|&b| b == b'\n') {
            *out.entry(line.to_vec()).or_default() += 1;
        }
    }
    Ok(out)
}

/// Every file change from tree `old` to tree `new`, keyed by (old path, new
/// path), an empty path standing for "none".
fn changes(
    ctx: &Context<'_>,
    old: ObjectId,
    new: ObjectId,
) -> Result<BTreeMap<Key, FileChange>, RepoError> {
    use crate::patch::Operation;
    let mut out = BTreeMap::new();
    for c in ctx.tree_changes(old, new, true)?.iter().cloned() {
        let mode = |m: Option<gix::objs::tree::EntryMode>| {
            m.map(|m| format!("{:o}", m.value())).unwrap_or_default()
        };
        let kind = match c.operation {
            Operation::Add => format!("an addition ({})", mode(c.new_mode)),
            Operation::Delete => "a deletion".to_string(),
            Operation::Modify if c.old_mode == c.new_mode => "a modification".to_string(),
            Operation::Modify => {
                format!("a mode change {} -> {}", mode(c.old_mode), mode(c.new_mode))
            }
            op => format!(
                "a {} ({} -> {})",
                if op == Operation::Copy {
                    "copy"
                } else {
                    "rename"
                },
                mode(c.old_mode),
                mode(c.new_mode)
            ),
        };
        let key = (
            c.old_path.unwrap_or_default(),
            c.new_path.unwrap_or_default(),
        );
        out.insert(
            key,
            FileChange {
                kind,
                before: c.old_id,
                after: c.new_id,
            },
        );
    }
    Ok(out)
}

/// Lines, each with its terminator.
pub(super) type Lines = Vec<Vec<u8>>;

/// The lines added and removed between two blobs (histogram diff), each sorted.
pub(super) fn line_changes(
    repo: &gix::Repository,
    before: Option<ObjectId>,
    after: Option<ObjectId>,
) -> Result<LineChange, RepoError> {
    let data = |id: Option<ObjectId>| -> Result<Vec<u8>, RepoError> {
        match id {
            // A submodule's commit is not in this repository: compare ids.
            Some(id) => match repo.try_find_object(id).map_err(git_err)? {
                Some(o) => Ok(o.detach().data),
                None => Ok(id.to_string().into_bytes()),
            },
            None => Ok(Vec::new()),
        }
    };
    let (old, new) = (data(before)?, data(after)?);
    // A file added or deleted whole: every line, no diff needed.
    if old.is_empty() || new.is_empty() {
        let whole = if old.is_empty() { &new } else { &old };
        let mut lines: Lines = imara_diff::sources::byte_lines(whole)
            .map(<[u8]>::to_vec)
            .collect();
        lines.sort();
        let (added, removed) = if old.is_empty() {
            (lines, Vec::new())
        } else {
            (Vec::new(), lines)
        };
        return Ok(LineChange { added, removed });
    }
    let input = imara_diff::InternedInput::new(
        imara_diff::sources::byte_lines(&old),
        imara_diff::sources::byte_lines(&new),
    );
    let diff = imara_diff::Diff::compute(imara_diff::Algorithm::Histogram, &input);
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for hunk in diff.hunks() {
        for t in &input.before[hunk.before.start as usize..hunk.before.end as usize] {
            removed.push(input.interner[*t].to_vec());
        }
        for t in &input.after[hunk.after.start as usize..hunk.after.end as usize] {
            added.push(input.interner[*t].to_vec());
        }
    }
    added.sort();
    removed.sort();
    Ok(LineChange { added, removed })
}
