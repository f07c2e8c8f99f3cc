//! `longhaul ci plan`: the releases CI checks, computed when CI runs (not
//! when the workflow was written), each with the Go version its tree names,
//! as the JSON `strategy.matrix` takes. A release added by `bump` is in the
//! plan of the pull request that adds it.

use crate::checks::affected::Touched;
use crate::error::Result;
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use serde::Serialize;
use std::collections::BTreeSet;

/// One job of the check matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixEntry {
    /// The release.
    pub release: String,
    /// The Go version for actions/setup-go (`stable` when the tree names none).
    pub go: String,
}

/// What a pull request is compared with: the manifest at its base, and what
/// [`crate::checks::affected::changed_since`] found.
pub struct Since<'a> {
    /// The manifest at the base revision.
    pub then: &'a Manifest,
    /// The releases the change touches.
    pub touched: &'a [Touched],
}

/// The plan: the matrix and the warnings (a tree that names no Go version).
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The jobs, in manifest order.
    pub matrix: Vec<MatrixEntry>,
    /// What the plan had to guess.
    pub warnings: Vec<String>,
}

/// The maintained (`must: true`) releases, and on a pull request (`since`)
/// only those it touches; a release maintained at the base counts too, so
/// that dropping `must: true` does not skip its check.
pub fn plan(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    since: Option<Since<'_>>,
) -> Result<Plan> {
    let base_must: BTreeSet<&str> = since
        .as_ref()
        .map(|s| {
            s.then
                .must_releases()
                .iter()
                .map(|r| r.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    let touched: Option<BTreeSet<&str>> = since
        .as_ref()
        .map(|s| s.touched.iter().map(|t| t.release.as_str()).collect());
    let mut out = Plan {
        matrix: Vec::new(),
        warnings: Vec::new(),
    };
    for r in &manifest.releases {
        let maintained = r.must || base_must.contains(r.name.as_str());
        let selected = touched.as_ref().is_none_or(|t| t.contains(r.name.as_str()));
        if !maintained || !selected {
            continue;
        }
        let tip = crate::port::backport::release_tip(repo, manifest, &r.name, loader)?;
        let tree = crate::repo::tree_of(repo, tip)?;
        let go = match crate::checks::toolchain::needed(repo, tree)? {
            Some(n) => n.version,
            None => {
                out.warnings.push(format!(
                    "{}: no Go version in its tree; its job uses Go `stable`",
                    r.name
                ));
                "stable".into()
            }
        };
        out.matrix.push(MatrixEntry {
            release: r.name.clone(),
            go,
        });
    }
    Ok(out)
}
