//! Finding the manifest, the upstream repository and the patch cache from the
//! global options.

use crate::GlobalOptions;
use anyhow::{Context as _, Result, bail};
use longhaul::release::manifest::{MANIFEST_NAMES, Manifest};
use longhaul::release::patch_cache::{DEFAULT_CACHE_DIR, PatchLoader};
use std::path::PathBuf;

/// Where the commands work.
pub struct Context {
    /// The LTS repository folder.
    pub dir: PathBuf,
    cli_manifest: Option<PathBuf>,
    cli_upstream: Option<PathBuf>,
    cli_cache: Option<PathBuf>,
    cli_advisories: Option<PathBuf>,
    cli_statements: Option<PathBuf>,
    cli_go_vulndb: Option<PathBuf>,
    cli_cache_dir: Option<PathBuf>,
    offline: bool,
}

impl Context {
    /// The context of the global `options`; with `-C DIR`, the process moves into DIR first
    /// (as git does), so every relative path of the command line (`--out`,
    /// `--manifests`, patch files) means the same folder `--manifest` does.
    pub fn new(options: &GlobalOptions) -> Result<Self> {
        let dir = match &options.dir {
            Some(d) => enter(d)?,
            None => PathBuf::from("."),
        };
        let rel = |p: &Option<PathBuf>| {
            p.as_ref().map(|p| {
                if p.is_absolute() {
                    p.clone()
                } else {
                    dir.join(p)
                }
            })
        };
        Ok(Context {
            cli_manifest: rel(&options.manifest),
            cli_upstream: rel(&options.upstream),
            cli_cache: rel(&options.patch_cache),
            cli_advisories: rel(&options.advisories),
            cli_statements: rel(&options.statements),
            cli_go_vulndb: rel(&options.go_vulndb),
            cli_cache_dir: options.cache_dir.clone(),
            offline: options.offline,
            dir,
        })
    }

    pub fn manifest(&self) -> Result<Manifest> {
        let path = match &self.cli_manifest {
            Some(p) => p.clone(),
            None => Manifest::find_upward(&self.dir).with_context(|| {
                format!(
                    "no manifest in {} or a folder above it (up to the top of its git repository): expected one of {} (or pass --manifest FILE)",
                    self.dir.display(),
                    MANIFEST_NAMES.join(", ")
                )
            })?,
        };
        Ok(Manifest::load(&path)?)
    }

    pub fn loader(&self, manifest: Option<&Manifest>) -> PatchLoader {
        let cache = self.cli_cache.clone().unwrap_or_else(|| {
            manifest
                .map(|m| m.dir().to_path_buf())
                .unwrap_or_else(|| self.dir.clone())
                .join(DEFAULT_CACHE_DIR)
        });
        let root = manifest
            .map(|m| m.dir().to_path_buf())
            .unwrap_or_else(|| self.dir.clone());
        PatchLoader::new(cache, !self.offline).confined_to(&root)
    }

    /// The advisory folder: `--advisories`, else advisories/ beside the manifest.
    pub fn advisories_dir(&self, manifest: Option<&Manifest>) -> PathBuf {
        self.cli_advisories.clone().unwrap_or_else(|| {
            manifest
                .map(|m| m.dir().to_path_buf())
                .unwrap_or_else(|| self.dir.clone())
                .join(longhaul::security::advisory::store::DEFAULT_DIR)
        })
    }

    /// The statements file: `--statements`, else statements.yml beside the manifest.
    pub fn statements_file(&self, manifest: &Manifest) -> PathBuf {
        self.cli_statements.clone().unwrap_or_else(|| {
            manifest
                .dir()
                .join(longhaul::security::statements::DEFAULT_FILE)
        })
    }

    /// The Go vulnerability database folder: `--go-vulndb`, else
    /// advisories/go-vulndb/ (where `advisories import` stores Go records).
    pub fn go_vulndb_dir(&self, manifest: Option<&Manifest>) -> PathBuf {
        self.cli_go_vulndb.clone().unwrap_or_else(|| {
            self.advisories_dir(manifest)
                .join(longhaul::deps::database::STORE_DIR)
        })
    }

    /// The Go vulnerability database. A folder of the repository (the
    /// default) must stay inside it (a committed link out is refused);
    /// `--go-vulndb DIR` and a folder under `--advisories DIR` outside the
    /// repository are the operator's and read where they are.
    pub fn go_vulndb(
        &self,
        manifest: Option<&Manifest>,
    ) -> anyhow::Result<longhaul::deps::database::Database> {
        let dir = self.go_vulndb_dir(manifest);
        if let Some(m) =
            manifest.filter(|m| self.cli_go_vulndb.is_none() && dir.starts_with(m.dir()))
        {
            longhaul::confine::resolve_inside(m.dir(), &dir)
                .map_err(|e| longhaul::Error::Input(e.to_string()))?;
        }
        longhaul::deps::database::Database::load(&dir)
            .map_err(|e| longhaul::Error::Input(e.to_string()).into())
    }

    /// Manifest, coverage inputs and the matrix for `releases` (all when empty).
    pub fn coverage(
        &self,
        releases: &[String],
    ) -> Result<(
        Manifest,
        Vec<longhaul::security::advisory::Advisory>,
        longhaul::security::coverage::Coverage,
    )> {
        let manifest = self.manifest()?;
        for r in releases {
            manifest.release(r)?;
        }
        // Coverage reads only: never download while computing it.
        let loader = self.offline_loader(&manifest);
        let inputs = longhaul::security::coverage::load_inputs(
            &manifest,
            &self.advisories_dir(Some(&manifest)),
            &self.statements_file(&manifest),
            &loader,
        )?;
        if inputs.advisories.is_empty() {
            bail!(
                "no advisories in {}: import the Kubernetes CVE feed first with `longhaul advisories import PATH|URL`",
                self.advisories_dir(Some(&manifest)).display()
            );
        }
        let coverage = longhaul::security::coverage::coverage(
            &manifest,
            &inputs.advisories,
            &inputs.statements,
            &inputs.links,
            releases,
        )?;
        Ok((manifest, inputs.advisories, coverage))
    }

    /// What the published outputs (notes, site, feed, VEX, OSV) are built
    /// from: the inputs with embargoes in force at `now` applied. Reads only;
    /// missing advisories or statements are said in `missing`, not errors.
    pub fn publication(&self, now: i64) -> Result<longhaul::publish::embargo::Publication> {
        let manifest = self.manifest()?;
        let loader = self.offline_loader(&manifest);
        Ok(longhaul::publish::embargo::Publication::load(
            &manifest,
            &self.advisories_dir(Some(&manifest)),
            &self.statements_file(&manifest),
            &loader,
            now,
        )?)
    }

    /// The publication now, and its coverage matrix, for the outputs that
    /// need advisories (VEX, OSV). `release`, when given, must be published.
    pub fn published_coverage(
        &self,
        release: Option<&str>,
    ) -> Result<(
        longhaul::publish::embargo::Publication,
        longhaul::security::coverage::Coverage,
    )> {
        let publication = self.publication(longhaul::time::reproducible_now()?)?;
        if let Some(r) = release {
            if let Some(why) = publication.withheld_release(r) {
                bail!("{why}");
            }
            publication.manifest.release(r)?;
        }
        let Some(mut coverage) = publication.coverage.clone() else {
            bail!(
                "no advisories in {}: import the Kubernetes CVE feed first with `longhaul advisories import PATH|URL`",
                self.advisories_dir(Some(&publication.manifest)).display()
            );
        };
        // An intermediate release is not a column of the shipped matrix.
        if let Some(r) = release
            && !coverage.releases.iter().any(|x| x == r)
        {
            coverage = longhaul::security::coverage::coverage(
                &publication.manifest,
                &publication.advisories,
                &publication.statements,
                &publication.links,
                &[r.to_string()],
            )?;
        }
        Ok((publication, coverage))
    }

    /// The folder of the check result cache: `--cache-dir` (or
    /// `LONGHAUL_CACHE_DIR`), else the user's cache folder; `None` when there
    /// is none (checks then run without a cache).
    pub fn check_cache_dir(&self) -> Option<PathBuf> {
        self.cli_cache_dir
            .clone()
            .or_else(longhaul::checks::cache::default_dir)
    }

    /// A patch loader that never downloads (for commands that only read).
    pub fn offline_loader(&self, manifest: &Manifest) -> PatchLoader {
        PatchLoader::new(self.loader(Some(manifest)).cache_dir().to_path_buf(), false)
            .confined_to(manifest.dir())
    }

    /// `--timestamp`, else `SOURCE_DATE_EPOCH`, else now, as RFC 3339.
    pub fn timestamp(given: Option<&str>) -> Result<String> {
        if let Some(t) = given {
            return Ok(t.to_string());
        }
        Ok(longhaul::time::rfc3339(longhaul::time::reproducible_now()?))
    }

    /// The upstream repository path: `--upstream`, else the manifest's `upstream:`.
    pub fn upstream_path(&self, manifest: Option<&Manifest>) -> Result<PathBuf> {
        if let Some(p) = &self.cli_upstream {
            return Ok(p.clone());
        }
        if let Some(m) = manifest
            && let Some(u) = longhaul::release::upstream::from_manifest(m)?
        {
            return Ok(u);
        }
        match manifest {
            Some(m) => bail!(
                "no upstream repository: pass --upstream REPO or add `upstream: PATH` to {}",
                m.path.display()
            ),
            None => Ok(self.dir.clone()),
        }
    }

    pub fn upstream(
        &self,
        manifest: Option<&Manifest>,
    ) -> Result<longhaul::gix::ThreadSafeRepository> {
        Ok(longhaul::repo::open(&self.upstream_path(manifest)?)?)
    }
}

/// Move into `-C DIR`: its canonical path, or an error naming it when it
/// is no folder.
fn enter(dir: &std::path::Path) -> Result<PathBuf> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("-C {}: not a folder", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("-C {}: no such folder", dir.display())
        }
        Err(e) => bail!("-C {}: {e}", dir.display()),
    }
    let abs = std::fs::canonicalize(dir).with_context(|| format!("-C {}", dir.display()))?;
    std::env::set_current_dir(&abs).with_context(|| format!("-C {}", dir.display()))?;
    Ok(abs)
}

/// The releases a command runs on: every release with `all`, the named ones
/// (each must exist), or by default the `must: true` ones. `verb` says what the
/// command does, for the error when there is none.
pub fn select_releases(
    manifest: &Manifest,
    names: &[String],
    all: bool,
    verb: &str,
) -> Result<Vec<String>> {
    let selected: Vec<String> = if all {
        manifest.releases.iter().map(|r| r.name.clone()).collect()
    } else if names.is_empty() {
        manifest
            .must_releases()
            .iter()
            .map(|r| r.name.clone())
            .collect()
    } else {
        for n in names {
            manifest.release(n)?;
        }
        names.to_vec()
    };
    if selected.is_empty() {
        bail!(
            "{}: no release has `must: true`; name releases to {verb} or pass --all",
            manifest.path.display()
        );
    }
    Ok(selected)
}

/// The workflows of `longhaul::maintain` read the repository through the
/// front end: the CLI's manifest, upstream, patches and check cache.
impl longhaul::maintain::Inputs for Context {
    fn manifest(&self) -> Result<Manifest, longhaul::maintain::BoxError> {
        Ok(Context::manifest(self)?)
    }
    fn upstream(
        &self,
        manifest: &Manifest,
    ) -> Result<longhaul::gix::ThreadSafeRepository, longhaul::maintain::BoxError> {
        Ok(Context::upstream(self, Some(manifest))?)
    }
    fn loader(&self, manifest: &Manifest) -> PatchLoader {
        Context::loader(self, Some(manifest))
    }
    fn check_cache_dir(&self) -> Option<PathBuf> {
        Context::check_cache_dir(self)
    }
}
