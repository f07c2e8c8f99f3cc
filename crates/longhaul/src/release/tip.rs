//! A release's tip: the commit to port onto.

use crate::apply::tree::ApplyOptions;
use crate::error::{Error, Result};
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use crate::repo;
use gix::ObjectId;

/// The tip of `release`: a commit (in `repo`'s in-memory store) whose tree is
/// the release's base with its whole patch chain applied, on the base commit.
pub fn release_tip(
    repo: &gix::Repository,
    manifest: &Manifest,
    release: &str,
    loader: &PatchLoader,
) -> Result<ObjectId> {
    let plan = crate::release::plan::plan(manifest, release, loader)?;
    // A missing base tag is an error here (verify reports it as unverifiable).
    let base = repo::resolve_commit(repo, &plan.base)?;
    let shared = crate::apply::tree::SharedResults::new();
    let report = crate::release::verify::verify_release(
        repo,
        manifest,
        &plan,
        ApplyOptions::default(),
        &shared,
    )?;
    let tree = report
        .tree
        .filter(|_| report.ok)
        .ok_or_else(|| Error::Build {
            release: release.to_string(),
            message:
                "its patch chain does not apply (run `longhaul verify` on it); nothing to port onto"
                    .into(),
        })?;
    let tree = ObjectId::from_hex(tree.as_bytes()).map_err(|e| Error::Build {
        release: release.to_string(),
        message: e.to_string(),
    })?;
    Ok(repo::memory_commit(repo, tree, base, "release tip")?)
}
