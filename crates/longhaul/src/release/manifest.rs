//! The LTS release manifest: KLTS's `releases.yml` format, read unchanged.
//!
//! ```yaml
//! base: https://github.com/kubernetes/kubernetes   # upstream repository URL
//! upstream: ../kubernetes                          # longhaul: local clone (optional)
//! product: pkg:github/example/kubernetes-lts        # longhaul: purl for VEX/OSV (optional)
//! releases:
//!   - name: v1.20.15-lts.3
//!     base_release: v1.20.15-ci      # an upstream tag, or another release
//!     must: true                     # verified by default
//!     patches: [nokmem.1.20]
//!     test_failures_tolerated: [k8s.io/kubernetes/pkg/util/oom]
//! patches:
//!   - name: nokmem.1.20
//!     patch: [patches/nokmem.1.20.patch]   # paths relative to the manifest, or URLs
//!     cves: [CVE-2021-25741]               # longhaul: CVEs this patch fixes (optional)
//!     note: why this patch exists          # longhaul (optional)
//! ```
//!
//! A name a release uses but `patches:` does not define resolves to
//! `patches/<name>.patch` when that file exists. Unknown fields are kept in
//! `extra`, never rejected.

use crate::error::{Error, Result};
use crate::time::Date;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// File names looked for when no `--manifest` is given, in order.
pub const MANIFEST_NAMES: &[&str] = &["longhaul.yml", "releases.yml"];

/// A parsed manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Upstream repository URL (`base:`).
    pub base: Option<String>,
    /// Local upstream clone (`upstream:`), relative to the manifest; read it
    /// through [`crate::release::upstream::from_manifest`], which refuses one
    /// inside the LTS repository.
    pub upstream: Option<PathBuf>,
    /// Line of `upstream:` (0 when absent).
    pub upstream_line: usize,
    /// Line of `base:` (0 when absent).
    pub base_line: usize,
    /// Package URL of the LTS product, without version (`product:`), for VEX and OSV output.
    pub product: Option<String>,
    /// OSV package names the distribution ships (`scope:`); `None` means the default scope.
    pub scope: Option<Vec<String>>,
    /// Releases in file order.
    pub releases: Vec<Release>,
    /// Patch definitions in file order.
    pub patches: Vec<PatchDef>,
    /// The `checks:` map (longhaul's), as written; `None` when absent. Read
    /// and validated by `checks::config`.
    pub checks: Option<Vec<CheckEntry>>,
    /// `lifecycle:` (longhaul's): the LTS support policy, and dates that
    /// override the built-in upstream data.
    pub lifecycle: LifecyclePolicy,
    /// `binaries:` (longhaul's): the folders of the release's `main` packages
    /// whose import closure `deps` follows (`FOLDER/...`: every one below);
    /// `None`: those directly under `cmd/`.
    pub binaries: Option<Vec<Located>>,
    /// `feed: max_age_days:` (longhaul's): days after which an imported
    /// feed is stale (`None`: [`crate::security::freshness::DEFAULT_MAX_AGE_DAYS`]).
    pub feed_max_age_days: Option<u32>,
    /// Unknown top-level fields.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `lifecycle:`: how long the LTS lines live, and per-line dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecyclePolicy {
    /// `lts_years:`: LTS end of life is upstream end of life plus this many
    /// years (`None`: the default, three, KLTS's promise).
    pub lts_years: Option<u32>,
    /// `lines:`: per minor (`"1.20"`), dates that replace or add to the
    /// built-in upstream table, and an explicit LTS end of life.
    pub lines: BTreeMap<String, LineDates>,
}

/// One line's dates as a manifest states them; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDates {
    /// Upstream x.y.0 release day.
    pub released: Option<Date>,
    /// Upstream end of life.
    pub end_of_life: Option<Date>,
    /// The last upstream patch version (`1.20.15`).
    pub last_patch: Option<String>,
    /// This line's LTS end of life (instead of upstream end of life plus `lts_years`).
    pub lts_end_of_life: Option<Date>,
}

/// `embargo_until:` on a patch or statement: kept out of everything published
/// until this time; `verify`, `check` and `build` use it as usual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embargo {
    /// Seconds since the epoch.
    pub until: i64,
    /// The time as written (RFC 3339).
    pub text: String,
    /// Line of `embargo_until:`.
    pub line: usize,
}

impl Embargo {
    /// Read an `embargo_until:` value; the error says what was expected.
    pub fn parse(value: &Spanned<String>) -> std::result::Result<Embargo, (usize, String)> {
        let line = value.referenced.line() as usize;
        let text = value.value.trim().to_string();
        match crate::time::parse_rfc3339(&text) {
            Some(until) => Ok(Embargo { until, text, line }),
            None => Err((
                line,
                format!(
                    "`embargo_until: {text}` is not a time: expected RFC 3339 with a zone, such as 2026-12-01T09:00:00Z"
                ),
            )),
        }
    }

    /// Still in force at `now` (seconds since the epoch).
    pub fn active(&self, now: i64) -> bool {
        now < self.until
    }
}

/// One `checks:` entry as written: `name: {run: …, parser: …, retries: N,
/// tolerated: …, packages: …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckEntry {
    /// The check's name (the map key).
    pub name: String,
    /// The command line, with placeholders.
    pub run: Located,
    /// How its output is read.
    pub parser: Option<Located>,
    /// How many times a failing check is run again.
    pub retries: Option<u32>,
    /// Which tolerated list of the release applies.
    pub tolerated: Option<Located>,
    /// Which packages `{packages}` names.
    pub packages: Option<Located>,
    /// A command run once in the release's folder before the check (code
    /// generation, say).
    pub setup: Option<Located>,
}

/// A string with the 1-based line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The value.
    pub value: String,
    /// 1-based line in the manifest.
    pub line: usize,
}

/// One LTS release: a base plus an ordered patch list.
#[derive(Debug, Clone)]
pub struct Release {
    /// Release name, also the tag `build` writes (`v1.20.15-lts.3`).
    pub name: String,
    /// An upstream tag or the name of another release.
    pub base_release: Located,
    /// Verified by default.
    pub must: bool,
    /// Patch names, in order.
    pub patches: Vec<Located>,
    /// Go packages whose unit-test failures are tolerated.
    pub test_failures_tolerated: Vec<String>,
    /// Go packages whose integration-test failures are tolerated.
    pub test_integration_failures_tolerated: Vec<String>,
    /// longhaul's `intermediate:`: whether the release is only a base for
    /// others, never shipped (see [`Manifest::shipped_releases`]); `None` when
    /// the manifest does not say.
    pub intermediate: Option<bool>,
    /// Line of `name:`.
    pub line: usize,
    /// Unknown fields.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A named patch: one or more files or URLs applied in order.
#[derive(Debug, Clone)]
pub struct PatchDef {
    /// Patch name as releases refer to it.
    pub name: String,
    /// Items: paths relative to the manifest, or URLs.
    pub items: Vec<Located>,
    /// CVE ids this patch fixes, as stated by the maintainers.
    pub cves: Vec<String>,
    /// Free-text note.
    pub note: Option<String>,
    /// longhaul's `reason:`: why a patch that links no CVE is carried.
    pub reason: Option<Reason>,
    /// Line of `name:`; 0 for a patch found only as `patches/<name>.patch`.
    pub line: usize,
    /// longhaul's `embargo_until:`: not published before this time.
    pub embargo: Option<Embargo>,
    /// Unknown fields.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Why a patch is carried, for the backport policy ("No CVE? No backport!":
/// security, regression and data-loss fixes only, plus what building and
/// testing the release needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A security fix (normally also linked to a CVE with `cves:`).
    Security,
    /// A fix for a regression.
    Regression,
    /// A fix against data loss.
    DataLoss,
    /// Needed to build the release.
    Build,
    /// Needed to test the release.
    Test,
}

impl Reason {
    /// Every reason, in documentation order.
    pub const ALL: [Reason; 5] = [
        Reason::Security,
        Reason::Regression,
        Reason::DataLoss,
        Reason::Build,
        Reason::Test,
    ];

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Security => "security",
            Reason::Regression => "regression",
            Reason::DataLoss => "data-loss",
            Reason::Build => "build",
            Reason::Test => "test",
        }
    }

    /// Parse the manifest spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Where a patch item comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PatchSource {
    /// A local file.
    File(PathBuf),
    /// An upstream URL, looked up in the patch cache.
    Url(String),
}

impl PatchSource {
    /// Display form.
    pub fn display(&self) -> String {
        match self {
            PatchSource::File(p) => p.display().to_string(),
            PatchSource::Url(u) => u.clone(),
        }
    }
}

#[derive(Deserialize)]
struct RawManifest {
    base: Option<Spanned<String>>,
    upstream: Option<Spanned<String>>,
    product: Option<Spanned<String>>,
    scope: Option<Vec<String>>,
    #[serde(default)]
    releases: Option<Vec<RawRelease>>,
    #[serde(default)]
    patches: Option<Vec<RawPatch>>,
    #[serde(default)]
    checks: Option<BTreeMap<String, RawCheck>>,
    #[serde(default)]
    lifecycle: Option<RawLifecycle>,
    #[serde(default)]
    binaries: Option<Vec<Spanned<String>>>,
    feed: Option<RawFeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    max_age_days: Option<Spanned<u64>>,
}

/// The longest `feed: max_age_days:` a manifest may state (ten years).
pub const MAX_FEED_AGE_DAYS: u32 = 3650;

/// `feed: max_age_days:`, checked: 1 to [`MAX_FEED_AGE_DAYS`].
fn feed_max_age(raw: Option<&RawFeed>) -> std::result::Result<Option<u32>, (usize, String)> {
    let Some(days) = raw.and_then(|f| f.max_age_days.as_ref()) else {
        return Ok(None);
    };
    match u32::try_from(days.value) {
        Ok(d) if (1..=MAX_FEED_AGE_DAYS).contains(&d) => Ok(Some(d)),
        _ => Err((
            days.referenced.line() as usize,
            format!(
                "`max_age_days: {}` is not a feed age: expected a number of days from 1 to {MAX_FEED_AGE_DAYS}",
                days.value
            ),
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLifecycle {
    lts_years: Option<Spanned<u64>>,
    #[serde(default)]
    lines: BTreeMap<String, LineDates>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    run: Spanned<String>,
    parser: Option<Spanned<String>>,
    retries: Option<u32>,
    tolerated: Option<Spanned<String>>,
    packages: Option<Spanned<String>>,
    setup: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawRelease {
    name: Spanned<String>,
    base_release: Option<Spanned<String>>,
    #[serde(default)]
    must: Option<bool>,
    #[serde(default)]
    patches: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    test_failures_tolerated: Option<Vec<String>>,
    #[serde(default)]
    test_integration_failures_tolerated: Option<Vec<String>>,
    #[serde(default)]
    intermediate: Option<bool>,
}

#[derive(Deserialize)]
struct RawPatch {
    name: Spanned<String>,
    #[serde(default)]
    patch: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    cves: Option<Vec<String>>,
    note: Option<String>,
    reason: Option<Spanned<String>>,
    embargo_until: Option<Spanned<String>>,
}

const RELEASE_FIELDS: &[&str] = &[
    "name",
    "base_release",
    "must",
    "patches",
    "test_failures_tolerated",
    "test_integration_failures_tolerated",
    "intermediate",
];
const PATCH_FIELDS: &[&str] = &["name", "patch", "cves", "note", "reason", "embargo_until"];
const TOP_FIELDS: &[&str] = &[
    "base",
    "upstream",
    "product",
    "scope",
    "releases",
    "patches",
    "checks",
    "lifecycle",
    "binaries",
    "feed",
];

fn located(s: &Spanned<String>) -> Located {
    Located {
        value: s.value.trim().to_string(),
        line: s.referenced.line() as usize,
    }
}

fn extras(
    value: Option<&serde_json::Value>,
    known: &[&str],
) -> BTreeMap<String, serde_json::Value> {
    value
        .and_then(|v| v.as_object())
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The line of a top-level `apiVersion:` when `text` reads as Kubernetes
/// objects (`apiVersion:` and `kind:` at the top level of its first document,
/// or several documents): the user passed a deployment file as the manifest.
fn kubernetes_object(text: &str) -> Option<usize> {
    let mut api = None;
    let mut kind = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") && (api.is_some() || kind) {
            break;
        }
        if line.starts_with("apiVersion:") {
            api.get_or_insert(i + 1);
        }
        kind |= line.starts_with("kind:");
        if line.starts_with("releases:") {
            return None;
        }
    }
    api.filter(|_| kind)
}

/// A manifest error at `line` of `path`.
fn manifest_error(path: &Path, line: usize, message: String) -> Error {
    Error::Manifest {
        file: path.to_path_buf(),
        line,
        message,
    }
}

/// The typed read of the manifest text, refusing Kubernetes object files and
/// saying in the file's terms what is not valid YAML for a manifest.
fn read_raw(text: &str, path: &Path) -> Result<RawManifest> {
    if let Some(line) = kubernetes_object(text) {
        return Err(manifest_error(
            path,
            line,
            "this is a Kubernetes object file (apiVersion and kind), not an LTS manifest: did you mean --manifests (the objects `upgrade-path` checks)? The manifest lists `releases:` and `patches:` as KLTS's releases.yml does".into(),
        ));
    }
    serde_saphyr::from_str(text).map_err(|e| {
        let (line, first) = yaml_error(&e);
        // serde-saphyr's advice names its own API; say what is wrong in the file.
        let first = if first.contains("from_str_multiple") {
            "it holds several YAML documents (separated by `---`); a manifest is one".to_string()
        } else {
            first
        };
        manifest_error(
            path,
            line,
            format!("not a valid release manifest: {first} (expected `releases:` and `patches:` lists as in KLTS's releases.yml)"),
        )
    })
}

/// The `releases:` entries; `generic` is the untyped list, for unknown fields.
fn releases(
    raw: Vec<RawRelease>,
    generic: Option<&serde_json::Value>,
    path: &Path,
) -> Result<Vec<Release>> {
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| release(r, generic.and_then(|v| v.get(i)), path))
        .collect()
}

/// One `releases:` entry; it must name its `base_release:`.
fn release(r: RawRelease, generic: Option<&serde_json::Value>, path: &Path) -> Result<Release> {
    let name = located(&r.name);
    let base_release = r.base_release.as_ref().map(located).ok_or_else(|| {
        manifest_error(
            path,
            name.line,
            format!(
                "release `{}` has no `base_release:` (expected an upstream tag or a release name)",
                name.value
            ),
        )
    })?;
    Ok(Release {
        name: name.value,
        base_release,
        must: r.must.unwrap_or(false),
        patches: r.patches.unwrap_or_default().iter().map(located).collect(),
        test_failures_tolerated: r.test_failures_tolerated.unwrap_or_default(),
        test_integration_failures_tolerated: r
            .test_integration_failures_tolerated
            .unwrap_or_default(),
        intermediate: r.intermediate,
        line: name.line,
        extra: extras(generic, RELEASE_FIELDS),
    })
}

/// The `patches:` entries; `generic` is the untyped list, for unknown fields.
fn patch_defs(
    raw: Vec<RawPatch>,
    generic: Option<&serde_json::Value>,
    path: &Path,
) -> Result<Vec<PatchDef>> {
    raw.into_iter()
        .enumerate()
        .map(|(i, p)| patch_def(p, generic.and_then(|v| v.get(i)), path))
        .collect()
}

/// One `patches:` entry, with its reason and embargo checked.
fn patch_def(p: RawPatch, generic: Option<&serde_json::Value>, path: &Path) -> Result<PatchDef> {
    let name = located(&p.name);
    let reason = match &p.reason {
        None => None,
        Some(r) => Some(patch_reason(&name.value, r, path)?),
    };
    let embargo = match &p.embargo_until {
        None => None,
        Some(v) => Some(Embargo::parse(v).map_err(|(line, m)| {
            manifest_error(path, line, format!("patch `{}`: {m}", name.value))
        })?),
    };
    Ok(PatchDef {
        name: name.value,
        items: p.patch.unwrap_or_default().iter().map(located).collect(),
        cves: p.cves.unwrap_or_default(),
        note: p.note,
        reason,
        line: name.line,
        embargo,
        extra: extras(generic, PATCH_FIELDS),
    })
}

/// A patch's `reason:`, one of the backport policy's [`Reason`]s.
fn patch_reason(patch: &str, r: &Spanned<String>, path: &Path) -> Result<Reason> {
    Reason::parse(r.value.trim()).ok_or_else(|| {
        manifest_error(
            path,
            r.referenced.line() as usize,
            format!(
                "patch `{}` has `reason: {}`: expected one of {} (the backport policy: security, regression and data-loss fixes, plus what building and testing need)",
                patch,
                r.value.trim(),
                Reason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// `lifecycle: lts_years:`, checked: 0 to [`MAX_LTS_YEARS`].
fn lts_years(lifecycle: Option<&RawLifecycle>, path: &Path) -> Result<Option<u32>> {
    match lifecycle.and_then(|l| l.lts_years.as_ref()) {
        Some(y) if y.value > MAX_LTS_YEARS as u64 => Err(manifest_error(
            path,
            y.referenced.line() as usize,
            format!(
                "`lts_years: {}` is not a support period: expected a number of years from 0 to {MAX_LTS_YEARS}",
                y.value
            ),
        )),
        Some(y) => Ok(Some(y.value as u32)),
        None => Ok(None),
    }
}

/// The `checks:` map as entries, in name order.
fn check_entries(checks: BTreeMap<String, RawCheck>) -> Vec<CheckEntry> {
    checks
        .into_iter()
        .map(|(name, c)| CheckEntry {
            name,
            run: located(&c.run),
            parser: c.parser.as_ref().map(located),
            retries: c.retries,
            tolerated: c.tolerated.as_ref().map(located),
            packages: c.packages.as_ref().map(located),
            setup: c.setup.as_ref().map(located),
        })
        .collect()
}

impl Manifest {
    /// Find the manifest in `dir` (see [`MANIFEST_NAMES`]).
    pub fn find(dir: &Path) -> Option<PathBuf> {
        MANIFEST_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    }

    /// Find the manifest in `start` or the nearest folder above it, as git
    /// finds `.git`: the search stops at the top of the git repository
    /// `start` is in (the folder holding `.git`), or at the root.
    /// A relative `start` gives a relative path (`../releases.yml`).
    pub fn find_upward(start: &Path) -> Option<PathBuf> {
        let absolute = std::path::absolute(start).ok()?;
        let mut shown = start.to_path_buf();
        for dir in absolute.ancestors() {
            let here = if start.is_absolute() {
                dir.to_path_buf()
            } else {
                shown.clone()
            };
            if let Some(found) = Self::find(&here) {
                return Some(found);
            }
            if dir.join(".git").exists() {
                return None;
            }
            shown = if shown == Path::new(".") {
                PathBuf::from("..")
            } else {
                shown.join("..")
            };
        }
        None
    }

    /// Read and parse the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::fs::read_text(path)?;
        Self::parse(&text, path)
    }

    /// Parse manifest text; `path` is used for messages and relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let err = |line: usize, message: String| manifest_error(path, line, message);
        let raw = read_raw(text, path)?;
        // A second, untyped read keeps the fields longhaul does not know.
        let generic: serde_json::Value =
            serde_saphyr::from_str(text).unwrap_or(serde_json::Value::Null);
        let raw_releases = raw
            .releases
            .ok_or_else(|| err(1, "no `releases:` list".into()))?;
        let releases = releases(raw_releases, generic.get("releases"), path)?;
        let patches = patch_defs(
            raw.patches.unwrap_or_default(),
            generic.get("patches"),
            path,
        )?;
        let lts_years = lts_years(raw.lifecycle.as_ref(), path)?;
        if let Some(p) = &raw.product {
            check_product(&p.value).map_err(|m| err(p.referenced.line() as usize, m))?;
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            base_line: raw
                .base
                .as_ref()
                .map_or(0, |b| b.referenced.line() as usize),
            upstream_line: raw
                .upstream
                .as_ref()
                .map_or(0, |u| u.referenced.line() as usize),
            base: raw.base.map(|b| b.value),
            upstream: raw.upstream.map(|u| PathBuf::from(u.value)),
            product: raw.product.map(|p| p.value),
            scope: raw.scope,
            releases,
            patches,
            checks: raw.checks.map(check_entries),
            feed_max_age_days: feed_max_age(raw.feed.as_ref()).map_err(|(l, m)| err(l, m))?,
            lifecycle: raw
                .lifecycle
                .map(|l| LifecyclePolicy {
                    lts_years,
                    lines: l.lines,
                })
                .unwrap_or_default(),
            binaries: raw.binaries.map(|b| b.iter().map(located).collect()),
            extra: extras(Some(&generic), TOP_FIELDS),
        })
    }

    /// The folder relative paths are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The release called `name`.
    pub fn release(&self, name: &str) -> Result<&Release> {
        self.releases
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| {
                let mut close: Vec<&str> = self
                    .releases
                    .iter()
                    .map(|r| r.name.as_str())
                    .filter(|n| n.starts_with(name.get(..name.len().min(5)).unwrap_or(name)))
                    .take(3)
                    .collect();
                close.sort();
                Error::UnknownRelease {
                    file: self.path.clone(),
                    name: name.to_string(),
                    hint: if close.is_empty() {
                        String::from(" (run `longhaul releases` to list them)")
                    } else {
                        format!(" (did you mean {}?)", close.join(", "))
                    },
                }
            })
    }

    /// The releases from the bottom of `name`'s chain up to `name` itself.
    /// Linear in the chain's length (after one pass to index the names).
    pub fn chain(&self, name: &str) -> Result<Vec<&Release>> {
        let by_name: HashMap<&str, &Release> =
            self.releases.iter().map(|r| (r.name.as_str(), r)).collect();
        let mut chain = vec![self.release(name)?];
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        seen.insert(chain[0].name.as_str());
        loop {
            let last = *chain.last().expect("non-empty");
            match by_name.get(last.base_release.value.as_str()) {
                Some(next) => {
                    if !seen.insert(next.name.as_str()) {
                        return Err(Error::Manifest {
                            file: self.path.clone(),
                            line: last.base_release.line,
                            message: format!(
                                "release chain of `{name}` is a cycle: {} -> {}",
                                chain
                                    .iter()
                                    .map(|r| r.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" -> "),
                                next.name
                            ),
                        });
                    }
                    chain.push(next);
                }
                None => break,
            }
        }
        chain.reverse();
        Ok(chain)
    }

    /// For every release (in file order), the cycle its chain runs into, as
    /// `a -> b -> a`, or `None` when the chain reaches an upstream tag. One pass
    /// over all releases: each is visited once (linear, however long the chains).
    pub fn chain_cycles(&self) -> Vec<Option<std::rc::Rc<str>>> {
        let by_name: HashMap<&str, usize> = self
            .releases
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i))
            .collect();
        // The release a chain continues with: the last one of that name, as in `chain`.
        let next: Vec<Option<usize>> = self
            .releases
            .iter()
            .map(|r| by_name.get(r.base_release.value.as_str()).copied())
            .collect();
        enum State {
            New,
            OnPath,
            Done(Option<std::rc::Rc<str>>),
        }
        let mut state: Vec<State> = self.releases.iter().map(|_| State::New).collect();
        for start in 0..self.releases.len() {
            let mut path = Vec::new();
            let mut at = Some(start);
            let outcome = loop {
                let Some(i) = at else { break None };
                match &state[i] {
                    State::Done(result) => break result.clone(),
                    State::OnPath => {
                        // The cycle is the part of the path from `i` on.
                        let from = path.iter().position(|&p| p == i).expect("on path");
                        let names: Vec<&str> = path[from..]
                            .iter()
                            .chain(std::iter::once(&i))
                            .map(|&p| self.releases[p].name.as_str())
                            .collect();
                        break Some(std::rc::Rc::from(names.join(" -> ")));
                    }
                    State::New => {
                        state[i] = State::OnPath;
                        path.push(i);
                        at = next[i];
                    }
                }
            };
            for p in path {
                state[p] = State::Done(outcome.clone());
            }
        }
        state
            .into_iter()
            .map(|s| match s {
                State::Done(result) => result,
                _ => None,
            })
            .collect()
    }

    /// The upstream tag at the bottom of `name`'s chain.
    pub fn base_tag(&self, name: &str) -> Result<String> {
        Ok(self.chain(name)?[0].base_release.value.clone())
    }

    /// Every patch name applied to build `name`, base of the chain first.
    pub fn full_patch_list(&self, name: &str) -> Result<Vec<&Located>> {
        Ok(self
            .chain(name)?
            .iter()
            .flat_map(|r| r.patches.iter())
            .collect())
    }

    /// The definition of patch `name`, falling back to `patches/<name>.patch`.
    pub fn patch(&self, name: &str) -> Option<PatchDef> {
        if let Some(p) = self.patches.iter().find(|p| p.name == name) {
            return Some(p.clone());
        }
        let rel = format!("patches/{name}.patch");
        // Anything at that path counts (a FIFO, a device, a dangling symlink): reading
        // it then says why it cannot be used, instead of "no such patch".
        let present = self.dir().join(&rel).symlink_metadata().is_ok();
        present.then(|| PatchDef {
            name: name.to_string(),
            items: vec![Located {
                value: rel,
                line: 0,
            }],
            cves: Vec::new(),
            note: None,
            reason: None,
            line: 0,
            embargo: None,
            extra: BTreeMap::new(),
        })
    }

    /// Resolve `name` to its sources, or an error at `used_at`.
    pub fn patch_sources(&self, name: &str, used_at: usize) -> Result<Vec<PatchSource>> {
        let def = self.patch(name).ok_or_else(|| Error::Manifest {
            file: self.path.clone(),
            line: used_at,
            message: format!(
                "patch `{name}` is not defined under `patches:` and there is no file patches/{name}.patch"
            ),
        })?;
        def.items
            .iter()
            .map(|i| {
                let source = self.source(&i.value);
                if matches!(source, PatchSource::File(_)) && !is_inside(&i.value) {
                    return Err(Error::Manifest {
                        file: self.path.clone(),
                        line: if i.line == 0 { used_at } else { i.line },
                        message: format!(
                            "patch item `{}` of `{name}` is outside the LTS repository: expected a path relative to the manifest's folder, without `..` (or an http(s) URL)",
                            i.value
                        ),
                    });
                }
                Ok(source)
            })
            .collect()
    }

    /// Classify a patch item.
    pub fn source(&self, item: &str) -> PatchSource {
        if item.starts_with("https://") || item.starts_with("http://") {
            PatchSource::Url(item.to_string())
        } else {
            PatchSource::File(self.dir().join(item))
        }
    }

    /// The releases users get, in file order: every release that is not an
    /// intermediate base (KLTS's `vX.Y.Z-ci` entries). A release's
    /// `intermediate:` decides when given; otherwise a release is intermediate
    /// when another release uses it as `base_release` and it is not
    /// `must: true` (no user-facing tag is cut from it).
    pub fn shipped_releases(&self) -> Vec<&Release> {
        let bases: std::collections::HashSet<&str> = self
            .releases
            .iter()
            .map(|r| r.base_release.value.as_str())
            .collect();
        self.releases
            .iter()
            .filter(|r| {
                !r.intermediate
                    .unwrap_or_else(|| !r.must && bases.contains(r.name.as_str()))
            })
            .collect()
    }

    /// Releases to verify by default: those with `must: true`.
    pub fn must_releases(&self) -> Vec<&Release> {
        self.releases.iter().filter(|r| r.must).collect()
    }
}

/// The longest LTS support period `lifecycle: lts_years:` may state.
pub const MAX_LTS_YEARS: u32 = 30;

/// `product:` must be a package URL without a version (releases supply it).
fn check_product(product: &str) -> std::result::Result<(), String> {
    match product.parse::<packageurl::PackageUrl>() {
        Ok(p) if p.version().is_none() => Ok(()),
        Ok(_) => Err(format!(
            "`product: {product}` has a version: expected a package URL without `@version` (each release adds its own)"
        )),
        Err(e) => Err(format!(
            "`product: {product}` is not a package URL ({e}): expected something like pkg:github/example/kubernetes-lts"
        )),
    }
}

/// A relative path that stays below its folder: no root, no `..`.
pub(crate) fn is_inside(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
}

/// The line and first message line of a YAML error (without its `error:` prefix).
pub(crate) fn yaml_error(e: &serde_saphyr::Error) -> (usize, String) {
    let line = e.location().map(|l| l.line() as usize).unwrap_or(0);
    let msg = e.to_string();
    let first = msg.lines().next().unwrap_or("");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    (line, without_library_advice(first))
}

/// serde-saphyr's advice is for programmers (`set DuplicateKeyPolicy in
/// Options`); a user needs to hear what is wrong in the file.
fn without_library_advice(message: &str) -> String {
    match message.split_once(", set DuplicateKeyPolicy in Options") {
        Some((head, _)) => {
            let key = head.strip_prefix("duplicate mapping key: ").unwrap_or("");
            if key.is_empty() {
                "a key appears twice in one mapping (each key may appear once)".into()
            } else {
                format!("key `{key}` appears twice in one mapping (each key may appear once)")
            }
        }
        None => message.to_string(),
    }
}

/// The `X.Y.Z` a release or tag name starts with.
///
/// ```
/// use longhaul::release::manifest::version_of;
/// assert_eq!(version_of("v1.20.15-lts.3").as_deref(), Some("1.20.15"));
/// assert_eq!(version_of("release-1.18"), None);
/// ```
pub fn version_of(name: &str) -> Option<String> {
    let rest = name.strip_prefix('v').unwrap_or(name);
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let v = rest[..end].trim_end_matches('.');
    (v.split('.').count() == 3 && v.split('.').all(|p| !p.is_empty())).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Intermediate bases (KLTS's `-ci` entries) are not shipped; `must: true`
    /// and `intermediate:` decide as documented.
    #[test]
    fn shipped_releases_leave_out_intermediate_bases() {
        let text = "releases:\n  - {name: v1.0.0-ci, base_release: v1.0.0}\n  - {name: v1.0.0-lts.1, base_release: v1.0.0-ci, must: true}\n  - {name: v1.0.0-lts.2, base_release: v1.0.0-lts.1, must: true}\n  - {name: v1.1.0-base, base_release: v1.1.0, intermediate: false}\n  - {name: v1.1.0-lts.1, base_release: v1.1.0-base}\n  - {name: v1.2.0-x, base_release: v1.2.0, intermediate: true}\n";
        let m = Manifest::parse(text, Path::new("releases.yml")).unwrap();
        let shipped: Vec<&str> = m
            .shipped_releases()
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            shipped,
            [
                "v1.0.0-lts.1",
                "v1.0.0-lts.2",
                "v1.1.0-base",
                "v1.1.0-lts.1"
            ]
        );
    }

    /// `chain_cycles` (one linear pass) agrees with `chain` (one release at a
    /// time) on chains that end at a tag, that are a cycle, and that run into one.
    #[test]
    fn chain_cycles_agree_with_chain() {
        let text = "releases:\n  - {name: a, base_release: v1.0.0}\n  - {name: b, base_release: a}\n  - {name: c, base_release: d}\n  - {name: d, base_release: e}\n  - {name: e, base_release: c}\n  - {name: f, base_release: c}\n  - {name: g, base_release: f}\n  - {name: h, base_release: h}\n";
        let m = Manifest::parse(text, Path::new("releases.yml")).unwrap();
        let cycles = m.chain_cycles();
        for (r, cycle) in m.releases.iter().zip(&cycles) {
            assert_eq!(m.chain(&r.name).is_err(), cycle.is_some(), "{}", r.name);
        }
        assert_eq!(cycles[0], None);
        assert_eq!(cycles[6].as_deref(), Some("c -> d -> e -> c"));
        assert_eq!(cycles[7].as_deref(), Some("h -> h"));
    }

    const SAMPLE: &str = "base: https://example.org/k\nreleases:\n  - name: v1.2.3-lts.1\n    base_release: v1.2.3-ci\n    must: true\n    patches: [b]\n    owner: team-a\n  - name: v1.2.3-ci\n    base_release: v1.2.3\n    patches:\n      - a\npatches:\n  - name: a\n    patch: [patches/a.patch]\n    cves: [CVE-2021-1]\n  - name: b\n    patch:\n      - https://example.org/b.patch\n";

    #[test]
    fn chains_resolve_base_first() {
        let m = Manifest::parse(SAMPLE, Path::new("/nonexistent/releases.yml")).unwrap();
        let chain: Vec<_> = m
            .chain("v1.2.3-lts.1")
            .unwrap()
            .iter()
            .map(|r| r.name.clone())
            .collect();
        assert_eq!(chain, ["v1.2.3-ci", "v1.2.3-lts.1"]);
        assert_eq!(m.base_tag("v1.2.3-lts.1").unwrap(), "v1.2.3");
        let names: Vec<_> = m
            .full_patch_list("v1.2.3-lts.1")
            .unwrap()
            .iter()
            .map(|l| l.value.clone())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(m.releases[0].extra["owner"], serde_json::json!("team-a"));
        assert_eq!(m.releases[1].patches[0].line, 11);
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let err = Manifest::parse("releases:\n  - name: [x\n", Path::new("m.yml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("m.yml:"), "{msg}");
    }

    #[test]
    fn versions_of_names() {
        assert_eq!(version_of("v1.20.15-lts.3").as_deref(), Some("1.20.15"));
        assert_eq!(version_of("v1.20.15").as_deref(), Some("1.20.15"));
        assert_eq!(version_of("release-1.18"), None);
    }
}
