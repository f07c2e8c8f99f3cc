//! The guard against silent wrong backports: a port must make the same change
//! as upstream, file by file: add the lines upstream adds, remove the lines it
//! removes, make the same file additions, deletions, renames and mode changes,
//! and nothing else. Where it differs, the port is refused with the reason.
//!
//! Lines are compared as multisets per file (positions may differ: that is what
//! a port onto another line is). Files are matched by their (old path, new path)
//! pair, with rename detection on both sides.

use super::Conflict;
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use std::collections::BTreeMap;

/// What the guard found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Files where the port does not make the upstream change; empty when it does.
    pub refusals: Vec<Conflict>,
    /// Every file the upstream change reads is identical in the target: the port
    /// is the upstream diff itself.
    pub identical_inputs: bool,
}

/// One file's change: what kind, and the lines it adds and removes (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct FileChange {
    kind: String,
    added: Vec<Vec<u8>>,
    removed: Vec<Vec<u8>>,
}

/// Compare the upstream change (`base` → `theirs`) with the port (`ours` → `result`).
pub fn check(
    repo: &gix::Repository,
    base: ObjectId,
    theirs: ObjectId,
    ours: ObjectId,
    result: ObjectId,
) -> Result<Verdict, RepoError> {
    let upstream = changes(repo, base, theirs)?;
    let port = changes(repo, ours, result)?;
    let mut refusals = Vec::new();
    let keys: std::collections::BTreeSet<&(BString, BString)> =
        upstream.keys().chain(port.keys()).collect();
    for key in keys {
        let file = key.1.to_str_lossy().into_owned();
        let reason = match (upstream.get(key), port.get(key)) {
            (Some(_), None) => "the port does not make this upstream change".to_string(),
            (None, Some(_)) => {
                "the port changes a file the upstream change does not touch".to_string()
            }
            (Some(u), Some(p)) if u.kind != p.kind => format!(
                "the upstream change is {}, the port's is {}",
                u.kind, p.kind
            ),
            (Some(u), Some(p)) if u.added != p.added || u.removed != p.removed => format!(
                "the port adds {} and removes {} lines where upstream adds {} and removes {}, or other lines",
                p.added.len(),
                p.removed.len(),
                u.added.len(),
                u.removed.len()
            ),
            _ => continue,
        };
        refusals.push(Conflict {
            file,
            reason: format!("guard: {reason}"),
        });
    }
    // The port is the upstream diff itself when every file it reads is the same
    // blob in the target as in the change's parent.
    let base_tree = repo.find_tree(base).map_err(git_err)?;
    let ours_tree = repo.find_tree(ours).map_err(git_err)?;
    let mut identical_inputs = true;
    for (source, _) in upstream.keys() {
        let id = |tree: &gix::Tree<'_>| -> Result<Option<ObjectId>, RepoError> {
            Ok(tree
                .lookup_entry(source.split_str("/"))
                .map_err(git_err)?
                .map(|e| e.object_id()))
        };
        if id(&base_tree)? != id(&ours_tree)? {
            identical_inputs = false;
            break;
        }
    }
    Ok(Verdict {
        refusals,
        identical_inputs,
    })
}

/// Every file change from tree `old` to tree `new`, keyed by (old path, new path).
fn changes(
    repo: &gix::Repository,
    old: ObjectId,
    new: ObjectId,
) -> Result<BTreeMap<(BString, BString), FileChange>, RepoError> {
    use gix::object::tree::diff::ChangeDetached as C;
    let old_tree = repo.find_tree(old).map_err(git_err)?;
    let new_tree = repo.find_tree(new).map_err(git_err)?;
    let options = gix::diff::Options::default().with_rewrites(Some(Default::default()));
    let list = repo
        .diff_tree_to_tree(&old_tree, &new_tree, options)
        .map_err(git_err)?;
    let mut out = BTreeMap::new();
    for change in list {
        let (key, kind, before, after) = match change {
            C::Addition {
                location,
                entry_mode,
                id,
                ..
            } => {
                if entry_mode.is_tree() {
                    continue;
                }
                let key = (BString::default(), location);
                (
                    key,
                    format!("an addition ({:o})", entry_mode.value()),
                    None,
                    Some(id),
                )
            }
            C::Deletion {
                location,
                entry_mode,
                id,
                ..
            } => {
                if entry_mode.is_tree() {
                    continue;
                }
                let key = (location.clone(), BString::default());
                (key, "a deletion".to_string(), Some(id), None)
            }
            C::Modification {
                location,
                previous_entry_mode,
                previous_id,
                entry_mode,
                id,
            } => {
                if entry_mode.is_tree() {
                    continue;
                }
                let kind = if previous_entry_mode == entry_mode {
                    "a modification".to_string()
                } else {
                    format!(
                        "a mode change {:o} -> {:o}",
                        previous_entry_mode.value(),
                        entry_mode.value()
                    )
                };
                (
                    (location.clone(), location),
                    kind,
                    Some(previous_id),
                    Some(id),
                )
            }
            C::Rewrite {
                source_location,
                source_entry_mode,
                source_id,
                entry_mode,
                id,
                location,
                copy,
                ..
            } => {
                if entry_mode.is_tree() {
                    continue;
                }
                let kind = format!(
                    "a {} ({:o} -> {:o})",
                    if copy { "copy" } else { "rename" },
                    source_entry_mode.value(),
                    entry_mode.value()
                );
                ((source_location, location), kind, Some(source_id), Some(id))
            }
        };
        let (added, removed) = line_changes(repo, before, after)?;
        out.insert(
            key,
            FileChange {
                kind,
                added,
                removed,
            },
        );
    }
    Ok(out)
}

/// The lines added and removed between two blobs (histogram diff), each sorted.
fn line_changes(
    repo: &gix::Repository,
    before: Option<ObjectId>,
    after: Option<ObjectId>,
) -> Result<(Vec<Vec<u8>>, Vec<Vec<u8>>), RepoError> {
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
    Ok((added, removed))
}
