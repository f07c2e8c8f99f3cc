//! What a release's patches reach (`longhaul affected RELEASE`), and which
//! releases a change to the LTS repository can affect (`affected --since REF`).

use crate::checks::build_constraints::Target;
use crate::checks::go_packages::PackageGraph;
use crate::error::{Error, Result};
use crate::release::manifest::{Manifest, PatchSource, Release};
use crate::release::patch_cache::PatchLoader;
use crate::repo::{self, git_err};
use gix::ObjectId;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `affected --json` for one release.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseAffected {
    /// The release.
    pub release: String,
    /// GOOS the build constraints were read for.
    pub goos: String,
    /// GOARCH the build constraints were read for.
    pub goarch: String,
    /// The files the release's patches change (base tag to release tree).
    pub files: Vec<String>,
    /// Packages with a changed file.
    pub changed: Vec<String>,
    /// `changed` and their importers, transitively, through non-test imports.
    pub affected: Vec<String>,
    /// Packages outside `affected` whose tests import an affected package.
    pub tests: Vec<String>,
}

/// A release's tree, its base tag's tree, and the Go packages of the release tree.
pub struct ReleaseTree {
    /// The base tag's tree.
    pub base: ObjectId,
    /// The release's tree: the base with the whole chain applied (in memory).
    pub tree: ObjectId,
    /// The Go packages of `tree`.
    pub graph: PackageGraph,
}

impl ReleaseTree {
    /// Build `release` in memory on `repo` (a handle from [`repo::in_memory`])
    /// and read its Go packages for `target`.
    pub fn build(
        repo: &gix::Repository,
        manifest: &Manifest,
        release: &str,
        loader: &PatchLoader,
        target: &Target,
    ) -> Result<ReleaseTree> {
        let tip = crate::port::backport::release_tip(repo, manifest, release, loader)?;
        let commit = repo.find_commit(tip).map_err(git_err)?;
        let base_commit = commit
            .parent_ids()
            .next()
            .expect("a tip has its base as parent")
            .detach();
        let tree = repo::tree_of(repo, tip)?;
        let base = repo::tree_of(repo, base_commit)?;
        let graph = PackageGraph::load(repo, tree, target)?;
        Ok(ReleaseTree { base, tree, graph })
    }

    /// The packages the release's patches change, and what they reach.
    pub fn affected(
        &self,
        repo: &gix::Repository,
        release: &str,
        target: &Target,
    ) -> Result<ReleaseAffected> {
        let mut files: Vec<String> = crate::port::diff::touched_paths(repo, self.base, self.tree)?
            .into_iter()
            .map(|p| p.to_string())
            .collect();
        files.sort();
        let a = self.graph.affected(files.iter().map(String::as_str));
        Ok(ReleaseAffected {
            release: release.to_string(),
            goos: target.goos.clone(),
            goarch: target.goarch.clone(),
            files,
            changed: a.changed,
            affected: a.affected,
            tests: a.tests,
        })
    }
}

/// Why a release is selected by [`changed_since`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Touched {
    /// The release.
    pub release: String,
    /// What changed in its chain, e.g. `patch file patches/x.patch`.
    pub reasons: Vec<String>,
}

/// The releases of `now` whose chain uses something that differs from `then`
/// (the manifest at an earlier revision): a release entry of the chain (new, or
/// with other fields), a patch entry it uses, or a patch file whose bytes
/// `file_changed` reports as changed.
pub fn changed_since(
    then: &Manifest,
    now: &Manifest,
    file_changed: &dyn Fn(&Path) -> bool,
) -> Result<Vec<Touched>> {
    let mut out = Vec::new();
    for release in &now.releases {
        let mut reasons = BTreeSet::new();
        for r in now.chain(&release.name)? {
            match then.releases.iter().find(|o| o.name == r.name) {
                None => {
                    reasons.insert(format!("release {} is new", r.name));
                }
                Some(old) if !same_release(old, r) => {
                    reasons.insert(format!("release {} changed", r.name));
                }
                Some(_) => {}
            }
            for p in &r.patches {
                if now.patch(&p.value).map(|d| patch_key(&d))
                    != then.patch(&p.value).map(|d| patch_key(&d))
                {
                    reasons.insert(format!("patch entry {} changed", p.value));
                }
                for source in now.patch_sources(&p.value, p.line)? {
                    if let PatchSource::File(path) = source
                        && file_changed(&path)
                    {
                        let shown = path.strip_prefix(now.dir()).unwrap_or(&path);
                        reasons.insert(format!("patch file {} changed", shown.display()));
                    }
                }
            }
        }
        if !reasons.is_empty() {
            out.push(Touched {
                release: release.name.clone(),
                reasons: reasons.into_iter().collect(),
            });
        }
    }
    Ok(out)
}

/// What a patch entry says, without where it says it.
fn patch_key(
    d: &crate::release::manifest::PatchDef,
) -> (
    Vec<String>,
    Vec<String>,
    Option<String>,
    Option<&'static str>,
    String,
) {
    (
        d.items.iter().map(|i| i.value.clone()).collect(),
        d.cves.clone(),
        d.note.clone(),
        d.reason.map(|r| r.as_str()),
        serde_json::to_string(&d.extra).unwrap_or_default(),
    )
}

fn same_release(a: &Release, b: &Release) -> bool {
    a.base_release.value == b.base_release.value
        && a.must == b.must
        && a.patches
            .iter()
            .map(|p| &p.value)
            .eq(b.patches.iter().map(|p| &p.value))
        && a.test_failures_tolerated == b.test_failures_tolerated
        && a.test_integration_failures_tolerated == b.test_integration_failures_tolerated
        && a.extra == b.extra
}

/// The manifest and patch files as they were at `rev` in the git repository
/// that holds `manifest` (the LTS repository, not upstream).
pub struct Revision {
    repo: gix::Repository,
    tree: ObjectId,
    workdir: PathBuf,
}

impl Revision {
    /// Open the repository around `manifest_path` and resolve `rev` in it.
    pub fn open(manifest_path: &Path, rev: &str) -> Result<Revision> {
        let dir = manifest_path.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let repo = gix::discover(dir).map_err(|e| {
            Error::Input(format!(
                "--since {rev}: {} is not in a git repository ({e})",
                manifest_path.display()
            ))
        })?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| {
                Error::Input(format!(
                    "--since {rev}: the repository around {} has no work tree",
                    manifest_path.display()
                ))
            })?
            .canonicalize()
            .map_err(|e| Error::Input(e.to_string()))?;
        let commit = repo::resolve_commit(&repo, rev).map_err(|_| {
            Error::Input(format!(
                "--since {rev}: no such revision in {}",
                workdir.display()
            ))
        })?;
        let tree = repo::tree_of(&repo, commit)?;
        Ok(Revision {
            repo,
            tree,
            workdir,
        })
    }

    /// The bytes of `path` (a file in the work tree) at the revision, or
    /// `None` when it was not a regular file there.
    pub fn file(&self, path: &Path) -> Option<Vec<u8>> {
        let path = path.canonicalize().ok()?;
        let rel = path.strip_prefix(&self.workdir).ok()?;
        let tree = self.repo.find_tree(self.tree).ok()?;
        repo::blob_at(&self.repo, &tree, rel.as_os_str().as_encoded_bytes())
            .ok()
            .flatten()
    }

    /// Whether the file at `path` differs from the revision's (or is new).
    pub fn changed(&self, path: &Path) -> bool {
        // Bounded, regular files only: a patch file a pull request made a
        // link to /dev/zero or a FIFO counts as changed, and is not read.
        match (self.file(path), crate::fs::read(path)) {
            (Some(old), Ok(new)) => old != new,
            (None, Ok(_)) => true,
            (_, Err(_)) => true,
        }
    }

    /// The manifest at the revision (parsed with the same rules), or an empty
    /// one when the file did not exist there.
    pub fn manifest(&self, now: &Manifest) -> Result<Manifest> {
        match self.file(&now.path) {
            Some(bytes) => Manifest::parse(&String::from_utf8_lossy(&bytes), &now.path),
            None => Manifest::parse("releases: []\n", &now.path),
        }
    }
}
