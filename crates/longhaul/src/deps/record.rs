//! One record of the Go vulnerability database (`GO-2022-0969`, OSV schema
//! 1.x): the modules it affects, with their version ranges and, per package,
//! the vulnerable symbols and the platforms they exist on.

use super::range::{Bound, Event, Range};
use crate::gomod::version::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The ecosystem name of the Go vulnerability database.
pub const ECOSYSTEM: &str = "Go";

/// A Go vulndb record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// `GO-2022-0969`.
    pub id: String,
    /// RFC 3339 time of the last change, as written (`0001-01-01T00:00:00Z`,
    /// Go's zero time, when the record does not say).
    pub modified: String,
    /// RFC 3339 time of publication, as written.
    pub published: Option<String>,
    /// Set when the record was withdrawn.
    pub withdrawn: Option<String>,
    /// Other ids (CVE, GHSA).
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// The record's page (`database_specific.url`), or its first reference.
    pub url: Option<String>,
    /// Affected modules (`stdlib`, `toolchain` or a module path).
    pub affected: Vec<AffectedModule>,
}

/// One affected module of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedModule {
    /// The module path, or `stdlib` / `toolchain`.
    pub module: String,
    /// Version ranges.
    pub ranges: Vec<Range>,
    /// Explicitly listed versions.
    pub versions: Vec<Version>,
    /// The vulnerable packages (`ecosystem_specific.imports`); empty means
    /// every package of the module.
    pub imports: Vec<Import>,
}

/// A vulnerable package and what of it is vulnerable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// The import path.
    pub path: String,
    /// Vulnerable functions and methods (`Server.ServeConn`); empty means the
    /// whole package.
    pub symbols: Vec<String>,
    /// Operating systems the vulnerable code exists on (empty: all).
    pub goos: Vec<String>,
    /// Architectures the vulnerable code exists on (empty: all).
    pub goarch: Vec<String>,
}

impl Import {
    /// Whether the vulnerable code exists on `goos`/`goarch`.
    pub fn applies_to(&self, goos: &str, goarch: &str) -> bool {
        (self.goos.is_empty() || self.goos.iter().any(|g| g == goos))
            && (self.goarch.is_empty() || self.goarch.iter().any(|a| a == goarch))
    }
}

/// A record that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct RecordError {
    /// The file (or URL).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong, naming the record id when known.
    pub message: String,
}

/// What a file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A Go record.
    Go(Record),
    /// A record for another ecosystem (skipped, counted by its name).
    Other {
        /// Its id.
        id: String,
        /// Its ecosystem(s), joined by `, `.
        ecosystem: String,
    },
}

#[derive(Deserialize)]
struct Raw {
    id: String,
    modified: String,
    published: Option<String>,
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    summary: Option<String>,
    #[serde(default)]
    affected: Vec<RawAffected>,
    #[serde(default)]
    references: Vec<RawReference>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawReference {
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawAffected {
    package: RawPackage,
    #[serde(default)]
    ranges: Vec<RawRange>,
    #[serde(default)]
    versions: Vec<String>,
    ecosystem_specific: Option<RawSpecific>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    ecosystem: String,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
struct RawSpecific {
    #[serde(default)]
    imports: Vec<RawImport>,
}

#[derive(Deserialize)]
struct RawImport {
    path: Option<String>,
    #[serde(default)]
    symbols: Vec<String>,
    #[serde(default)]
    goos: Vec<String>,
    #[serde(default)]
    goarch: Vec<String>,
}

impl Record {
    /// Parse one OSV record (`file` names it in errors). A record none of
    /// whose packages is in the `Go` ecosystem is [`Parsed::Other`]; in a Go
    /// record, entries of other ecosystems are dropped. A range that is not
    /// `SEMVER`, or a version that is not a Go version, is an error naming
    /// the record and the line.
    pub fn parse(text: &str, file: &str) -> Result<Parsed, RecordError> {
        let raw: Raw = serde_json::from_str(text).map_err(|e| RecordError {
            file: file.to_string(),
            line: e.line(),
            message: format!("not an OSV record: {e}"),
        })?;
        let line_of = |needle: &str| {
            text.find(needle)
                .map(|p| text[..p].matches('\n').count() + 1)
                .unwrap_or(0)
        };
        let fail = |needle: &str, message: String| RecordError {
            file: file.to_string(),
            line: line_of(needle),
            message: format!("{}: {message}", raw.id),
        };
        check_ids(&raw, &fail)?;
        let go: Vec<&RawAffected> = raw
            .affected
            .iter()
            .filter(|a| a.package.ecosystem == ECOSYSTEM)
            .collect();
        if go.is_empty() {
            return Ok(other_ecosystems(&raw));
        }
        let mut affected = Vec::with_capacity(go.len());
        for a in go {
            affected.push(affected_module(a, &fail)?);
        }
        Ok(Parsed::Go(Record {
            id: raw.id.clone(),
            url: url_of(&raw),
            modified: raw.modified,
            published: raw.published,
            withdrawn: raw.withdrawn,
            aliases: {
                let mut seen = Vec::new();
                for a in raw.aliases {
                    if !seen.contains(&a) {
                        seen.push(a);
                    }
                }
                seen
            },
            summary: raw.summary,
            affected,
        }))
    }

    /// The CVE ids among the aliases.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        self.aliases
            .iter()
            .map(String::as_str)
            .filter(|a| crate::security::advisory::is_cve_id(a))
    }

    /// Whether `name` is this record's id or one of its aliases.
    pub fn is_named(&self, name: &str) -> bool {
        self.id == name || self.aliases.iter().any(|a| a == name)
    }
}

/// The record's id and aliases are ids: they reach statements, drafts and pages.
fn check_ids(raw: &Raw, fail: &dyn Fn(&str, String) -> RecordError) -> Result<(), RecordError> {
    if let Err(why) = crate::security::advisory::check_id(&raw.id) {
        return Err(fail("\"id\"", format!("the id {why}")));
    }
    if let Some(bad) = raw
        .aliases
        .iter()
        .find(|a| crate::fs::safe_file_name(a).is_none())
    {
        return Err(fail(
            "\"aliases\"",
            format!(
                "alias `{}` is not an id (expected letters, digits, `.`, `_` and `-`)",
                bad.escape_debug()
            ),
        ));
    }
    Ok(())
}

/// A record with no package in the Go ecosystem, named by its ecosystems.
fn other_ecosystems(raw: &Raw) -> Parsed {
    let mut ecosystems: Vec<&str> = raw
        .affected
        .iter()
        .map(|a| a.package.ecosystem.as_str())
        .collect();
    ecosystems.sort();
    ecosystems.dedup();
    Parsed::Other {
        id: raw.id.clone(),
        ecosystem: if ecosystems.is_empty() {
            "none".into()
        } else {
            ecosystems.join(", ")
        },
    }
}

/// The database's page for the record, else its first reference.
fn url_of(raw: &Raw) -> Option<String> {
    raw.database_specific
        .as_ref()
        .and_then(|d| d.get("url"))
        .and_then(|u| u.as_str())
        .map(String::from)
        .or_else(|| raw.references.iter().find_map(|r| r.url.clone()))
}

fn affected_module(
    a: &RawAffected,
    fail: &dyn Fn(&str, String) -> RecordError,
) -> Result<AffectedModule, RecordError> {
    let module = a.package.name.trim().to_string();
    if module != super::module::STDLIB
        && module != super::module::TOOLCHAIN
        && !crate::gomod::valid_module_path(&module)
    {
        return Err(fail(
            &format!("\"{}\"", a.package.name),
            format!(
                "`{}` is not a Go module path",
                a.package.name.escape_debug()
            ),
        ));
    }
    let version = |s: &str| {
        Version::parse_osv(s).ok_or_else(|| {
            fail(
                &format!("\"{s}\""),
                format!("`{}` of {module} is not a Go version (expected e.g. 1.2.3, 0.0.0-20220906165146-f3363e06e74c, 1.21.0-0)", s.escape_debug()),
            )
        })
    };
    let ranges = a
        .ranges
        .iter()
        .map(|r| range(r, &module, &version, fail))
        .collect::<Result<Vec<_>, _>>()?;
    let versions = a
        .versions
        .iter()
        .map(|v| version(v))
        .collect::<Result<Vec<_>, _>>()?;
    let imports = a
        .ecosystem_specific
        .as_ref()
        .map(|s| &s.imports[..])
        .unwrap_or_default()
        .iter()
        .filter_map(|i| {
            Some(Import {
                path: i.path.clone()?,
                symbols: i.symbols.clone(),
                goos: i.goos.clone(),
                goarch: i.goarch.clone(),
            })
        })
        .collect();
    Ok(AffectedModule {
        module,
        ranges,
        versions,
        imports,
    })
}

/// One `SEMVER` range of `module`.
fn range(
    r: &RawRange,
    module: &str,
    version: &dyn Fn(&str) -> Result<Version, RecordError>,
    fail: &dyn Fn(&str, String) -> RecordError,
) -> Result<Range, RecordError> {
    if r.kind != "SEMVER" {
        return Err(fail(
            &format!("\"{}\"", r.kind),
            format!(
                "range type `{}` of {module} is not supported (expected SEMVER, as the Go vulnerability database writes)",
                r.kind
            ),
        ));
    }
    let mut events = Vec::new();
    for e in &r.events {
        for (kind, v) in e {
            events.push(match (kind.as_str(), v.as_str()) {
                ("introduced", "0") => Event::Introduced(Bound::Unbounded),
                ("introduced", v) => Event::Introduced(Bound::At(version(v)?)),
                ("fixed", v) => Event::Fixed(version(v)?),
                ("last_affected", v) => Event::LastAffected(version(v)?),
                ("limit", "*") => Event::Limit(Bound::Unbounded),
                ("limit", v) => Event::Limit(Bound::At(version(v)?)),
                (other, _) => {
                    return Err(fail(
                        &format!("\"{other}\""),
                        format!("unknown range event `{other}` of {module} (expected introduced, fixed, last_affected or limit)"),
                    ));
                }
            });
        }
    }
    Ok(Range { events })
}

#[cfg(test)]
mod tests {
    use super::*;

    const X_NET: &str = r#"{
  "id": "GO-2099-0001",
  "modified": "2099-01-02T00:00:00Z",
  "aliases": ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"],
  "summary": "A test record",
  "affected": [
    {"package": {"name": "stdlib", "ecosystem": "Go"},
     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.18.6"}, {"introduced": "1.19.0-0"}, {"fixed": "1.19.1"}]}],
     "ecosystem_specific": {"imports": [{"path": "net/http", "symbols": ["Serve"]}]}},
    {"package": {"name": "golang.org/x/net", "ecosystem": "Go"},
     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.0.0-20220906165146-f3363e06e74c"}]}],
     "ecosystem_specific": {"imports": [{"path": "golang.org/x/net/http2", "goos": ["windows"]}]}},
    {"package": {"name": "left-pad", "ecosystem": "npm"}}
  ],
  "database_specific": {"url": "https://pkg.go.dev/vuln/GO-2099-0001"}
}"#;

    #[test]
    fn reads_go_records() {
        let Parsed::Go(r) = Record::parse(X_NET, "x.json").unwrap() else {
            panic!("a Go record")
        };
        assert_eq!(r.affected.len(), 2, "the npm entry is dropped");
        assert_eq!(r.cves().collect::<Vec<_>>(), ["CVE-2099-0001"]);
        assert_eq!(
            r.url.as_deref(),
            Some("https://pkg.go.dev/vuln/GO-2099-0001")
        );
        let http2 = &r.affected[1].imports[0];
        assert!(http2.applies_to("windows", "amd64") && !http2.applies_to("linux", "amd64"));
        assert!(r.affected[0].ranges[0].includes(&Version::new(1, 15, 5)));
    }

    #[test]
    fn other_ecosystems_are_not_errors() {
        let npm = r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2020-01-01T00:00:00Z", "affected": [{"package": {"name": "x", "ecosystem": "npm"}}]}"#;
        assert_eq!(
            Record::parse(npm, "n.json").unwrap(),
            Parsed::Other {
                id: "GHSA-aaaa-bbbb-cccc".into(),
                ecosystem: "npm".into()
            }
        );
    }

    #[test]
    fn errors_name_record_and_line() {
        let bad = X_NET.replace("\"1.18.6\"", "\"1.18\"");
        let e = Record::parse(&bad, "x.json").unwrap_err().to_string();
        assert!(
            e.starts_with("x.json:8: GO-2099-0001: `1.18` of stdlib is not a Go version"),
            "{e}"
        );
        let git = X_NET.replacen("\"SEMVER\"", "\"GIT\"", 1);
        let e = Record::parse(&git, "x.json").unwrap_err().to_string();
        assert!(e.contains("range type `GIT`"), "{e}");
        let e = Record::parse("{\"id\": 1}", "y.json").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("y.json", 1));
        let e = Record::parse(&X_NET.replace("GO-2099-0001", "../../etc"), "z.json").unwrap_err();
        assert!(e.message.contains("id"), "{e}");
        let e = Record::parse(
            &X_NET.replace("CVE-2099-0001", "CVE-1\\n#   - cve: x"),
            "a.json",
        )
        .unwrap_err();
        assert!(e.message.contains("is not an id"), "{e}");
    }
}
