//! CVE coverage: the status of every (CVE, release) pair, derived, never typed.
//!
//! The release's upstream version is the tag at the bottom of its chain. In order:
//! outside every affected range → `not_affected` (upstream); past a fix →
//! `fixed` (upstream); a patch in the chain fixes it → `fixed` (that patch); a
//! maintainers' statement covers it → that statement; otherwise `affected`, no fix.
//! Advisories for packages the distribution does not ship are `out_of_scope`.

use crate::advisory::range::{Standing, parse_version, standing};
use crate::advisory::{Advisory, Cvss};
use crate::manifest::{Manifest, PatchSource, version_of};
use crate::patch_cache::PatchLoader;
use crate::statements::{StatedStatus, Statement};
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
    /// Not affected (upstream version outside the ranges, or a statement says so).
    NotAffected,
    /// Fixed upstream or by a patch in the release.
    Fixed,
    /// Being investigated (a statement).
    UnderInvestigation,
    /// Affected: no fix in the release.
    Affected,
    /// The advisory is for a package the distribution does not ship.
    OutOfScope,
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
    /// For upstream `not_affected`: the version is older than every range the
    /// advisory publishes (which often start at the minors supported at the time),
    /// so upstream did not assess it rather than found it unaffected.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub below_published_ranges: bool,
    /// Statement fields, for `source: statement`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Statement>,
}

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

/// A patch's link to a CVE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// CVE id.
    pub cve: String,
    /// Found in the name or commit text rather than in `cves:`.
    pub inferred: bool,
}

/// CVE ids written in `text` (`CVE-YYYY-NNNN…`).
pub fn cve_ids(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while let Some(p) = text[i..].find("CVE-") {
        let start = i + p;
        let mut j = start + 4;
        let year = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if year == 4 && b.get(j + 4) == Some(&b'-') {
            j += 5;
            let seq = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            if seq >= 4 {
                out.insert(text[start..j + seq].to_string());
            }
        }
        i = start + 4;
    }
    out
}

/// Links of every patch name the manifest defines or its releases use. Patch
/// files (and cached URL items) are read for commit subjects and messages;
/// nothing is downloaded.
pub fn patch_links(manifest: &Manifest, loader: &PatchLoader) -> Links {
    let mut names: BTreeSet<String> = manifest.patches.iter().map(|p| p.name.clone()).collect();
    names.extend(
        manifest
            .releases
            .iter()
            .flat_map(|r| r.patches.iter().map(|p| p.value.clone())),
    );
    let mut out = BTreeMap::new();
    for name in names {
        let Some(def) = manifest.patch(&name) else {
            continue;
        };
        let explicit: BTreeSet<String> = def.cves.iter().cloned().collect();
        let mut inferred = cve_ids(&name);
        for item in &def.items {
            let source = manifest.source(&item.value);
            let cached = match &source {
                PatchSource::File(_) => true,
                PatchSource::Url(url) => loader.is_cached(url),
            };
            if !cached {
                continue;
            }
            if let Ok(file) = loader.load(&source).as_ref() {
                for c in &file.commits {
                    let text = c
                        .meta
                        .as_ref()
                        .map(|m| m.message.as_str())
                        .or(c.description.as_deref());
                    inferred.extend(cve_ids(text.unwrap_or("")));
                }
            }
        }
        let mut links: Vec<Link> = explicit
            .iter()
            .map(|c| Link {
                cve: c.clone(),
                inferred: false,
            })
            .collect();
        links.extend(inferred.difference(&explicit).map(|c| Link {
            cve: c.clone(),
            inferred: true,
        }));
        out.insert(name, links);
    }
    out
}

/// Patch name → the CVEs it fixes.
pub type Links = BTreeMap<String, Vec<Link>>;

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
    let advisories = crate::advisory::store::load(advisories_dir)?;
    let known: BTreeSet<String> = advisories.iter().map(|a| a.cve().to_string()).collect();
    let statements = crate::statements::load(statements_file, manifest, &known)?;
    Ok(Inputs {
        advisories,
        statements,
        links: patch_links(manifest, loader),
    })
}

/// Whether the advisory concerns a package in `scope`.
fn in_scope(a: &Advisory, scope: &[String]) -> bool {
    a.affected.iter().any(|x| scope.contains(&x.package.name))
}

/// The scope of `manifest`: its `scope:` list or [`DEFAULT_SCOPE`].
pub fn scope_of(manifest: &Manifest) -> Vec<String> {
    manifest
        .scope
        .clone()
        .unwrap_or_else(|| DEFAULT_SCOPE.iter().map(|s| s.to_string()).collect())
}

/// Compute the matrix for `releases` (all of the manifest's when empty).
pub fn coverage(
    manifest: &Manifest,
    advisories: &[Advisory],
    statements: &[Statement],
    links: &Links,
    releases: &[String],
) -> crate::Result<Coverage> {
    let scope = scope_of(manifest);
    let releases: Vec<String> = if releases.is_empty() {
        manifest.releases.iter().map(|r| r.name.clone()).collect()
    } else {
        releases.to_vec()
    };
    // Per release: upstream version and the patches of its whole chain.
    let mut columns = Vec::with_capacity(releases.len());
    for name in &releases {
        let base = manifest.base_tag(name)?;
        let version = version_of(&base).and_then(|v| parse_version(&v));
        let patches: Vec<String> = manifest
            .full_patch_list(name)?
            .iter()
            .map(|p| p.value.clone())
            .collect();
        columns.push((name, version, patches));
    }
    let mut rows: Vec<&Advisory> = advisories.iter().collect();
    rows.sort_by(|a, b| (b.published.as_deref(), b.cve()).cmp(&(a.published.as_deref(), a.cve())));
    let mut cves = Vec::with_capacity(rows.len());
    let mut cells = Vec::with_capacity(rows.len() * columns.len());
    for a in rows {
        let cve = a.cve().to_string();
        let scoped = in_scope(a, &scope);
        cves.push(CveRow {
            id: cve.clone(),
            summary: a.summary.clone(),
            published: a.published.clone(),
            cvss: a.cvss(),
            in_scope: scoped,
            packages: a.affected.iter().map(|x| x.package.name.clone()).collect(),
        });
        for (release, version, patches) in &columns {
            let mut cell = Cell {
                cve: cve.clone(),
                release: release.to_string(),
                upstream_version: version.as_ref().map(|v| v.to_string()),
                status: Status::Affected,
                source: Source::None,
                patch: None,
                inferred: false,
                below_published_ranges: false,
                statement: None,
            };
            if !scoped {
                cell.status = Status::OutOfScope;
                cell.source = Source::Upstream;
                cells.push(cell);
                continue;
            }
            let upstream = match version {
                Some(v) => a
                    .affected
                    .iter()
                    .filter(|x| scope.contains(&x.package.name))
                    .map(|x| standing(x, v))
                    .min_by_key(|s| match s {
                        Standing::Affected => 0,
                        Standing::Fixed => 1,
                        Standing::NotAffected => 2,
                    })
                    .unwrap_or(Standing::NotAffected),
                // A base that is not a version cannot be judged: treat as affected.
                None => Standing::Affected,
            };
            match upstream {
                Standing::NotAffected => {
                    cell.status = Status::NotAffected;
                    cell.source = Source::Upstream;
                    cell.below_published_ranges = version.as_ref().is_some_and(|v| {
                        let starts: Vec<semver::Version> = a
                            .affected
                            .iter()
                            .filter(|x| scope.contains(&x.package.name))
                            .flat_map(|x| x.ranges.iter().flat_map(|r| r.events.iter()))
                            .filter_map(|e| match e {
                                crate::advisory::Event::Introduced(i) => parse_version(i),
                                _ => None,
                            })
                            .collect();
                        !starts.is_empty()
                            && starts
                                .iter()
                                .all(|s| s > v && *s != semver::Version::new(0, 0, 0))
                    });
                }
                Standing::Fixed => {
                    cell.status = Status::Fixed;
                    cell.source = Source::Upstream;
                }
                Standing::Affected => {
                    let fix = patches
                        .iter()
                        .filter_map(|p| {
                            links
                                .get(p)
                                .and_then(|l| l.iter().find(|l| l.cve == cve))
                                .map(|l| (p, l.inferred))
                        })
                        .min_by_key(|(_, inferred)| *inferred);
                    if let Some((p, inferred)) = fix {
                        cell.status = Status::Fixed;
                        cell.source = Source::Patch;
                        cell.patch = Some(p.clone());
                        cell.inferred = inferred;
                    } else if let Some(s) = statements
                        .iter()
                        .find(|s| s.cve == cve && s.releases.contains(*release))
                    {
                        cell.status = match s.status {
                            StatedStatus::NotAffected => Status::NotAffected,
                            StatedStatus::Affected => Status::Affected,
                            StatedStatus::UnderInvestigation => Status::UnderInvestigation,
                        };
                        cell.source = Source::Statement;
                        cell.statement = Some(s.clone());
                    }
                }
            }
            cells.push(cell);
        }
    }
    Ok(Coverage {
        cves,
        releases,
        cells,
    })
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
