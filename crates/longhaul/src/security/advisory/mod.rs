//! Security advisories: the official Kubernetes CVE feed as OSV records.
//!
//! [`Advisory`] is an OSV record (the subset longhaul uses, with everything else
//! kept in `extra` for a faithful round trip). Version ranges are evaluated by
//! [`range`], exactly as the OSV specification describes; [`feed`] converts the
//! feed's native JSON form; [`store`] keeps one reviewable file per advisory.

pub mod feed;
pub mod import;
pub mod range;
pub mod store;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The ecosystem name OSV's schema uses for Kubernetes (the feed writes `kubernetes`).
pub const ECOSYSTEM: &str = "Kubernetes";

/// An OSV record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// `CVE-2021-25741`.
    pub id: String,
    /// RFC 3339 time of the last change.
    pub modified: String,
    /// RFC 3339 time of publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Other ids of the same vulnerability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Record-level severity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Affected packages (components), each with its own ranges.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<serde_json::Value>,
    /// Anything else the record carries.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A `{type, score}` severity entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// `CVSS_V3`, `CVSS_V4`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector.
    pub score: String,
}

/// One affected package and the versions of it that are vulnerable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package.
    pub package: Package,
    /// Component-level severity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `{ecosystem, name, purl?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Ecosystem, normalised to [`ECOSYSTEM`] for Kubernetes.
    pub ecosystem: String,
    /// Package name, e.g. `k8s.io/kubelet`.
    pub name: String,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// A range of affected versions, as OSV events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Only `SEMVER` is evaluated; `ECOSYSTEM` and `GIT` are rejected on import.
    #[serde(rename = "type")]
    pub kind: String,
    /// The events, in any order.
    pub events: Vec<Event>,
    /// Anything else (`repo`, `database_specific`).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Vulnerable from this version (`0`: from the beginning).
    Introduced(String),
    /// Not vulnerable from this version.
    Fixed(String),
    /// Vulnerable up to and including this version.
    LastAffected(String),
    /// Upper bound of the range (`*`: none).
    Limit(String),
}

/// Id prefixes of the OSV schema's home databases (`$defs/prefix`), each used as
/// `PREFIX-…`; `x_` marks a private database.
const OSV_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// Why `id` cannot be an advisory id: it must start as the OSV schema's id
/// pattern says and be a plain file name (it names the advisory's file).
pub fn check_id(id: &str) -> Result<(), &'static str> {
    let known = id.starts_with("x_")
        || OSV_PREFIXES
            .iter()
            .any(|p| id.strip_prefix(p).is_some_and(|rest| rest.starts_with('-')));
    if !known {
        return Err(
            "does not start with a database prefix of the OSV schema (`CVE-`, `GHSA-`, `x_`, …)",
        );
    }
    if crate::fs::safe_file_name(id).is_none() {
        return Err(
            "is not a plain name: expected at most 128 ASCII letters, digits, `.`, `_` and `-`",
        );
    }
    Ok(())
}

/// `CVE-YYYY-NNNN` with four or more digits in the sequence number.
pub fn is_cve_id(s: &str) -> bool {
    let Some((year, number)) = s.strip_prefix("CVE-").and_then(|r| r.split_once('-')) else {
        return false;
    };
    year.len() == 4
        && number.len() >= 4
        && year
            .bytes()
            .chain(number.bytes())
            .all(|b| b.is_ascii_digit())
}

/// A problem in an advisory file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct AdvisoryError {
    /// The file or URL.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl From<AdvisoryError> for crate::error::Error {
    fn from(e: AdvisoryError) -> Self {
        crate::error::Error::Data {
            file: e.file,
            line: e.line,
            message: e.message,
        }
    }
}

impl Advisory {
    /// Parse one OSV record; `file` names it in errors. Lowercase `kubernetes`
    /// ecosystems are accepted and normalised; non-SEMVER ranges are rejected.
    pub fn from_json(text: &str, file: &str) -> Result<Self, AdvisoryError> {
        let mut advisory: Advisory = serde_json::from_str(text).map_err(|e| AdvisoryError {
            file: file.to_string(),
            line: e.line(),
            message: format!("not an OSV record: {e}"),
        })?;
        advisory.normalise(file, text)?;
        Ok(advisory)
    }

    fn normalise(&mut self, file: &str, text: &str) -> Result<(), AdvisoryError> {
        let line_of = |needle: &str| {
            text.find(needle)
                .map(|p| text[..p].matches('\n').count() + 1)
                .unwrap_or(0)
        };
        if let Err(why) = check_id(&self.id) {
            return Err(AdvisoryError {
                file: file.to_string(),
                line: line_of("\"id\""),
                message: format!("advisory id `{}` {why}", self.id.escape_debug()),
            });
        }
        for a in &mut self.affected {
            if a.package.ecosystem.eq_ignore_ascii_case(ECOSYSTEM) {
                a.package.ecosystem = ECOSYSTEM.to_string();
            }
            for r in &a.ranges {
                if r.kind != "SEMVER" {
                    return Err(AdvisoryError {
                        file: file.to_string(),
                        line: line_of(&format!("\"{}\"", r.kind)),
                        message: format!(
                            "{}: range type `{}` of {} is not supported (expected SEMVER, as the Kubernetes feed uses)",
                            self.id, r.kind, a.package.name
                        ),
                    });
                }
                for e in &r.events {
                    let v = e.version();
                    let ok = match e {
                        Event::Introduced(_) if v == "0" => true,
                        Event::Limit(_) if v == "*" => true,
                        _ => range::parse_version(v).is_some(),
                    };
                    if !ok {
                        return Err(AdvisoryError {
                            file: file.to_string(),
                            line: line_of(&format!("\"{v}\"")),
                            message: format!("{}: `{v}` is not a semantic version", self.id),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The CVE id of this advisory: its id, or a well-formed CVE alias
    /// (`CVE-YYYY-NNNN…`), else its id.
    pub fn cve(&self) -> &str {
        if is_cve_id(&self.id) {
            return &self.id;
        }
        self.aliases
            .iter()
            .find(|a| is_cve_id(a))
            .map(String::as_str)
            .unwrap_or(&self.id)
    }

    /// The first CVSS vector found (record level, then per component).
    pub fn cvss_vector(&self) -> Option<&str> {
        self.severity
            .iter()
            .chain(self.affected.iter().flat_map(|a| a.severity.iter()))
            .find(|s| s.kind.starts_with("CVSS"))
            .map(|s| s.score.as_str())
    }

    /// Base score and qualitative severity from the CVSS vector, when it parses.
    pub fn cvss(&self) -> Option<Cvss> {
        Cvss::parse(self.cvss_vector()?)
    }
}

impl Event {
    /// The version the event names.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// A parsed CVSS vector's base score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cvss {
    /// The vector as written.
    pub vector: String,
    /// Base score, 0.0–10.0.
    pub score: f64,
    /// `none`, `low`, `medium`, `high`, `critical`.
    pub severity: String,
}

impl Cvss {
    /// Parse a CVSS v3.x or v4.0 vector.
    pub fn parse(vector: &str) -> Option<Self> {
        use std::str::FromStr;
        let parsed = cvss::Cvss::from_str(vector).ok()?;
        let (score, severity) = (parsed.score(), parsed.severity().as_str().to_string());
        Some(Cvss {
            vector: vector.to_string(),
            score,
            severity,
        })
    }
}
