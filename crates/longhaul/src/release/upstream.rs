//! The manifest's `upstream:`: a convenience for maintainers, never a way for
//! a pull request to choose what "upstream" means.
//!
//! The upstream repository is trusted: its tags are the bases every release
//! is verified against. A pull request could commit a bare repository of its
//! own and point `upstream:` at it, so an `upstream:` that resolves inside the
//! LTS repository (the manifest's folder, or a path its git repository
//! tracks) is refused. CI passes `--upstream` on the command line, which the
//! manifest cannot change.

use crate::error::{Error, Result};
use crate::release::manifest::Manifest;
use std::path::{Path, PathBuf};

/// The upstream path the manifest's `upstream:` names, checked: `None` when
/// the manifest has none; an error when it points inside the LTS repository.
pub fn from_manifest(manifest: &Manifest) -> Result<Option<PathBuf>> {
    let Some(rel) = &manifest.upstream else {
        return Ok(None);
    };
    let path = manifest.dir().join(rel);
    if let Some(why) = inside_repository(manifest.dir(), &path) {
        return Err(Error::Manifest {
            file: manifest.path.clone(),
            line: manifest.upstream_line.max(1),
            message: format!(
                "`upstream: {}` is {why}: a pull request could commit a repository there and choose the upstream; pass --upstream REPO instead (as CI does)",
                rel.display()
            ),
        });
    }
    Ok(Some(path))
}

/// Why `path` counts as part of the LTS repository around `manifest_dir`, or
/// `None`.
fn inside_repository(manifest_dir: &Path, path: &Path) -> Option<String> {
    let dir = if manifest_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        manifest_dir
    };
    let dir = dir.canonicalize().ok()?;
    let target = path.canonicalize().ok()?;
    if target.starts_with(&dir) {
        return Some("inside the manifest's folder".into());
    }
    let repo = gix::discover(&dir).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let rel = target.strip_prefix(&workdir).ok()?;
    let rel = rel.to_str()?.replace(std::path::MAIN_SEPARATOR, "/");
    let index = repo.index_or_empty().ok()?;
    let tracked = index.entries().iter().any(|e| {
        let p = e.path(&index);
        p == rel.as_bytes() || (p.starts_with(rel.as_bytes()) && p.get(rel.len()) == Some(&b'/'))
    });
    tracked.then(|| format!("tracked by the LTS repository's git repository ({rel})"))
}

/// What a change of the manifest from `then` to `now` does to what longhaul
/// trusts: `upstream:` and `base:` (the URL CI clones), each as a sentence.
pub fn authority_changes(then: &Manifest, now: &Manifest) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    if then.upstream != now.upstream {
        out.push((
            now.upstream_line,
            format!(
                "`upstream:` changed from {} to {}: the upstream repository is not the pull request's to choose (CI passes --upstream)",
                shown(then.upstream.as_ref().map(|p| p.display().to_string())),
                shown(now.upstream.as_ref().map(|p| p.display().to_string())),
            ),
        ));
    }
    if then.base != now.base {
        out.push((
            now.base_line,
            format!(
                "`base:` changed from {} to {}: it names the upstream repository CI clones",
                shown(then.base.clone()),
                shown(now.base.clone()),
            ),
        ));
    }
    out
}

fn shown(v: Option<String>) -> String {
    v.map(|v| format!("`{v}`"))
        .unwrap_or_else(|| "nothing".into())
}
