//! `verify`: apply every release's patch series in memory and report.

use crate::apply::tree::{ApplyOptions, Failure, PatchedTree, SharedResults, Status};
use crate::error::{Error, Result};
use crate::release::base_tags::{self, MissingBase};
use crate::release::manifest::Manifest;
use crate::release::plan::{Plan, PlannedPatch};
use crate::repo::{self, RepoError};
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The whole verification, as `verify --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Every release applied.
    pub ok: bool,
    /// One entry per release, in the order asked for.
    pub releases: Vec<ReleaseReport>,
    /// Base tags the upstream repository lacks (their releases are
    /// unverifiable), in first-seen order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_tags: Vec<String>,
    /// The git commands that fetch exactly those tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<String>,
}

/// One release's result.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseReport {
    /// Release name.
    pub name: String,
    /// Every patch applied.
    pub ok: bool,
    /// The upstream tag at the bottom of the chain.
    pub base: String,
    /// Release names from the bottom of the chain up.
    pub chain: Vec<String>,
    /// Final tree id, when `ok`.
    pub tree: Option<String>,
    /// URLs that could not be had: the release is unverifiable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverifiable: Vec<MissingItem>,
    /// The base tag, when the upstream repository lacks it: nothing was
    /// applied and the release is unverifiable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_base: Option<MissingBase>,
    /// Per patch entry, in application order.
    pub patches: Vec<PatchReport>,
}

/// A missing URL item, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct MissingItem {
    /// The URL.
    pub url: String,
    /// Why.
    pub reason: String,
}

/// One patch entry's result.
#[derive(Debug, Clone, Serialize)]
pub struct PatchReport {
    /// Patch name.
    pub name: String,
    /// Files it touches.
    pub files: Vec<String>,
    /// Worst status over its commits.
    pub status: Status,
    /// What failed.
    pub failures: Vec<Failure>,
}

/// Apply `plan` in memory on `repo` (a handle from [`repo::in_memory`]),
/// reusing and filling `shared` results.
pub fn verify_release(
    repo: &gix::Repository,
    manifest: &Manifest,
    plan: &Plan,
    options: ApplyOptions,
    shared: &SharedResults,
) -> Result<ReleaseReport> {
    let Some(commit) = base_commit(repo, manifest, plan)? else {
        return Ok(missing_base(plan));
    };
    let tree = repo::tree_of(repo, commit)?;
    let mut patched = PatchedTree::new(repo, tree).with_shared(shared);
    let mut patches = Vec::with_capacity(plan.patches.len());
    let mut ok = true;
    for p in &plan.patches {
        let report = verify_patch(&mut patched, plan, p, options)?;
        ok &= report.status < Status::Unverifiable;
        patches.push(report);
    }
    let tree = if ok {
        Some(write_patched(&mut patched, plan)?)
    } else {
        None
    };
    Ok(ReleaseReport {
        name: plan.release.clone(),
        ok,
        base: plan.base.clone(),
        chain: plan.chain.clone(),
        tree,
        unverifiable: plan
            .missing()
            .into_iter()
            .map(|m| MissingItem {
                url: m.url,
                reason: m.reason,
            })
            .collect(),
        missing_base: None,
        patches,
    })
}

/// The commit of the plan's base tag; `None` when the upstream lacks it.
fn base_commit(
    repo: &gix::Repository,
    manifest: &Manifest,
    plan: &Plan,
) -> Result<Option<gix::ObjectId>> {
    match repo::resolve_commit(repo, &plan.base) {
        Ok(c) => Ok(Some(c)),
        Err(RepoError::MissingRevision { .. }) => Ok(None),
        Err(other) => Err(Error::Manifest {
            file: manifest.path.clone(),
            line: plan.base_line,
            message: format!(
                "base tag {} of release {}: {other}",
                plan.base, plan.release
            ),
        }),
    }
}

/// The id of the patched tree, written in memory.
fn write_patched(patched: &mut PatchedTree<'_>, plan: &Plan) -> Result<String> {
    Ok(patched
        .write_tree()
        .map_err(|e| Error::Build {
            release: plan.release.clone(),
            message: format!("cannot write the patched tree in memory: {e}"),
        })?
        .to_string())
}

/// One patch entry applied onto `patched`: its worst status (unverifiable when
/// an item could not be loaded), the files it touches, what failed.
fn verify_patch(
    patched: &mut PatchedTree<'_>,
    plan: &Plan,
    p: &PlannedPatch,
    options: ApplyOptions,
) -> Result<PatchReport> {
    let mut status = Status::Clean;
    let mut files = Vec::new();
    let mut failures = Vec::new();
    for (source, loaded) in &p.items {
        let Ok(file) = loaded.as_ref() else {
            status = status.max(Status::Unverifiable);
            continue;
        };
        for c in &file.commits {
            let outcome = patched.apply_commit(c, options).map_err(|e| Error::Build {
                release: plan.release.clone(),
                message: format!(
                    "patch `{}` ({}), commit at line {}: the repository could not be read: {e}",
                    p.name,
                    source.display(),
                    c.line
                ),
            })?;
            status = status.max(outcome.status);
            for f in outcome.files {
                if !files.contains(&f) {
                    files.push(f);
                }
            }
            failures.extend(outcome.failures);
        }
    }
    Ok(PatchReport {
        name: p.name.clone(),
        files,
        status,
        failures,
    })
}

/// The report of a release whose base tag the upstream repository lacks:
/// unverifiable, every patch unapplied.
fn missing_base(plan: &Plan) -> ReleaseReport {
    ReleaseReport {
        name: plan.release.clone(),
        ok: false,
        base: plan.base.clone(),
        chain: plan.chain.clone(),
        tree: None,
        unverifiable: Vec::new(),
        missing_base: Some(MissingBase {
            release: plan.release.clone(),
            tag: plan.base.clone(),
            line: plan.base_line,
        }),
        patches: plan
            .patches
            .iter()
            .map(|p| PatchReport {
                name: p.name.clone(),
                files: Vec::new(),
                status: Status::Unverifiable,
                failures: Vec::new(),
            })
            .collect(),
    }
}

/// Verify `plans` on `jobs` threads; `on_done` is called as each release finishes.
pub fn verify_all(
    repo: &gix::ThreadSafeRepository,
    manifest: &Manifest,
    plans: &[Plan],
    options: ApplyOptions,
    jobs: usize,
    on_done: &(dyn Fn(&ReleaseReport) + Sync),
) -> Result<VerifyReport> {
    let next = AtomicUsize::new(0);
    let shared = SharedResults::new();
    let results: Mutex<Vec<Option<Result<ReleaseReport>>>> =
        Mutex::new((0..plans.len()).map(|_| None).collect());
    let jobs = jobs.clamp(1, plans.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                // One in-memory handle per worker: its object cache serves every
                // release it verifies; identical results are stored only once.
                let local = repo::in_memory(repo);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(plan) = plans.get(i) else { break };
                    let result = verify_release(&local, manifest, plan, options, &shared);
                    if let Ok(r) = &result {
                        on_done(r);
                    }
                    results.lock().expect("not poisoned")[i] = Some(result);
                }
            });
        }
    });
    let releases = results
        .into_inner()
        .expect("not poisoned")
        .into_iter()
        .map(|r| r.expect("every plan ran"))
        .collect::<Result<Vec<_>>>()?;
    let missing: Vec<MissingBase> = releases
        .iter()
        .filter_map(|r| r.missing_base.clone())
        .collect();
    let tags = base_tags::tags(&missing);
    let fetch = (!tags.is_empty())
        .then(|| base_tags::fetch_advice(&repo.to_thread_local(), manifest, &tags));
    Ok(VerifyReport {
        ok: releases.iter().all(|r| r.ok),
        missing_tags: tags.into_iter().map(String::from).collect(),
        fetch,
        releases,
    })
}
