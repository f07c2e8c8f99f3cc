//! CVE coverage: the status of every (CVE, release) pair, derived, never typed.
//!
//! The release's upstream version is the tag at the bottom of its chain. The
//! rules, in order ([`decide`]):
//! 1. the advisory is for packages the distribution does not ship → `out_of_scope`;
//! 2. a patch in the release's chain is linked to the CVE → `fixed`, by that patch
//!    (with a note when the published ranges do not include the version);
//! 3. a maintainers' statement covers the pair → that statement;
//! 4. the version lies in a published affected range → `affected`, no fix;
//! 5. the version is at or past a `fixed` event of its own minor, or past every
//!    published range that ends in a `fixed` event → `fixed` (upstream);
//! 6. anything else → `not_assessed`: older than every published range, between
//!    ranges, or the advisory gives no usable versions.
//!
//! `not_affected` therefore only ever comes from a maintainers' statement: the
//! feed's ranges start at the minors upstream supported when the CVE was
//! announced, not where the bug was introduced, so "outside every range" is not
//! evidence that a version is safe.

use crate::release::manifest::{Manifest, version_of};
use crate::release::patch_cache::PatchLoader;
use crate::security::advisory::range::parse_version;
use crate::security::advisory::{Advisory, Cvss};
use crate::security::statements::{StatedStatus, Statement};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// OSV packages shipped by a Kubernetes distribution unless the manifest's
/// `scope:` says otherwise: `k8s.io/kubernetes` and the core components and
/// libraries built from its tree.
pub const DEFAULT_SCOPE: &[&str] = &[
    "k8s.io/kubernetes",
    "k8s.io/apiserver",
    "k8s.io/kubelet",
    "k8s.io/kubectl",
    "k8s.io/kube-proxy",
    "k8s.io/kube-scheduler",
    "k8s.io/controller-manager",
    "k8s.io/kube-controller-manager",
    "k8s.io/cloud-controller-manager",
    "k8s.io/kube-aggregator",
    "k8s.io/apiextensions-apiserver",
    "k8s.io/apimachinery",
    "k8s.io/client-go",
    "k8s.io/kubeadm",
];

/// The status of a (CVE, release) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not affected: only ever from a maintainers' statement.
    NotAffected,
    /// Fixed upstream or by a patch in the release.
    Fixed,
    /// Being investigated (a statement).
    UnderInvestigation,
    /// Affected: no fix in the release.
    Affected,
    /// The advisory is for a package the distribution does not ship.
    OutOfScope,
    /// Nobody has assessed the pair: upstream's published versions do not cover
    /// it, and no patch or statement does. Treat as possibly affected.
    NotAssessed,
}

impl Status {
    /// Report name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
            Status::Affected => "affected",
            Status::OutOfScope => "out_of_scope",
            Status::NotAssessed => "not_assessed",
        }
    }

    /// The name in prose: `not assessed`, `under investigation`.
    pub fn as_words(self) -> &'static str {
        match self {
            Status::NotAffected => "not affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under investigation",
            Status::Affected => "affected",
            Status::OutOfScope => "out of scope",
            Status::NotAssessed => "not assessed",
        }
    }
}

/// Where a status comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The upstream version and the advisory's ranges.
    Upstream,
    /// A patch in the release's chain.
    Patch,
    /// A maintainers' statement.
    Statement,
    /// Nothing: affected, no fix, no statement.
    None,
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// CVE id.
    pub cve: String,
    /// Release name.
    pub release: String,
    /// The release's upstream version.
    pub upstream_version: Option<String>,
    /// Derived status.
    pub status: Status,
    /// What decided it.
    pub source: Source,
    /// The fixing patch, for `source: patch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// Whether the patch link was inferred (name, subject or message) rather than stated with `cves:`.
    pub inferred: bool,
    /// Why the cell is `not_assessed`, or, for a fix by patch, that the published
    /// ranges do not include the version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Statement fields, for `source: statement`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Statement>,
}

impl Cell {
    /// The cell as one short word for a matrix (at most 10 characters):
    /// `patched` (`patched*` when the link is inferred), `fixed` (upstream
    /// or stated), `AFFECTED` (no fix, or a statement says so), `unknown`
    /// (not assessed), `checking` (under investigation), `unaffected` (a
    /// maintainers' statement), `n/a` (out of scope).
    pub fn word(&self) -> &'static str {
        match (self.source, self.status) {
            (Source::Patch, _) if self.inferred => "patched*",
            (Source::Patch, _) => "patched",
            (_, Status::Fixed) => "fixed",
            (_, Status::Affected) => "AFFECTED",
            (_, Status::NotAssessed) => "unknown",
            (_, Status::UnderInvestigation) => "checking",
            (_, Status::NotAffected) => "unaffected",
            (_, Status::OutOfScope) => "n/a",
        }
    }
}

/// The matrix by line: for every line whose newest shipped release is a
/// column of `c`, the line (`1.32`) and that release, newest line first.
pub fn line_columns(manifest: &Manifest, c: &Coverage) -> Vec<(String, String)> {
    crate::release::line::lines(manifest)
        .iter()
        .rev()
        .map(|l| (l.minor.to_string(), l.newest().name.clone()))
        .filter(|(_, r)| c.releases.contains(r))
        .collect()
}

/// The legend of [`Cell::word`], one sentence.
pub const WORD_LEGEND: &str = "patched: fixed by an LTS patch (*: linked by name or commit message, not `cves:`); fixed: the upstream version has the fix (or a statement says fixed); AFFECTED: no fix; unknown: not assessed, possibly affected; checking: under investigation; unaffected: a maintainers' statement (never derived)";

/// A CVE row: what the matrix shows about the advisory itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CveRow {
    /// CVE id.
    pub id: String,
    /// Summary.
    pub summary: Option<String>,
    /// Publication time.
    pub published: Option<String>,
    /// CVSS base score and severity, when the record has a vector.
    pub cvss: Option<Cvss>,
    /// Other ids of the advisory (its own id when that is not the CVE, GHSA…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Whether any affected package is in scope.
    pub in_scope: bool,
    /// Affected packages.
    pub packages: Vec<String>,
}

/// The matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// CVEs, newest first.
    pub cves: Vec<CveRow>,
    /// Releases (columns), in the order asked for.
    pub releases: Vec<String>,
    /// Every (CVE, release) pair, row by row.
    pub cells: Vec<Cell>,
    /// CVEs that patches name but no advisory of the feed has: no row, so
    /// counted here rather than silently left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_in_feed: Vec<NotInFeed>,
}

/// A CVE a patch names (`cves:`, its name or commit messages) that the feed
/// lacks: its status on releases without the patch is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotInFeed {
    /// CVE id.
    pub cve: String,
    /// The patches that name it.
    pub patches: Vec<String>,
    /// The releases (columns) whose chain carries one of them.
    pub fixed_in: Vec<String>,
}

impl Coverage {
    /// Ids of the advisories for packages the distribution does not ship.
    pub fn out_of_scope(&self) -> Vec<&str> {
        self.cves
            .iter()
            .filter(|r| !r.in_scope)
            .map(|r| r.id.as_str())
            .collect()
    }

    /// The cell for a pair.
    pub fn cell(&self, cve: &str, release: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.cve == cve && c.release == release)
    }
}

pub use crate::release::cve_links::{Link, Links, cve_ids, patch_links, patch_names};

/// Everything coverage needs besides the manifest.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The stored advisories.
    pub advisories: Vec<Advisory>,
    /// The validated maintainers' statements.
    pub statements: Vec<Statement>,
    /// Patch → CVE links.
    pub links: Links,
}

/// Load the advisory folder, validate the statements file and link patches.
pub fn load_inputs(
    manifest: &Manifest,
    advisories_dir: &std::path::Path,
    statements_file: &std::path::Path,
    loader: &PatchLoader,
) -> crate::Result<Inputs> {
    let advisories = crate::security::advisory::store::load(advisories_dir)?;
    let known: BTreeSet<String> = advisories.iter().map(|a| a.cve().to_string()).collect();
    let statements = crate::security::statements::load(statements_file, manifest, &known)?;
    Ok(Inputs {
        advisories,
        statements,
        links: patch_links(manifest, loader),
    })
}

/// Whether the advisory concerns a package in `scope`.
pub fn in_scope(a: &Advisory, scope: &[String]) -> bool {
    a.affected.iter().any(|x| scope.contains(&x.package.name))
}

/// The scope of `manifest`: its `scope:` list or [`DEFAULT_SCOPE`].
pub fn scope_of(manifest: &Manifest) -> Vec<String> {
    manifest
        .scope
        .clone()
        .unwrap_or_else(|| DEFAULT_SCOPE.iter().map(|s| s.to_string()).collect())
}

/// Per release of a coverage matrix: its name, its upstream version (when its
/// base is one) and the patches of its whole chain.
type Column<'r> = (&'r String, Option<semver::Version>, Vec<String>);

/// Compute the matrix for `releases`; when empty, for the releases users get
/// ([`Manifest::shipped_releases`]: intermediate bases left out).
pub fn coverage(
    manifest: &Manifest,
    advisories: &[Advisory],
    statements: &[Statement],
    links: &Links,
    releases: &[String],
) -> crate::Result<Coverage> {
    let scope = scope_of(manifest);
    let releases: Vec<String> = if releases.is_empty() {
        manifest
            .shipped_releases()
            .iter()
            .map(|r| r.name.clone())
            .collect()
    } else {
        releases.to_vec()
    };
    let columns = columns(manifest, &releases)?;
    let mut rows: Vec<&Advisory> = advisories.iter().collect();
    rows.sort_by(|a, b| (b.published.as_deref(), b.cve()).cmp(&(a.published.as_deref(), a.cve())));
    let mut cves = Vec::with_capacity(rows.len());
    let mut cells = Vec::with_capacity(rows.len() * columns.len());
    for a in rows {
        let scoped = in_scope(a, &scope);
        cves.push(cve_row(a, scoped));
        for column in &columns {
            cells.push(cell(a, scoped, &scope, column, statements, links));
        }
    }
    let not_in_feed = not_in_feed(advisories, links, &columns);
    Ok(Coverage {
        cves,
        releases,
        cells,
        not_in_feed,
    })
}

/// The matrix's columns, one per release in `releases`.
fn columns<'r>(manifest: &Manifest, releases: &'r [String]) -> crate::Result<Vec<Column<'r>>> {
    let mut columns = Vec::with_capacity(releases.len());
    for name in releases {
        let base = manifest.base_tag(name)?;
        let version = version_of(&base).and_then(|v| parse_version(&v));
        let patches: Vec<String> = manifest
            .full_patch_list(name)?
            .iter()
            .map(|p| p.value.clone())
            .collect();
        columns.push((name, version, patches));
    }
    Ok(columns)
}

/// The matrix's row for advisory `a`.
fn cve_row(a: &Advisory, scoped: bool) -> CveRow {
    let cve = a.cve().to_string();
    CveRow {
        summary: a.summary.clone(),
        published: a.published.clone(),
        cvss: a.cvss(),
        aliases: std::iter::once(&a.id)
            .chain(&a.aliases)
            .filter(|x| **x != cve)
            .cloned()
            .collect(),
        in_scope: scoped,
        packages: a.affected.iter().map(|x| x.package.name.clone()).collect(),
        id: cve,
    }
}

/// The cell of advisory `a` and one release: its patch, statement and the
/// published ranges, decided by [`decide`].
fn cell(
    a: &Advisory,
    scoped: bool,
    scope: &[String],
    (release, version, patches): &Column,
    statements: &[Statement],
    links: &Links,
) -> Cell {
    let cve = a.cve();
    let fix = chain_fix(patches, links, cve);
    let statement = statements
        .iter()
        .find(|s| s.cve == cve && s.releases.contains(*release));
    let published = if scoped {
        published(a, scope, version.as_ref())
    } else {
        Published::NotAssessed(String::new())
    };
    let (status, source, note) = decide(scoped, fix, statement, &published);
    Cell {
        cve: cve.to_string(),
        release: release.to_string(),
        upstream_version: version.as_ref().map(|v| v.to_string()),
        status,
        source,
        patch: fix
            .map(|(p, _)| p.to_string())
            .filter(|_| source == Source::Patch),
        inferred: source == Source::Patch && fix.is_some_and(|(_, i)| i),
        note,
        statement: statement.cloned().filter(|_| source == Source::Statement),
    }
}

/// The patch of a release's chain that fixes `cve`, and whether that link is
/// inferred; an explicit link wins over an inferred one.
fn chain_fix<'p>(patches: &'p [String], links: &Links, cve: &str) -> Option<(&'p str, bool)> {
    patches
        .iter()
        .filter_map(|p| {
            links
                .get(p)
                .and_then(|l| l.iter().find(|l| l.cve == cve))
                .map(|l| (p.as_str(), l.inferred))
        })
        .min_by_key(|(_, inferred)| *inferred)
}

/// The CVEs `links` name that no advisory has (by id or alias), newest id
/// first, with the patches naming them and the columns that carry one.
fn not_in_feed(advisories: &[Advisory], links: &Links, columns: &[Column]) -> Vec<NotInFeed> {
    let known: BTreeSet<&str> = advisories
        .iter()
        .flat_map(|a| std::iter::once(a.id.as_str()).chain(a.aliases.iter().map(String::as_str)))
        .collect();
    let mut by_cve: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (patch, ls) in links {
        for l in ls.iter().filter(|l| !known.contains(l.cve.as_str())) {
            by_cve.entry(&l.cve).or_default().push(patch);
        }
    }
    let mut out: Vec<NotInFeed> = by_cve
        .into_iter()
        .map(|(cve, patches)| NotInFeed {
            cve: cve.to_string(),
            fixed_in: columns
                .iter()
                .filter(|(_, _, chain)| chain.iter().any(|p| patches.contains(&p.as_str())))
                .map(|(r, _, _)| r.to_string())
                .collect(),
            patches: patches.into_iter().map(String::from).collect(),
        })
        .collect();
    out.sort_by(|a, b| cve_order(&b.cve).cmp(&cve_order(&a.cve)));
    out
}

/// `CVE-2025-13281` as (2025, 13281), for ordering by year and number.
fn cve_order(id: &str) -> (u32, u64, &str) {
    let mut parts = id.splitn(3, '-').skip(1);
    let year = parts.next().and_then(|y| y.parse().ok()).unwrap_or(0);
    let seq = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    (year, seq, id)
}

/// What an advisory's published versions say about one upstream version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Inside a published affected range (or listed as affected).
    Affected,
    /// At or past a `fixed` event of its own minor, or past every published
    /// range that ends in a `fixed` event.
    Fixed,
    /// Not covered: the reason, for the cell's note.
    NotAssessed(String),
}

/// Evaluate `version` against the advisory's in-scope packages (rules 4 to 6).
pub fn published(a: &Advisory, scope: &[String], version: Option<&semver::Version>) -> Published {
    use crate::security::advisory::range::range_includes;
    let Some(v) = version else {
        return Published::NotAssessed(
            "the release's upstream base is not a version, so the advisory's ranges cannot be applied".into(),
        );
    };
    let entries: Vec<_> = a
        .affected
        .iter()
        .filter(|x| scope.contains(&x.package.name))
        .collect();
    let listed = entries.iter().any(|x| {
        x.versions
            .iter()
            .any(|s| parse_version(s).as_ref() == Some(v))
    });
    let ranges: Vec<_> = entries.iter().flat_map(|x| &x.ranges).collect();
    if listed || ranges.iter().any(|r| range_includes(r, v)) {
        return Published::Affected;
    }
    let own_minor_fixed = ranges
        .iter()
        .flat_map(|r| fixed_versions(r))
        .any(|f| f.major == v.major && f.minor == v.minor && *v >= f);
    let ends: Vec<semver::Version> = ranges.iter().filter_map(|r| fixed_end(r)).collect();
    let past_every_fixed_range = !ends.is_empty() && ends.iter().all(|f| v >= f);
    if own_minor_fixed || past_every_fixed_range {
        return Published::Fixed;
    }
    if ranges.is_empty() && entries.iter().all(|x| x.versions.is_empty()) {
        return Published::NotAssessed(
            "the advisory publishes no affected versions for the packages in scope".into(),
        );
    }
    outside_ranges(v, &ranges)
}

/// The versions of a range's `fixed` events.
fn fixed_versions(r: &crate::security::advisory::Range) -> Vec<semver::Version> {
    r.events
        .iter()
        .filter_map(|e| match e {
            crate::security::advisory::Event::Fixed(f) => parse_version(f),
            _ => None,
        })
        .collect()
}

/// The version of a range's last event (by version, limits aside) when that
/// event is a fix: the range ends in a fix there.
fn fixed_end(r: &crate::security::advisory::Range) -> Option<semver::Version> {
    let last = r
        .events
        .iter()
        .filter(|e| !matches!(e, crate::security::advisory::Event::Limit(_)))
        .filter_map(|e| {
            let at = match e {
                crate::security::advisory::Event::Introduced(i) if i == "0" => {
                    semver::Version::new(0, 0, 0)
                }
                _ => parse_version(e.version())?,
            };
            Some((at, matches!(e, crate::security::advisory::Event::Fixed(_))))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)))?;
    last.1.then_some(last.0)
}

/// Why `v`, in no published range and past no fix, is not assessed: older
/// than every range, or simply outside them.
fn outside_ranges(v: &semver::Version, ranges: &[&crate::security::advisory::Range]) -> Published {
    let starts: Vec<semver::Version> = ranges
        .iter()
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            crate::security::advisory::Event::Introduced(i) if i != "0" => parse_version(i),
            _ => None,
        })
        .collect();
    if !starts.is_empty() && starts.iter().all(|s| v < s) {
        Published::NotAssessed(format!(
            "{v} is older than every range the advisory publishes (they start at the minors upstream supported when it was announced, not where the bug was introduced)"
        ))
    } else {
        Published::NotAssessed(format!(
            "{v} lies outside the published ranges and past no fix of its own minor"
        ))
    }
}

/// The status of one pair, by the rules in the module documentation, in order.
pub fn decide(
    in_scope: bool,
    fix: Option<(&str, bool)>,
    statement: Option<&Statement>,
    published: &Published,
) -> (Status, Source, Option<String>) {
    if !in_scope {
        return (Status::OutOfScope, Source::Upstream, None);
    }
    if fix.is_some() {
        let note = match published {
            Published::Affected => None,
            Published::Fixed => Some(
                "the published ranges already count this version as fixed upstream; the patch carries the fix in any case".to_string(),
            ),
            Published::NotAssessed(why) => Some(format!(
                "the published ranges do not include this version ({why}); the patch fixes it"
            )),
        };
        return (Status::Fixed, Source::Patch, note);
    }
    if let Some(s) = statement {
        let status = match s.status {
            StatedStatus::NotAffected => Status::NotAffected,
            StatedStatus::Affected => Status::Affected,
            StatedStatus::UnderInvestigation => Status::UnderInvestigation,
        };
        return (status, Source::Statement, None);
    }
    match published {
        Published::Affected => (Status::Affected, Source::None, None),
        Published::Fixed => (Status::Fixed, Source::Upstream, None),
        Published::NotAssessed(why) => (Status::NotAssessed, Source::None, Some(why.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::cve_ids;

    #[test]
    fn finds_cve_ids_in_names_and_messages() {
        let ids =
            cve_ids("CVE-2021-25741.1.18 and (CVE-2020-8554) but not CVE-21-1 or CVE-2021-12");
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            ["CVE-2020-8554", "CVE-2021-25741"]
        );
    }
}
