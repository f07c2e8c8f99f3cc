//! Maintainers' decisions about CVEs, kept in a reviewable `statements.yml`:
//!
//! ```yaml
//! statements:
//!   - cve: CVE-2019-11253
//!     releases: [v1.12.10-lts.2]        # these releases, and/or
//!     lines: ["1.10", "1.11"]           # every release of these minor lines
//!     status: not_affected              # not_affected | affected | under_investigation
//!     justification: vulnerable_code_not_in_execute_path
//!     impact_statement: the YAML parser is not reachable from the API server here
//!   - cve: CVE-2019-11252
//!     lines: ["1.10"]
//!     status: affected
//!     action_statement: "will not fix: change too large"
//! ```
//!
//! A statement for an unknown CVE or release, a `not_affected` without
//! justification or impact statement, or an `affected` without action statement
//! is an error naming the file and line.

use crate::error::{Error, Result};
use crate::release::manifest::{Manifest, version_of};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeSet;
use std::path::Path;

/// Default file name, beside the manifest.
pub const DEFAULT_FILE: &str = "statements.yml";

/// OpenVEX justifications for `not_affected`.
pub const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// A statement's status (OpenVEX vocabulary; `fixed` is derived, never stated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatedStatus {
    /// The release is not affected, for the stated reason.
    NotAffected,
    /// The release is affected and will stay so, for the stated action.
    Affected,
    /// Being looked at.
    UnderInvestigation,
}

/// Why a VEX status holds: OpenVEX's justification (for `not_affected`), impact
/// statement (for `not_affected`) and action statement (for `affected`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rationale {
    /// One of [`JUSTIFICATIONS`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Why the vulnerability does not matter here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// What users should do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
}

/// One validated statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// CVE id.
    pub cve: String,
    /// Release names it covers (explicit and through `lines`).
    pub releases: BTreeSet<String>,
    /// Status.
    pub status: StatedStatus,
    /// Justification, impact and action statements.
    #[serde(flatten)]
    pub rationale: Rationale,
    /// Free-text note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// 1-based line of `cve:` in the file.
    pub line: usize,
    /// `embargo_until:`: not published before this time.
    #[serde(skip)]
    pub embargo: Option<crate::release::manifest::Embargo>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    statements: Vec<RawStatement>,
}

#[derive(Deserialize)]
struct RawStatement {
    cve: Spanned<String>,
    #[serde(default)]
    releases: Vec<Spanned<String>>,
    #[serde(default)]
    lines: Vec<Spanned<String>>,
    status: Spanned<String>,
    justification: Option<Spanned<String>>,
    impact_statement: Option<String>,
    action_statement: Option<String>,
    note: Option<String>,
    embargo_until: Option<Spanned<String>>,
}

/// Read and validate `path` (a missing file means no statements).
pub fn load(
    path: &Path,
    manifest: &Manifest,
    known_cves: &BTreeSet<String>,
) -> Result<Vec<Statement>> {
    match crate::fs::read_to_string(path) {
        Ok(text) => parse(&text, path, manifest, known_cves),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(source) => Err(crate::fs::FileError {
            path: path.to_path_buf(),
            source,
        }
        .into()),
    }
}

/// Parse and validate statements text.
pub fn parse(
    text: &str,
    path: &Path,
    manifest: &Manifest,
    known_cves: &BTreeSet<String>,
) -> Result<Vec<Statement>> {
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
        let (line, first) = crate::release::manifest::yaml_error(&e);
        error(
            path,
            line,
            format!("not a valid statements file: {first} (expected a `statements:` list)"),
        )
    })?;
    raw.statements
        .into_iter()
        .map(|s| statement(s, path, manifest, known_cves))
        .collect()
}

/// A statements-file error at `line` of `path`.
fn error(path: &Path, line: usize, message: String) -> Error {
    Error::Manifest {
        file: path.to_path_buf(),
        line,
        message,
    }
}

/// One statement, validated: a known id, the releases it covers, its status
/// and the rationale that status needs, its embargo.
fn statement(
    s: RawStatement,
    path: &Path,
    manifest: &Manifest,
    known_cves: &BTreeSet<String>,
) -> Result<Statement> {
    let line = s.cve.referenced.line() as usize;
    let cve = s.cve.value.trim().to_string();
    // A Go vulnerability database id is checked against that database by
    // `deps` and `lint`, which read it.
    if !known_cves.contains(&cve) && !is_go_vulndb_id(&cve) {
        return Err(error(
            path,
            line,
            format!(
                "unknown CVE `{cve}`: no advisory with that id (import the feed with `longhaul advisories import`)"
            ),
        ));
    }
    let releases = covered_releases(&cve, line, &s, path, manifest)?;
    let status = stated_status(&s.status, path)?;
    check_rationale(&cve, &s, status, path)?;
    let embargo = match &s.embargo_until {
        None => None,
        Some(v) => Some(
            crate::release::manifest::Embargo::parse(v)
                .map_err(|(line, m)| error(path, line, format!("statement for {cve}: {m}")))?,
        ),
    };
    Ok(Statement {
        cve,
        releases,
        status,
        rationale: Rationale {
            justification: s.justification.map(|j| j.value.trim().to_string()),
            impact_statement: s.impact_statement,
            action_statement: s.action_statement,
        },
        note: s.note,
        line,
        embargo,
    })
}

/// The releases a statement covers: its `releases:` and every release on its
/// `lines:`, each of which the manifest must define; at least one.
fn covered_releases(
    cve: &str,
    line: usize,
    s: &RawStatement,
    path: &Path,
    manifest: &Manifest,
) -> Result<BTreeSet<String>> {
    let mut releases = BTreeSet::new();
    for r in &s.releases {
        let name = r.value.trim();
        if manifest.releases.iter().all(|m| m.name != name) {
            return Err(error(
                path,
                r.referenced.line() as usize,
                format!(
                    "statement for {cve} names release `{name}`, which the manifest does not define"
                ),
            ));
        }
        releases.insert(name.to_string());
    }
    for l in &s.lines {
        let minor = l.value.trim().trim_start_matches('v');
        let members = line_members(manifest, minor);
        if members.is_empty() {
            return Err(error(
                path,
                l.referenced.line() as usize,
                format!(
                    "statement for {cve} names line `{minor}`, but no release of the manifest is on it (expected a minor version such as 1.20)"
                ),
            ));
        }
        releases.extend(members.into_iter().map(String::from));
    }
    if releases.is_empty() {
        return Err(error(
            path,
            line,
            format!("statement for {cve} covers no release: add `releases:` or `lines:`"),
        ));
    }
    Ok(releases)
}

/// The manifest's releases on the minor line `minor` (`1.20`).
fn line_members<'m>(manifest: &'m Manifest, minor: &str) -> Vec<&'m str> {
    manifest
        .releases
        .iter()
        .filter(|m| version_of(&m.name).is_some_and(|v| v.starts_with(&format!("{minor}."))))
        .map(|m| m.name.as_str())
        .collect()
}

/// The stated `status:`; `fixed` is refused (it is derived, never stated).
fn stated_status(status: &Spanned<String>, path: &Path) -> Result<StatedStatus> {
    let status_line = status.referenced.line() as usize;
    match status.value.trim() {
        "not_affected" => Ok(StatedStatus::NotAffected),
        "affected" => Ok(StatedStatus::Affected),
        "under_investigation" => Ok(StatedStatus::UnderInvestigation),
        "fixed" => Err(error(path, status_line, "`fixed` is derived from patches and upstream versions, never stated; link the patch with `cves:` in the manifest".into())),
        other => Err(error(path, status_line, format!("unknown status `{other}` (expected not_affected, affected or under_investigation)"))),
    }
}

/// A known justification, and the rationale the status needs: a
/// justification or impact statement for `not_affected`, an action statement
/// for `affected`.
fn check_rationale(cve: &str, s: &RawStatement, status: StatedStatus, path: &Path) -> Result<()> {
    if let Some(j) = &s.justification
        && !JUSTIFICATIONS.contains(&j.value.trim())
    {
        return Err(error(
            path,
            j.referenced.line() as usize,
            format!(
                "unknown justification `{}` (expected one of {})",
                j.value.trim(),
                JUSTIFICATIONS.join(", ")
            ),
        ));
    }
    let status_line = s.status.referenced.line() as usize;
    match status {
        StatedStatus::NotAffected if s.justification.is_none() && s.impact_statement.is_none() => {
            Err(error(
                path,
                status_line,
                format!(
                    "not_affected statement for {cve} needs a `justification:` or an `impact_statement:`"
                ),
            ))
        }
        StatedStatus::Affected if s.action_statement.is_none() => Err(error(
            path,
            status_line,
            format!(
                "affected statement for {cve} needs an `action_statement:` (for example \"will not fix: change too large\")"
            ),
        )),
        _ => Ok(()),
    }
}

/// `GO-YYYY-NNNN`: an id of the Go vulnerability database.
pub fn is_go_vulndb_id(s: &str) -> bool {
    s.strip_prefix("GO-")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(year, n)| {
            year.len() == 4
                && n.len() >= 4
                && year.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            "releases:\n  - name: v1.10.13-lts.2\n    base_release: v1.10.13\n  - name: v1.11.10-lts.2\n    base_release: v1.11.10\npatches: []\n",
            Path::new("releases.yml"),
        )
        .unwrap()
    }

    fn cves() -> BTreeSet<String> {
        ["CVE-2019-11252".to_string()].into()
    }

    #[test]
    fn lines_expand_to_releases() {
        let s = parse(
            "statements:\n  - cve: CVE-2019-11252\n    lines: [\"1.10\"]\n    status: affected\n    action_statement: \"will not fix: change too large\"\n",
            Path::new("statements.yml"),
            &manifest(),
            &cves(),
        )
        .unwrap();
        assert_eq!(s[0].releases, ["v1.10.13-lts.2".to_string()].into());
        assert_eq!(s[0].line, 2);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "statements:\n  - cve: CVE-2000-0001\n    releases: [v1.10.13-lts.2]\n    status: under_investigation\n",
                "statements.yml:2: unknown CVE",
            ),
            (
                "statements:\n  - cve: CVE-2019-11252\n    releases: [v9.9.9-lts.1]\n    status: under_investigation\n",
                "statements.yml:3: statement for CVE-2019-11252 names release `v9.9.9-lts.1`",
            ),
            (
                "statements:\n  - cve: CVE-2019-11252\n    lines: [\"1.10\"]\n    status: not_affected\n",
                "statements.yml:4: not_affected statement",
            ),
            (
                "statements:\n  - cve: CVE-2019-11252\n    lines: [\"1.10\"]\n    status: not_affected\n    justification: because\n",
                "statements.yml:5: unknown justification",
            ),
            (
                "statements:\n  - cve: CVE-2019-11252\n    lines: [\"1.10\"]\n    status: affected\n",
                "needs an `action_statement:`",
            ),
            (
                "statements:\n  - cve: CVE-2019-11252\n    lines: [\"1.99\"]\n    status: under_investigation\n",
                "statements.yml:3: statement for CVE-2019-11252 names line `1.99`",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text, Path::new("statements.yml"), &manifest(), &cves())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}\nexpected: {want}");
        }
    }
}
