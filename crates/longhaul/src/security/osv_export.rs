//! OSV records that tell scanners which LTS versions remain affected.
//!
//! The pre-release trap: `1.27.16-lts.1` sorts *below* `1.27.16` in SemVer, so a
//! range event `fixed: 1.27.16-lts.1` would mark plain 1.27.16 as fixed too. These
//! records therefore use no ranges at all: each lists the affected LTS versions
//! explicitly (`versions`), and names fixed ones under `database_specific`.
//! Versions nobody assessed (`not_assessed`) are listed as affected, so scanners
//! keep flagging them, and named again under `database_specific`.

use crate::security::advisory::{Advisory, Affected, ECOSYSTEM, Package, SeverityScore};
use crate::security::coverage::{Cell, Coverage, CveRow, Status};
use serde_json::json;
use std::collections::BTreeMap;

/// Prefix of exported ids (`x_` marks a private database in the OSV schema).
pub const ID_PREFIX: &str = "x_longhaul-";

/// The OSV version string of a release (`v1.20.15-lts.3` → `1.20.15-lts.3`).
pub fn lts_version(release: &str) -> String {
    release.trim_start_matches('v').to_string()
}

/// One record per in-scope CVE that concerns at least one release (affected,
/// under investigation, or fixed by a patch).
pub fn records(
    coverage: &Coverage,
    advisories: &[Advisory],
    product: Option<&str>,
    modified: &str,
) -> Vec<Advisory> {
    let package = package(product);
    coverage
        .cves
        .iter()
        .filter(|r| r.in_scope)
        .filter_map(|row| record(coverage, row, advisories, &package, modified))
        .collect()
}

/// The package the records name: `product` (a purl) or Kubernetes.
fn package(product: Option<&str>) -> Package {
    let purl_base = product
        .unwrap_or("pkg:golang/k8s.io/kubernetes")
        .to_string();
    let package_name = product
        .and_then(|p| p.parse::<packageurl::PackageUrl>().ok())
        .map(|p| match p.namespace() {
            Some(ns) => format!("{ns}/{}", p.name()),
            None => p.name().to_string(),
        })
        .unwrap_or_else(|| "k8s.io/kubernetes".into());
    Package {
        ecosystem: ECOSYSTEM.into(),
        name: package_name,
        purl: Some(purl_base),
    }
}

/// The record for one CVE row, or none when no release is affected or fixed.
fn record(
    coverage: &Coverage,
    row: &CveRow,
    advisories: &[Advisory],
    package: &Package,
    modified: &str,
) -> Option<Advisory> {
    let cells: Vec<_> = coverage.cells.iter().filter(|c| c.cve == row.id).collect();
    let affected = versions_where(&cells, |s| {
        matches!(
            s,
            Status::Affected | Status::UnderInvestigation | Status::NotAssessed
        )
    });
    // Listed as affected above (a scanner must not stay silent), and named
    // here so that readers can tell "unassessed" from "known affected".
    let not_assessed = versions_where(&cells, |s| s == Status::NotAssessed);
    let fixed: Vec<serde_json::Value> = cells
        .iter()
        .filter(|c| c.patch.is_some())
        .map(|c| json!({ "version": lts_version(&c.release), "patch": c.patch, "inferred": c.inferred }))
        .collect();
    if affected.is_empty() && fixed.is_empty() {
        return None;
    }
    let source = advisories.iter().find(|a| a.cve() == row.id);
    let mut extra = BTreeMap::new();
    extra.insert("upstream".into(), json!([row.id]));
    extra.insert("schema_version".into(), json!("1.6.0"));
    let mut affected_extra = BTreeMap::new();
    affected_extra.insert(
        "database_specific".into(),
        json!({ "fixed_lts_versions": fixed, "not_assessed_lts_versions": not_assessed }),
    );
    Some(Advisory {
        id: format!("{ID_PREFIX}{}", row.id),
        modified: modified.to_string(),
        published: row.published.clone(),
        aliases: vec![row.id.clone()],
        summary: row.summary.clone(),
        details: Some(format!(
            "LTS coverage of {} for the releases of this distribution: the versions listed are affected or not assessed \
             (those under database_specific.not_assessed_lts_versions); versions under database_specific.fixed_lts_versions carry a backported fix.",
            row.id
        )),
        severity: severity(source),
        affected: vec![Affected {
            package: package.clone(),
            severity: vec![],
            ranges: vec![],
            versions: affected,
            extra: affected_extra,
        }],
        references: source.map(|a| a.references.clone()).unwrap_or_default(),
        extra,
    })
}

/// The LTS versions of the cells whose status passes `keep`.
fn versions_where(cells: &[&Cell], keep: impl Fn(Status) -> bool) -> Vec<String> {
    cells
        .iter()
        .filter(|c| keep(c.status))
        .map(|c| lts_version(&c.release))
        .collect()
}

/// The source advisory's CVSS vector as the record's severity.
fn severity(source: Option<&Advisory>) -> Vec<SeverityScore> {
    source
        .and_then(|a| a.cvss_vector())
        .map(|v| {
            vec![SeverityScore {
                kind: if v.starts_with("CVSS:4") {
                    "CVSS_V4"
                } else {
                    "CVSS_V3"
                }
                .into(),
                score: v.to_string(),
            }]
        })
        .unwrap_or_default()
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The folder holds something longhaul did not write; it is left alone.
    #[error(
        "{dir}: holds `{name}`, which is not an OSV record longhaul exported; expected an empty folder or an earlier export (nothing was written)"
    )]
    ForeignContent {
        /// The output folder.
        dir: std::path::PathBuf,
        /// The first foreign entry.
        name: String,
    },
    /// A record id that is not a plain file name (cannot happen for ids that
    /// passed [`crate::security::advisory::check_id`]; checked again here all the same).
    #[error("record id `{0}` is not usable as a file name (nothing was written)")]
    UnsafeId(String),
    /// Writing failed; the folder is as it was.
    #[error("{dir}: {source} (the folder is unchanged)")]
    Io {
        /// The output folder.
        dir: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Make `dir` hold exactly `records`, one `ID.json` each, in one step
/// ([`crate::fs::replace_dir`]): records of earlier runs that are no longer
/// exported disappear, and a failure leaves the earlier export whole. A folder
/// holding anything but an earlier export is refused, never emptied.
pub fn write_records(
    dir: &std::path::Path,
    records: &[Advisory],
) -> Result<Vec<std::path::PathBuf>, WriteError> {
    let io = |source| WriteError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::with_capacity(records.len());
    for r in records {
        let name = crate::fs::safe_file_name(&r.id)
            .filter(|id| id.starts_with(ID_PREFIX))
            .ok_or_else(|| WriteError::UnsafeId(r.id.escape_debug().to_string()))?;
        names.push(format!("{name}.json"));
    }
    crate::fs::recover_dir(dir).map_err(io)?;
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(io)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = name.starts_with(ID_PREFIX)
                    && name.ends_with(".json")
                    && entry.file_type().map_err(io)?.is_file();
                if !ours {
                    return Err(WriteError::ForeignContent {
                        dir: dir.to_path_buf(),
                        name,
                    });
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    crate::fs::replace_dir(dir, |stage| {
        for (r, name) in records.iter().zip(&names) {
            std::fs::write(
                stage.join(name),
                crate::security::advisory::store::render(r),
            )?;
        }
        Ok(())
    })
    .map_err(io)?;
    Ok(names.iter().map(|n| dir.join(n)).collect())
}
