//! From a release name to the ordered, loaded patch series that builds it.

use crate::error::{Error, Result};
use crate::patch::PatchFile;
use crate::release::manifest::{Manifest, PatchSource};
use crate::release::patch_cache::{LoadError, Missing, PatchLoader};
use std::sync::Arc;

/// One patch entry of a release, with its loaded items.
#[derive(Debug, Clone)]
pub struct PlannedPatch {
    /// Patch name.
    pub name: String,
    /// The release in the chain that lists it.
    pub release: String,
    /// Items in order, each loaded (or missing).
    pub items: Vec<(PatchSource, Arc<Result<PatchFile, LoadError>>)>,
}

impl PlannedPatch {
    /// URLs of this patch that could not be had.
    pub fn missing(&self) -> Vec<Missing> {
        self.items
            .iter()
            .filter_map(|(_, r)| match r.as_ref() {
                Err(LoadError::Missing(m)) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Everything needed to verify or build one release.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Release name.
    pub release: String,
    /// Upstream tag at the bottom of the chain.
    pub base: String,
    /// Manifest line of that tag (for errors).
    pub base_line: usize,
    /// Release names from the bottom of the chain up.
    pub chain: Vec<String>,
    /// Patches in application order.
    pub patches: Vec<PlannedPatch>,
}

impl Plan {
    /// Every URL the release needs but cannot get.
    pub fn missing(&self) -> Vec<Missing> {
        self.patches.iter().flat_map(|p| p.missing()).collect()
    }
}

/// Resolve and load `release`. Unparseable patch files are errors; URLs that
/// cannot be had are recorded as missing, making only this release unverifiable.
pub fn plan(manifest: &Manifest, release: &str, loader: &PatchLoader) -> Result<Plan> {
    let chain = manifest.chain(release)?;
    let mut patches = Vec::new();
    for r in &chain {
        for name in &r.patches {
            let sources = manifest.patch_sources(&name.value, name.line)?;
            let mut items = Vec::with_capacity(sources.len());
            for source in sources {
                let loaded = loader.load(&source);
                // A file that cannot be read at all has no line of its own:
                // the error names the manifest line that uses it.
                if let Err(LoadError::Invalid(file, 0, message)) = loaded.as_ref() {
                    return Err(Error::Manifest {
                        file: manifest.path.clone(),
                        line: name.line,
                        message: format!(
                            "patch `{}` used by release {}: {file}: {message}",
                            name.value, r.name
                        ),
                    });
                }
                if let Err(LoadError::Invalid(file, line, message)) = loaded.as_ref() {
                    return Err(Error::Patch {
                        file: file.clone(),
                        line: *line,
                        message: format!(
                            "{message} (patch `{}` used by release {})",
                            name.value, r.name
                        ),
                    });
                }
                items.push((source, loaded));
            }
            patches.push(PlannedPatch {
                name: name.value.clone(),
                release: r.name.clone(),
                items,
            });
        }
    }
    Ok(Plan {
        release: release.to_string(),
        base: chain[0].base_release.value.clone(),
        base_line: chain[0].base_release.line,
        chain: chain.iter().map(|r| r.name.clone()).collect(),
        patches,
    })
}
