//! What porting one change onto one target gives: how it ended, which rung
//! decided, the triage class, the tree, and the conflicts with their reasons.

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
    /// The commit's diff applied exactly where it said (after the merge failed).
    Applied,
    /// A rung after the merge resolved its conflicts: rung 3, the module
    /// rung or a precedent (see [`Rung`]).
    Resolved,
    /// No acceptable result: a merge conflict, or a result the guard refused.
    Conflict,
}

/// The rung of the ladder that produced the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rung {
    /// Three-way merge with the commit's parent as base (`git cherry-pick`).
    Merge,
    /// The commit's own diff, applied by the engine (`git apply`).
    Apply,
    /// Rung 3: conflict regions where the target's side differs from the base
    /// only in whitespace take upstream's side (see [`super::resolve`]).
    Resolve,
    /// The module-aware rung: `go.mod`, `go.sum`, `vendor/modules.txt` and
    /// vendored folders rebuilt as module operations (see [`super::modules`]).
    Modules,
    /// A maintainer's earlier port of the same commit onto another line,
    /// making the same change token for token, ported onto the target (see
    /// [`super::precedent`]).
    Precedent,
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
    /// On a merge conflict: the merged tree with conflict markers (diff3
    /// style) in the conflicting files, for a review file. Not a result.
    #[serde(skip)]
    pub marked: Option<ObjectId>,
    /// Test files of the upstream change left out because they did not port
    /// (see [`super::port_commit_dropping_tests`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_tests: Vec<String>,
    /// The earlier port whose change was ported instead (the precedent rung).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "hex")]
    pub precedent: Option<ObjectId>,
}

fn hex<S: serde::Serializer>(id: &Option<ObjectId>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.serialize_str(&id.to_string()),
        None => s.serialize_none(),
    }
}

impl Outcome {
    /// A result `tree` from `rung`.
    pub(super) fn ported(
        status: Status,
        rung: Rung,
        difficulty: Difficulty,
        tree: ObjectId,
    ) -> Outcome {
        Outcome {
            status,
            rung,
            difficulty,
            tree: Some(tree),
            conflicts: Vec::new(),
            marked: None,
            dropped_tests: Vec::new(),
            precedent: None,
        }
    }

    /// No result: the conflicts (sorted by file) and the marked merge tree.
    pub(super) fn conflict(
        rung: Rung,
        mut conflicts: Vec<Conflict>,
        marked: Option<ObjectId>,
    ) -> Outcome {
        conflicts.sort_by(|a, b| a.file.cmp(&b.file));
        Outcome {
            status: Status::Conflict,
            rung,
            difficulty: Difficulty::Manual,
            tree: None,
            conflicts,
            marked,
            dropped_tests: Vec::new(),
            precedent: None,
        }
    }
}
