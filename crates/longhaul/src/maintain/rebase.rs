//! Moving a line to a newer upstream patch tag (v1.23.11 → v1.23.17): each
//! patch of the release's chain is ported, in order, onto the new tag plus the
//! patches before it; a patch the new tag already contains is dropped.
//!
//! "Already contained" is decided by the port itself: the ladder's merge with
//! the patch's true base (its `index` blobs) changes nothing, and the guard
//! accepts that because every line the patch adds (removes) is already there
//! (gone) on the new base. A plain diff without `index` lines is applied by the
//! engine, exactly or at an offset, or reported.
//!
//! [`rebase`] takes a [`RebaseRequest`] and returns a [`RebaseReport`];
//! [`rebase_chain`] ports one release's chain.

use super::Inputs;
use crate::apply::tree::{ApplyOptions, PatchedTree, Status as Applied};
use crate::error::Result;
use crate::port::{Conflict, Context, Outcome, Status, port_trees};
use crate::release::manifest::{Manifest, PatchSource};
use crate::release::patch_cache::PatchLoader;
use crate::repo;
use gix::ObjectId;
use serde::Serialize;

/// What became of one patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// The new base already makes the change: drop the patch.
    AlreadyUpstream,
    /// Ported onto the new base (see `status` for how).
    Ported,
    /// Does not port: a human must.
    Conflict,
}

/// One patch of the chain on the new base.
#[derive(Debug, Clone, Serialize)]
pub struct Rebased {
    /// Patch name.
    pub patch: String,
    /// What became of it.
    pub fate: Fate,
    /// The hardest port status among its commits (absent when dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Why it conflicts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

/// What to rebase, and onto what.
pub struct RebaseRequest<'a> {
    /// A line (`1.28`: its newest shipped release) or a release name.
    pub line: &'a str,
    /// The newer upstream tag (or commit) to port the chain onto.
    pub onto: &'a str,
}

/// The chain of one release on the newer tag. Nothing is written.
pub struct RebaseReport {
    /// The release whose chain was ported.
    pub release: String,
    /// The tag (or commit) ported onto, as asked.
    pub onto: String,
    /// What became of each patch, in chain order.
    pub patches: Vec<Rebased>,
    /// The tree of the new base with every patch that ported.
    pub tree: ObjectId,
}

impl RebaseReport {
    /// True when no patch conflicted.
    pub fn ok(&self) -> bool {
        self.patches.iter().all(|r| r.fate != Fate::Conflict)
    }
}

/// Port the chain of the newest release of `request.line` onto
/// `request.onto`, on the manifest and upstream of `inputs`.
pub fn rebase(
    inputs: &dyn Inputs,
    request: &RebaseRequest<'_>,
) -> std::result::Result<RebaseReport, super::Error> {
    let manifest = inputs.manifest().map_err(super::Error::Other)?;
    let release = super::bump::newest_of(&manifest, request.line)?;
    let repo = inputs.upstream(&manifest).map_err(super::Error::Other)?;
    let memory = repo::in_memory(&repo);
    let loader = inputs.loader(&manifest);
    let (patches, tree) = rebase_chain(&memory, &manifest, &release, request.onto, &loader)?;
    Ok(RebaseReport {
        release,
        onto: request.onto.to_string(),
        patches,
        tree,
    })
}

/// Port the chain of `release` onto `new_base` (a tag or commit), patch by
/// patch; a conflicting patch is reported and left out of the tree the later
/// ones are ported onto. Returns the per-patch results and the final tree.
pub fn rebase_chain(
    repo: &gix::Repository,
    manifest: &Manifest,
    release: &str,
    new_base: &str,
    loader: &PatchLoader,
) -> Result<(Vec<Rebased>, ObjectId)> {
    let plan = crate::release::plan::plan(manifest, release, loader)?;
    let mut onto = repo::resolve_commit(repo, new_base)?;
    let mut out = Vec::new();
    for p in &plan.patches {
        let start = onto;
        let mut worst: Option<Status> = None;
        let mut conflicts = Vec::new();
        let mut changed = false;
        'items: for (source, loaded) in &p.items {
            let parsed = match loaded.as_ref() {
                Ok(parsed) => parsed,
                Err(e) => {
                    conflicts.push(Conflict {
                        file: source.display(),
                        reason: format!("cannot load the patch: {e:?}"),
                    });
                    break 'items;
                }
            };
            for c in &parsed.commits {
                let before = repo::tree_of(repo, onto)?;
                let outcome = port_one(repo, c, onto, before, source)?;
                let Some(tree) = outcome.tree else {
                    conflicts.extend(outcome.conflicts);
                    break 'items;
                };
                if tree != before {
                    changed = true;
                    worst = Some(worst.map_or(outcome.status, |w| hardest(w, outcome.status)));
                }
                onto = repo::memory_commit(repo, tree, onto, "rebase")?;
            }
        }
        let fate = if !conflicts.is_empty() {
            onto = start; // left out: later patches go onto what came before it
            Fate::Conflict
        } else if changed {
            Fate::Ported
        } else {
            Fate::AlreadyUpstream
        };
        out.push(Rebased {
            patch: p.name.clone(),
            fate,
            status: if fate == Fate::Ported { worst } else { None },
            conflicts,
        });
    }
    Ok((out, repo::tree_of(repo, onto)?))
}

fn hardest(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Clean => 0,
        Status::Applied => 1,
        Status::Merged => 2,
        Status::Resolved => 3,
        Status::Conflict => 4,
    };
    if rank(a) >= rank(b) { a } else { b }
}

/// One patch commit onto `onto`: the ladder with its `index` blobs as the
/// merge base, or, without them, the engine (exact or at an offset).
fn port_one(
    repo: &gix::Repository,
    c: &crate::patch::Commit,
    onto: ObjectId,
    before: ObjectId,
    source: &PatchSource,
) -> Result<Outcome> {
    let touched: Vec<&gix::bstr::BStr> = c.files.iter().map(|f| f.path()).collect();
    let ctx = Context::new(repo, before, touched)?;
    if let Ok((base, theirs)) = crate::port::patch_input::change_trees(repo, c)? {
        return Ok(port_trees(&ctx, base, theirs, onto)?);
    }
    let mut tree = PatchedTree::new(repo, before);
    let applied = tree.apply_commit(
        c,
        ApplyOptions {
            fuzz: 0,
            three_way: false,
        },
    )?;
    let ok = matches!(applied.status, Applied::Clean | Applied::Offset);
    Ok(Outcome {
        status: if ok {
            Status::Applied
        } else {
            Status::Conflict
        },
        rung: crate::port::Rung::Apply,
        difficulty: if ok {
            crate::port::Difficulty::Trivial
        } else {
            crate::port::Difficulty::Manual
        },
        tree: if ok { Some(tree.write_tree()?) } else { None },
        conflicts: if ok {
            Vec::new()
        } else {
            vec![Conflict {
                file: source.display(),
                reason: format!(
                    "a plain diff (no `index` lines, so no merge base) that does not apply at line {}",
                    c.line
                ),
            }]
        },
        marked: None,
        dropped_tests: Vec::new(),
        precedent: None,
    })
}
