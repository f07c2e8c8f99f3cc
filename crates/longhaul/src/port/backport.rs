//! Backporting upstream commits onto a release's tip (the engine half): port
//! them onto the tip, write each successful port as a canonical patch, and
//! check that the patch rebuilds the port. The workflow that finds the tip from
//! a manifest is `maintain::backport`, a layer above.

use super::format_patch::{FormatError, commit_meta, format_patch};
use super::{Context, Outcome, Status, port_commit_dropping_tests, port_commit_in};
use crate::apply::tree::{ApplyOptions, PatchedTree};
use crate::error::{Error, Result};
use crate::patch::CommitMeta;
use crate::repo;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::Serialize;

/// The result of backporting onto one release.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    /// The release ported onto.
    pub release: String,
    /// Its `X.Y` line.
    pub line: String,
    /// One outcome per commit, in order (stops at the first conflict).
    pub commits: Vec<CommitResult>,
    /// The last outcome's status, or `conflict` when any commit conflicted.
    pub status: Status,
    /// Files the port changes.
    pub files: Vec<String>,
    /// The ported tree (absent on conflict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The canonical patch for the port (absent on conflict).
    #[serde(skip)]
    pub patch: Option<Vec<u8>>,
    /// The label of the first change the tip already makes (its port changes
    /// nothing). Porting stops there: `tree` and `patch` are then absent, and
    /// there is nothing to write (a patch for it would be empty).
    #[serde(skip)]
    pub already_made: Option<String>,
}

impl TargetResult {
    /// The triage class of the port: the hardest of its commits.
    pub fn difficulty(&self) -> super::Difficulty {
        use super::Difficulty;
        if self.status == Status::Conflict {
            return Difficulty::Manual;
        }
        if self
            .commits
            .iter()
            .all(|c| c.outcome.difficulty == Difficulty::Trivial)
        {
            Difficulty::Trivial
        } else {
            Difficulty::Adapted
        }
    }
}

/// A change to backport: an upstream commit, or one commit of a patch file.
#[derive(Debug, Clone)]
pub enum Change {
    /// A commit of the repository.
    Commit(ObjectId),
    /// A commit of a patch file (a `git format-patch` mail), with a label
    /// naming it (`FILE#N`).
    Patch(Box<crate::patch::Commit>, String),
}

/// One commit's port.
#[derive(Debug, Clone, Serialize)]
pub struct CommitResult {
    /// The upstream commit.
    pub commit: String,
    /// How it went.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Port `changes` (in order) onto the commit `tip` of `release` (of `line`),
/// and write the canonical patch of a successful port; the patch is checked to
/// rebuild the ported tree when applied to the tip. With
/// `drop_conflicting_tests`, a commit whose only conflicts are in test files is
/// ported without them, and its message says so. A change the tip already
/// makes stops the port ([`TargetResult::already_made`]).
pub fn port_changes(
    repo: &gix::Repository,
    release: &str,
    line: String,
    tip: ObjectId,
    changes: &[Change],
    drop_conflicting_tests: bool,
) -> Result<TargetResult> {
    let start_tree = repo::tree_of(repo, tip)?;
    let series = port_series(repo, release, tip, changes, drop_conflicting_tests)?;
    let status = if series.ok {
        series
            .results
            .last()
            .map_or(Status::Clean, |r| r.outcome.status)
    } else {
        Status::Conflict
    };
    let ported = series.ok && series.already_made.is_none();
    let tree = ported
        .then(|| repo::tree_of(repo, series.target))
        .transpose()?;
    if let Some(tree) = tree {
        check_rebuilds(repo, release, start_tree, &series.patch, tree)?;
    }
    Ok(TargetResult {
        release: release.to_string(),
        line,
        status,
        files: series.files,
        tree: tree.map(|t| t.to_string()),
        patch: ported.then_some(series.patch),
        commits: series.results,
        already_made: series.already_made,
    })
}

/// What porting a series of changes commit by commit gave.
struct Series {
    /// The last commit made (the tip when none was).
    target: ObjectId,
    /// Each change's outcome, up to the first that stopped the series.
    results: Vec<CommitResult>,
    /// The canonical patches of the ported changes, as one series.
    patch: Vec<u8>,
    /// The files the patches touch.
    files: Vec<String>,
    /// False when a change conflicted.
    ok: bool,
    /// The label of a change the tree already made (it stops the series).
    already_made: Option<String>,
}

/// Port `changes` one after the other onto `tip`, committing each in memory;
/// stops at a conflict or at a change the tree already makes.
fn port_series(
    repo: &gix::Repository,
    release: &str,
    tip: ObjectId,
    changes: &[Change],
    drop_conflicting_tests: bool,
) -> Result<Series> {
    let mut series = Series {
        target: tip,
        results: Vec::new(),
        patch: Vec::new(),
        files: Vec::new(),
        ok: true,
        already_made: None,
    };
    for change in changes {
        let before = repo::tree_of(repo, series.target)?;
        let (outcome, label, meta) =
            port_change(repo, change, before, series.target, drop_conflicting_tests)?;
        let meta = with_backport_note(meta, &outcome.dropped_tests);
        let tree = outcome.tree;
        series.results.push(CommitResult {
            commit: label.clone(),
            outcome,
        });
        let Some(tree) = tree else {
            series.ok = false;
            break;
        };
        if tree == before {
            series.already_made = Some(label);
            break;
        }
        let bytes = canonical_patch(
            repo,
            release,
            &label,
            before,
            tree,
            &meta,
            &mut series.files,
        )?;
        // `--stdout` separates the mails of a series with a blank line.
        if !series.patch.is_empty() {
            series.patch.push(b'\n');
        }
        series.patch.extend_from_slice(&bytes);
        series.target = repo::memory_commit(repo, tree, series.target, "port")?;
    }
    Ok(series)
}

/// Port one change onto `target` (whose tree is `before`): its outcome, its
/// label and the message its patch will carry.
fn port_change(
    repo: &gix::Repository,
    change: &Change,
    before: ObjectId,
    target: ObjectId,
    drop_conflicting_tests: bool,
) -> Result<(Outcome, String, CommitMeta)> {
    match change {
        Change::Commit(commit) => {
            let commit = *commit;
            let ctx = Context::for_commit(repo, before, commit)?;
            let outcome = if drop_conflicting_tests {
                port_commit_dropping_tests(&ctx, commit, target)?
            } else {
                port_commit_in(&ctx, commit, target)?
            };
            Ok((outcome, commit.to_string(), commit_meta(repo, commit)?))
        }
        Change::Patch(c, label) => {
            let meta = c.meta.clone().ok_or_else(|| {
                Error::Input(format!(
                    "{label}: a plain diff has no author, date or message; backport takes `git format-patch` mails"
                ))
            })?;
            let outcome = port_patch_commit(repo, c, before, target)?;
            Ok((outcome, label.clone(), meta))
        }
    }
}

/// Port one commit of a patch file onto `target` (whose tree is `before`).
fn port_patch_commit(
    repo: &gix::Repository,
    c: &crate::patch::Commit,
    before: ObjectId,
    target: ObjectId,
) -> Result<Outcome> {
    let touched: Vec<&gix::bstr::BStr> = c.files.iter().map(|f| f.path()).collect();
    let ctx = Context::new(repo, before, touched)?;
    Ok(match super::patch_input::change_trees(repo, c)? {
        Ok((base, theirs)) => super::port_trees(&ctx, base, theirs, target)?,
        Err(no_base) => Outcome {
            status: Status::Conflict,
            rung: super::Rung::Merge,
            difficulty: super::Difficulty::Manual,
            tree: None,
            conflicts: vec![super::Conflict {
                file: no_base.file,
                reason: format!("no merge base: {}", no_base.reason),
            }],
            marked: None,
            dropped_tests: Vec::new(),
            precedent: None,
        },
    })
}

/// `meta` with a note naming the test files left out, when there are any.
fn with_backport_note(mut meta: CommitMeta, dropped: &[String]) -> CommitMeta {
    if !dropped.is_empty() {
        if !meta.message.ends_with('\n') {
            meta.message.push('\n');
        }
        meta.message.push_str(&format!(
            "\nBackport note: upstream's changes to {} did not port cleanly and were\nleft out (longhaul backport --drop-conflicting-tests).\n",
            dropped.join(", ")
        ));
    }
    meta
}

/// The canonical patch from `before` to `tree` with `meta`; the files it
/// changes are added to `files` (each once).
fn canonical_patch(
    repo: &gix::Repository,
    release: &str,
    label: &str,
    before: ObjectId,
    tree: ObjectId,
    meta: &CommitMeta,
    files: &mut Vec<String>,
) -> Result<Vec<u8>> {
    let ctx = Context::new(repo, tree, [])?;
    let bytes = format_patch(&ctx, before, tree, meta).map_err(|e| match e {
        FormatError::Repo(e) => Error::from(e),
        other => Error::Build {
            release: release.to_string(),
            message: format!("the port of {label} cannot be written as a canonical patch: {other}"),
        },
    })?;
    for c in ctx.tree_changes(before, tree, true)?.iter() {
        let f = c.source().to_str_lossy().into_owned();
        if !files.contains(&f) {
            files.push(f);
        }
    }
    Ok(bytes)
}

/// The patch file is the port: applied to the tip's tree `start_tree`, it must
/// give the ported `tree`.
fn check_rebuilds(
    repo: &gix::Repository,
    release: &str,
    start_tree: ObjectId,
    patch: &[u8],
    tree: ObjectId,
) -> Result<()> {
    let parsed = crate::patch::parse(patch).map_err(|e| Error::Build {
        release: release.to_string(),
        message: format!("the written patch does not parse again: {e}"),
    })?;
    let mut check = PatchedTree::new(repo, start_tree);
    for c in &parsed.commits {
        check.apply_commit(
            c,
            ApplyOptions {
                fuzz: 0,
                three_way: false,
            },
        )?;
    }
    let rebuilt = check.write_tree()?;
    if rebuilt != tree {
        return Err(Error::Build {
            release: release.to_string(),
            message: format!(
                "the written patch rebuilds tree {rebuilt}, not the port's {tree}; refusing to write it"
            ),
        });
    }
    Ok(())
}
