//! The checks of many releases at once: a worker per job, each with its own
//! in-memory repository handle, taking the next release until none is left.
//! Releases whose base tag the clone lacks are reported, not checked.

use crate::checks::build_constraints::Target;
use crate::checks::config::CheckSpec;
use crate::checks::run::{Checker, ReleaseChecks, Scope};
use crate::checks::toolchain::Toolchain;
use crate::release::base_tags::MissingBase;
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How the releases are checked.
pub struct Batch<'a> {
    /// The upstream repository.
    pub repo: &'a gix::ThreadSafeRepository,
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Its patches.
    pub loader: &'a PatchLoader,
    /// The platform.
    pub target: Target,
    /// The Go that runs the checks.
    pub toolchain: Toolchain,
    /// Which packages.
    pub scope: Scope,
    /// The cache folder (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Told what is happening.
    pub progress: &'a (dyn Fn(&str) + Sync),
    /// How many releases are checked at once (at least one worker runs
    /// when there is a release).
    pub jobs: usize,
}

/// Run `checks` on each of `selected`, `jobs` at a time; the reports keep
/// the asked order. A release of `missing` gets an "unverifiable" report,
/// the first of them with `advice` (how to fetch the tags).
pub fn check_releases(
    batch: &Batch,
    selected: &[String],
    checks: &[CheckSpec],
    missing: &[MissingBase],
    advice: Option<&str>,
) -> crate::Result<Vec<ReleaseChecks>> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<crate::Result<ReleaseChecks>>>> =
        selected.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..batch.jobs.min(selected.len()) {
            scope.spawn(|| {
                let memory = crate::repo::in_memory(batch.repo);
                let checker = Checker {
                    repo: &memory,
                    manifest: batch.manifest,
                    loader: batch.loader,
                    target: batch.target.clone(),
                    toolchain: batch.toolchain.clone(),
                    scope: batch.scope,
                    cache_dir: batch.cache_dir.clone(),
                    progress: batch.progress,
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(release) = selected.get(i) else {
                        break;
                    };
                    let report = match missing.iter().find(|m| &m.release == release) {
                        Some(m) => Ok(ReleaseChecks::unverifiable(
                            m,
                            batch.manifest,
                            checks,
                            &batch.toolchain,
                            advice.filter(|_| m.release == missing[0].release),
                        )),
                        None => checker.check_release(release, checks),
                    };
                    *slots[i].lock().expect("not poisoned") = Some(report);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("not poisoned")
                .expect("every release ran")
        })
        .collect()
}
