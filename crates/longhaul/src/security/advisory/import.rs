//! `advisories import`: OSV records (files, folders, URLs) and the native feed,
//! parsed completely before anything is written.

use super::store::{self, Change};
use super::{Advisory, AdvisoryError, feed};
use std::collections::BTreeMap;
use std::path::Path;

/// What an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    /// Per advisory id, what happened to its file.
    pub advisories: Vec<(String, Change)>,
    /// Per converted native-feed item, what could not be extracted.
    pub notes: Vec<(String, Vec<String>)>,
}

/// Import every source into `dir`. A source is an `http(s)://` URL, a folder
/// (its `*.json` files) or a file: an OSV record or a native JSON feed. Any bad
/// input fails the whole import before a file is written.
pub fn import(
    sources: &[String],
    dir: &Path,
    fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<ImportReport, AdvisoryError> {
    import_at(sources, dir, fetch, None)
}

/// [`import`], recording `now` as the import time when given (the feed's
/// age starts there; see [`crate::security::freshness`]).
pub fn import_at(
    sources: &[String],
    dir: &Path,
    fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    now: Option<i64>,
) -> Result<ImportReport, AdvisoryError> {
    import_texts(&read_sources(sources, fetch)?, dir, now)
}

/// The text of every source (URL, folder's `*.json`, file), as `(name, text)`.
pub fn read_sources(
    sources: &[String],
    fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<Vec<(String, String)>, AdvisoryError> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let read = |path: &Path| {
        crate::fs::read_to_string(path).map_err(|e| AdvisoryError {
            file: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })
    };
    for source in sources {
        if source.starts_with("http://") || source.starts_with("https://") {
            let bytes = fetch(source).map_err(|message| AdvisoryError {
                file: source.clone(),
                line: 0,
                message,
            })?;
            let text = String::from_utf8(bytes).map_err(|_| AdvisoryError {
                file: source.clone(),
                line: 0,
                message: "not UTF-8 JSON".into(),
            })?;
            texts.push((source.clone(), text));
        } else if Path::new(source).is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(source)
                .map_err(|e| AdvisoryError {
                    file: source.clone(),
                    line: 0,
                    message: format!("cannot read folder: {e}"),
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            for f in files {
                texts.push((f.display().to_string(), read(&f)?));
            }
        } else {
            texts.push((source.clone(), read(Path::new(source))?));
        }
    }
    Ok(texts)
}

/// Import `texts` (OSV records or native feeds) into `dir`: all parsed
/// before anything is written; `now`, when given, is recorded as the import
/// time.
pub fn import_texts(
    texts: &[(String, String)],
    dir: &Path,
    now: Option<i64>,
) -> Result<ImportReport, AdvisoryError> {
    let mut by_id: BTreeMap<String, (Advisory, bool)> = BTreeMap::new();
    let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in texts {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| AdvisoryError {
            file: file.clone(),
            line: e.line(),
            message: format!("not JSON: {e}"),
        })?;
        if feed::is_feed(&value) {
            for c in feed::convert(text, file)? {
                if !c.notes.is_empty() {
                    notes.insert(c.advisory.id.clone(), c.notes.clone());
                }
                // An OSV record of the same id, in this import, wins over a conversion.
                by_id
                    .entry(c.advisory.id.clone())
                    .or_insert((c.advisory, true));
            }
        } else {
            let a = Advisory::from_json(text, file)?;
            by_id.insert(a.id.clone(), (a, false));
        }
    }
    // Notes only for conversions that were kept.
    notes.retain(|id, _| by_id.get(id).is_some_and(|(_, converted)| *converted));
    let advisories: Vec<Advisory> = by_id.into_values().map(|(a, _)| a).collect();
    let changes = store::save_at(dir, &advisories, now)?;
    Ok(ImportReport {
        advisories: changes,
        notes: notes.into_iter().collect(),
    })
}
