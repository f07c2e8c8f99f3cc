//! Canonical patch files: each patch rewritten as `git format-patch -N
//! --abbrev=11 --zero-commit --no-signature` writes its commits as built on the
//! chain of the first release (in manifest order) that uses it, which is what
//! KLTS's CI checks. [`refresh`] takes a [`RefreshRequest`] and returns a
//! [`RefreshReport`]; [`refresh_file`] computes one file's canonical bytes.

use super::Inputs;
use crate::apply::tree::{ApplyOptions, PatchedTree, Status};
use crate::error::{Error, Result};
use crate::patch::Commit;
use crate::port::Context;
use crate::port::format_patch::{FormatError, format_patch};
use crate::release::manifest::{Manifest, PatchSource, Release};
use crate::release::patch_cache::PatchLoader;
use crate::release::plan::PlannedPatch;
use crate::repo;
use std::path::{Path, PathBuf};

/// What to refresh.
pub struct RefreshRequest<'a> {
    /// The patch files named by the user; none: every local patch file the
    /// manifest uses (plain diffs among them are skipped).
    pub files: &'a [PathBuf],
    /// Write nothing, only report which files are not canonical.
    pub check: bool,
}

/// What a refresh found and did.
pub struct RefreshReport {
    /// Each file refreshed, and whether its bytes were already canonical.
    pub files: Vec<(Refreshed, bool)>,
    /// The files rewritten (none with `check`).
    pub rewritten: Vec<PathBuf>,
    /// The plain diffs left out (they have no canonical form).
    pub skipped: Vec<PathBuf>,
    /// Whether this was a check (nothing written).
    pub check: bool,
}

impl RefreshReport {
    /// The files whose bytes were not canonical.
    pub fn stale(&self) -> impl Iterator<Item = &Path> {
        self.files
            .iter()
            .filter(|(_, canonical)| !canonical)
            .map(|(r, _)| r.file.as_path())
    }
}

/// Refresh the patch files of `request` on the manifest and upstream of
/// `inputs`. Every file is computed before any is written, so bad input
/// changes nothing; files the manifest names are never written through a
/// symbolic link (files named by the user are the user's choice).
pub fn refresh(
    inputs: &dyn Inputs,
    request: &RefreshRequest<'_>,
) -> std::result::Result<RefreshReport, super::Error> {
    let manifest = inputs.manifest().map_err(super::Error::Other)?;
    let explicit = !request.files.is_empty();
    let files = if explicit {
        request.files.to_vec()
    } else {
        used_files(&manifest)?
    };
    let repo = inputs.upstream(&manifest).map_err(super::Error::Other)?;
    let memory = repo::in_memory(&repo);
    let loader = inputs.loader(&manifest);
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        let current = crate::fs::read_bytes(f)?;
        // Plain diffs (quilt, DEP-3) have no author or message to write a mail
        // from: named explicitly they are an error, otherwise they are listed.
        if !explicit && is_plain_diff(&current) {
            skipped.push(f.clone());
            continue;
        }
        let r = refresh_file(&memory, &manifest, &loader, f)?;
        let canonical = current == r.canonical;
        results.push((r, canonical));
    }
    let rewritten = if request.check {
        Vec::new()
    } else {
        write_stale(&manifest, &results, explicit)?
    };
    Ok(RefreshReport {
        files: results,
        rewritten,
        skipped,
        check: request.check,
    })
}

/// True when `bytes` parse as a patch with a commit that is a plain diff.
fn is_plain_diff(bytes: &[u8]) -> bool {
    crate::patch::parse(bytes).is_ok_and(|p| p.commits.iter().any(|c| c.meta.is_none()))
}

/// Write each file of `results` that is not canonical; the files written.
fn write_stale(
    manifest: &Manifest,
    results: &[(Refreshed, bool)],
    explicit: bool,
) -> std::result::Result<Vec<PathBuf>, super::Error> {
    let mut rewritten = Vec::new();
    for (r, canonical) in results {
        if *canonical {
            continue;
        }
        if explicit {
            crate::fs::write_atomic(&r.file, &r.canonical).map_err(|e| e.to_string())
        } else {
            crate::confine::write_atomic(manifest.dir(), &r.file, &r.canonical)
                .map_err(|e| e.to_string())
        }
        .map_err(|e| super::Error::other(format!("cannot write {}: {e}", r.file.display())))?;
        rewritten.push(r.file.clone());
    }
    Ok(rewritten)
}

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

/// The canonical bytes of patch file `file`: its commits as built on the chain
/// of the first release (in manifest order) whose own list names it.
pub fn refresh_file(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    file: &Path,
) -> Result<Refreshed> {
    let wanted = canonical_path(file);
    let same = |f: &Path| canonical_path(f) == wanted;
    let not_used = || {
        Error::Input(format!(
            "{}: no release in {} uses this patch file; refresh builds a patch on the chain of the first release that uses it",
            file.display(),
            manifest.path.display()
        ))
    };
    let release = first_user(manifest, &same).ok_or_else(not_used)?;
    let plan = crate::release::plan::plan(manifest, &release.name, loader)?;
    let base = repo::resolve_commit(repo, &plan.base)?;
    let mut tree = PatchedTree::new(repo, repo::tree_of(repo, base)?);
    for p in &plan.patches {
        for (source, loaded) in &p.items {
            let parsed = loaded
                .as_ref()
                .as_ref()
                .map_err(|e| build_error(release, format!("patch `{}`: {e:?}", p.name)))?;
            let ours =
                matches!(source, PatchSource::File(f) if same(f)) && p.release == release.name;
            let mut canonical = Vec::new();
            for c in &parsed.commits {
                let before = tree.write_tree()?;
                apply_one(&mut tree, c, release, p, source)?;
                if ours {
                    let bytes = mail_of(repo, file, c, before, tree.write_tree()?)?;
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

/// `file` with symbolic links resolved (as given when that fails).
fn canonical_path(file: &Path) -> PathBuf {
    std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf())
}

/// The first release, in manifest order, whose own list names a file `same`
/// accepts.
fn first_user<'m>(manifest: &'m Manifest, same: &dyn Fn(&Path) -> bool) -> Option<&'m Release> {
    manifest.releases.iter().find(|r| {
        r.patches.iter().any(|p| {
            manifest.patch_sources(&p.value, p.line).is_ok_and(|s| {
                s.iter()
                    .any(|s| matches!(s, PatchSource::File(f) if same(f)))
            })
        })
    })
}

/// A build error of `release`.
fn build_error(release: &Release, message: String) -> Error {
    Error::Build {
        release: release.name.clone(),
        message,
    }
}

/// Apply commit `c` of patch `p` (item `source`) to `tree`: it must apply.
fn apply_one(
    tree: &mut PatchedTree<'_>,
    c: &Commit,
    release: &Release,
    p: &PlannedPatch,
    source: &PatchSource,
) -> Result<()> {
    let outcome = tree.apply_commit(c, ApplyOptions::default())?;
    if outcome.status >= Status::Unverifiable || !outcome.failures.is_empty() {
        return Err(build_error(
            release,
            format!(
                "patch `{}` ({}), commit at line {} does not apply; run `longhaul verify {}`",
                p.name,
                source.display(),
                c.line,
                release.name
            ),
        ));
    }
    Ok(())
}

/// Commit `c` of `file` as `git format-patch` writes it, from tree `before` to
/// `after`.
fn mail_of(
    repo: &gix::Repository,
    file: &Path,
    c: &Commit,
    before: gix::ObjectId,
    after: gix::ObjectId,
) -> Result<Vec<u8>> {
    let meta = c.meta.as_ref().ok_or_else(|| {
        Error::Input(format!(
            "{}:{}: a plain diff has no author, date or message; the canonical form is a `git format-patch` mail",
            file.display(),
            c.line
        ))
    })?;
    let ctx = Context::new(repo, after, [])?;
    format_patch(&ctx, before, after, meta).map_err(|e| match e {
        FormatError::Repo(e) => Error::from(e),
        other => Error::Input(format!("{}:{}: {other}", file.display(), c.line)),
    })
}
