//! Porting an upstream change onto another commit (an old release line), and
//! the guard against silent wrong backports.
//!
//! This is the first part of the porting ladder of issue 8: rung 2, the
//! three-way merge with the true merge base, as `git cherry-pick` does with
//! merge-ort (base = the commit's parent, ours = the target, theirs = the
//! commit; histogram diff, rename detection). Rung 1 (apply at an offset),
//! rung 3 (retries) and the static symbol check are not built yet.
//!
//! Every merge result passes the [`guard`] before it counts as a success: the
//! port's own diff against the target must add exactly the lines the upstream
//! change adds and remove exactly the lines it removes, file by file, and change
//! nothing else. Anything else is a `conflict` with the reason.

pub mod guard;

use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use serde::Serialize;

/// How a port ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every file the change touches is identical on the target and in the
    /// change's parent: the port is the upstream diff itself.
    Clean,
    /// The three-way merge succeeded and the guard accepted the result.
    Merged,
    /// No acceptable result: a merge conflict, or a result the guard refused.
    Conflict,
}

/// The rung of the ladder that produced the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rung {
    /// Three-way merge with the commit's parent as base (`git cherry-pick`).
    Merge,
}

/// A triage class for the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    /// The ported diff is the upstream diff (the touched files were identical).
    Trivial,
    /// The port differs in context, and the guard accepted it.
    Adapted,
    /// A conflict: a human must finish the port.
    Manual,
}

/// Why a file could not be ported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The file.
    pub file: String,
    /// What went wrong.
    pub reason: String,
}

/// The result of porting one change onto one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Which rung decided (the last one tried for a conflict).
    pub rung: Rung,
    /// Triage class.
    pub difficulty: Difficulty,
    /// The ported tree, absent on conflict.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "hex")]
    pub tree: Option<ObjectId>,
    /// Why it is a conflict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

fn hex<S: serde::Serializer>(id: &Option<ObjectId>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.serialize_str(&id.to_string()),
        None => s.serialize_none(),
    }
}

/// Port `commit` (a non-root commit of `repo`) onto the commit `onto`. New
/// blobs and trees go to `repo`'s object database: pass a handle from
/// [`crate::repo::in_memory`] to keep the repository untouched.
pub fn port_commit(
    repo: &gix::Repository,
    commit: ObjectId,
    onto: ObjectId,
) -> Result<Outcome, RepoError> {
    let change = repo.find_commit(commit).map_err(git_err)?;
    let parent = change
        .parent_ids()
        .next()
        .ok_or_else(|| RepoError::Git(format!("commit {commit} has no parent to port from")))?
        .detach();
    let base = crate::repo::tree_of(repo, parent)?;
    let theirs = crate::repo::tree_of(repo, commit)?;
    let ours = crate::repo::tree_of(repo, onto)?;
    let conflict = |conflicts: Vec<Conflict>| Outcome {
        status: Status::Conflict,
        rung: Rung::Merge,
        difficulty: Difficulty::Manual,
        tree: None,
        conflicts,
    };

    let mut options = repo.tree_merge_options().map_err(git_err)?;
    options = options.with_rewrites(Some(Default::default()));
    let labels = gix::merge::blob::builtin_driver::text::Labels {
        ancestor: Some("base".into()),
        current: Some("target".into()),
        other: Some("upstream".into()),
    };
    let mut merged = repo
        .merge_trees(base, ours, theirs, labels, options)
        .map_err(git_err)?;
    let unresolved = gix::merge::tree::TreatAsUnresolved::git();
    if merged.has_unresolved_conflicts(unresolved) {
        let conflicts = merged
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
            .collect();
        return Ok(conflict(conflicts));
    }
    let tree = merged.tree.write().map_err(git_err)?.detach();
    let verdict = guard::check(repo, base, theirs, ours, tree)?;
    if !verdict.refusals.is_empty() {
        return Ok(conflict(verdict.refusals));
    }
    let (status, difficulty) = if verdict.identical_inputs {
        (Status::Clean, Difficulty::Trivial)
    } else {
        (Status::Merged, Difficulty::Adapted)
    };
    Ok(Outcome {
        status,
        rung: Rung::Merge,
        difficulty,
        tree: Some(tree),
        conflicts: Vec::new(),
    })
}
