//! Canonical patch files: each patch rewritten as `git format-patch -N
//! --abbrev=11 --zero-commit --no-signature` writes its commits as built on the
//! chain of the first release (in manifest order) that uses it, which is what
//! KLTS's CI checks.

use crate::apply::tree::{ApplyOptions, PatchedTree, Status};
use crate::error::{Error, Result};
use crate::port::Context;
use crate::port::format_patch::{FormatError, format_patch};
use crate::release::manifest::{Manifest, PatchSource};
use crate::release::patch_cache::PatchLoader;
use crate::repo;
use std::path::{Path, PathBuf};

/// A patch file and its canonical bytes.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The file.
    pub file: PathBuf,
    /// The release whose chain built it.
    pub release: String,
    /// Its canonical bytes.
    pub canonical: Vec<u8>,
}

/// Every local patch file the manifest uses, in first-use order.
pub fn used_files(manifest: &Manifest) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = Vec::new();
    for r in &manifest.releases {
        for p in &r.patches {
            for s in manifest.patch_sources(&p.value, p.line)? {
                if let PatchSource::File(f) = s
                    && !out.contains(&f)
                {
                    out.push(f);
                }
            }
        }
    }
    Ok(out)
}

/// The canonical bytes of patch file `file`.
pub fn refresh(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    file: &Path,
) -> Result<Refreshed> {
    let wanted = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let same = |f: &Path| std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf()) == wanted;
    let not_used = || {
        Error::Input(format!(
            "{}: no release in {} uses this patch file; refresh builds a patch on the chain of the first release that uses it",
            file.display(),
            manifest.path.display()
        ))
    };
    // The first release, in manifest order, whose own list names the file.
    let release = manifest
        .releases
        .iter()
        .find(|r| {
            r.patches.iter().any(|p| {
                manifest.patch_sources(&p.value, p.line).is_ok_and(|s| {
                    s.iter()
                        .any(|s| matches!(s, PatchSource::File(f) if same(f)))
                })
            })
        })
        .ok_or_else(not_used)?;
    let plan = crate::release::plan::plan(manifest, &release.name, loader)?;
    let base = repo::resolve_commit(repo, &plan.base)?;
    let mut tree = PatchedTree::new(repo, repo::tree_of(repo, base)?);
    let failed = |what: String| Error::Build {
        release: release.name.clone(),
        message: what,
    };
    for p in &plan.patches {
        for (source, loaded) in &p.items {
            let parsed = loaded
                .as_ref()
                .as_ref()
                .map_err(|e| failed(format!("patch `{}`: {e:?}", p.name)))?;
            let ours =
                matches!(source, PatchSource::File(f) if same(f)) && p.release == release.name;
            let mut canonical = Vec::new();
            for c in &parsed.commits {
                let before = tree.write_tree()?;
                let outcome = tree.apply_commit(c, ApplyOptions::default())?;
                if outcome.status >= Status::Unverifiable || !outcome.failures.is_empty() {
                    return Err(failed(format!(
                        "patch `{}` ({}), commit at line {} does not apply; run `longhaul verify {}`",
                        p.name,
                        source.display(),
                        c.line,
                        release.name
                    )));
                }
                if ours {
                    let after = tree.write_tree()?;
                    let meta = c.meta.as_ref().ok_or_else(|| {
                        Error::Input(format!(
                            "{}:{}: a plain diff has no author, date or message; the canonical form is a `git format-patch` mail",
                            file.display(),
                            c.line
                        ))
                    })?;
                    let ctx = Context::new(repo, after, [])?;
                    let bytes = format_patch(&ctx, before, after, meta).map_err(|e| match e {
                        FormatError::Repo(e) => Error::from(e),
                        other => Error::Input(format!("{}:{}: {other}", file.display(), c.line)),
                    })?;
                    // `--stdout` separates the mails of a series with a blank line.
                    if !canonical.is_empty() {
                        canonical.push(b'\n');
                    }
                    canonical.extend_from_slice(&bytes);
                }
            }
            if ours {
                return Ok(Refreshed {
                    file: file.to_path_buf(),
                    release: release.name.clone(),
                    canonical,
                });
            }
        }
    }
    Err(not_used())
}
