//! `advisories import` for both databases: the Kubernetes feed's records go
//! to the advisory folder, the Go vulnerability database's to its own folder
//! (`advisories/go-vulndb/`), and records of other ecosystems are skipped and
//! counted. Everything is parsed before anything is written.

use super::database::Database;
use crate::security::advisory::import::{ImportReport, import_texts, read_sources};
use crate::security::advisory::{AdvisoryError, feed};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The Kubernetes feed's part (`None`: no such record given).
    pub kubernetes: Option<ImportReport>,
    /// Go records given (ids), when any.
    pub go: Vec<String>,
    /// Records the Go folder holds afterwards.
    pub go_stored: usize,
    /// Go records given that are withdrawn (stored, never matched).
    pub go_withdrawn: usize,
    /// Files skipped because their records are for other ecosystems:
    /// ecosystem → files.
    pub skipped: BTreeMap<String, Vec<String>>,
}

enum Kind {
    Kubernetes,
    Go,
    Other(String),
}

fn kind(value: &serde_json::Value) -> Kind {
    if feed::is_feed(value) {
        return Kind::Kubernetes;
    }
    let ecosystems: Vec<&str> = value
        .get("affected")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("package")?.get("ecosystem")?.as_str())
        .collect();
    if ecosystems.contains(&super::record::ECOSYSTEM) {
        Kind::Go
    } else if ecosystems.is_empty()
        || ecosystems
            .iter()
            .any(|e| e.eq_ignore_ascii_case(crate::security::advisory::ECOSYSTEM))
    {
        Kind::Kubernetes
    } else {
        let mut e: Vec<&str> = ecosystems;
        e.sort();
        e.dedup();
        Kind::Other(e.join(", "))
    }
}

/// Import `sources` into `advisories` (the Kubernetes feed) and `go_dir`;
/// `now`, when given, is recorded in each folder written as its import time.
pub fn import(
    sources: &[String],
    advisories: &Path,
    go_dir: &Path,
    fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    now: Option<i64>,
) -> Result<Imported, AdvisoryError> {
    let texts = read_sources(sources, fetch)?;
    let (k8s, go, skipped) = sort_sources(texts)?;
    // Check the Go records completely first: a bad one writes nothing.
    let go_texts: Vec<(String, String)> =
        go.iter().map(|(f, t, _)| (f.clone(), t.clone())).collect();
    let db = Database::from_texts(&go_texts, false).map_err(|e| AdvisoryError {
        file: e.file,
        line: e.line,
        message: e.message,
    })?;
    let kubernetes = if k8s.is_empty() {
        None
    } else {
        Some(import_texts(&k8s, advisories, now)?)
    };
    let (ids, go_stored) = if go.is_empty() {
        (Vec::new(), 0)
    } else {
        save_go(go_dir, go, now)?
    };
    Ok(Imported {
        kubernetes,
        go: ids,
        go_stored,
        go_withdrawn: db.withdrawn.len(),
        skipped,
    })
}

/// The sources by kind: (name, text) of the Kubernetes feed's, (name, text,
/// JSON) of the Go records, and the names of the others by ecosystem.
type Sorted = (
    Vec<(String, String)>,
    Vec<(String, String, serde_json::Value)>,
    BTreeMap<String, Vec<String>>,
);

/// The sources by kind: the Kubernetes feed's, the Go records, and the
/// files of other ecosystems (skipped, by ecosystem).
fn sort_sources(texts: Vec<(String, String)>) -> Result<Sorted, AdvisoryError> {
    let (mut k8s, mut go) = (Vec::new(), Vec::new());
    let mut skipped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in texts {
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| AdvisoryError {
            file: file.clone(),
            line: e.line(),
            message: format!("not JSON: {e}"),
        })?;
        match kind(&value) {
            Kind::Kubernetes => k8s.push((file, text)),
            Kind::Go => go.push((file, text, value)),
            Kind::Other(e) => skipped.entry(e).or_default().push(file),
        }
    }
    Ok((k8s, go, skipped))
}

/// Save the Go records into `go_dir`: their ids, and how many records the
/// folder holds afterwards.
fn save_go(
    go_dir: &Path,
    go: Vec<(String, String, serde_json::Value)>,
    now: Option<i64>,
) -> Result<(Vec<String>, usize), AdvisoryError> {
    let records: Vec<(String, serde_json::Value)> = go
        .into_iter()
        .map(|(_, _, v)| {
            (
                v.get("id")
                    .and_then(|i| i.as_str())
                    .unwrap_or("")
                    .to_string(),
                v,
            )
        })
        .collect();
    let ids = records.iter().map(|(id, _)| id.clone()).collect();
    let stored = super::database::save(go_dir, &records, now).map_err(|e| AdvisoryError {
        file: e.file,
        line: e.line,
        message: e.message,
    })?;
    Ok((ids, stored))
}
