//! The advisory folder of an LTS repository: one pretty-printed OSV file per
//! advisory (`advisories/CVE-2021-25741.json`), easy to review in pull requests.

use super::{Advisory, AdvisoryError};
use std::path::{Path, PathBuf};

/// Default folder, relative to the manifest.
pub const DEFAULT_DIR: &str = "advisories";

/// What importing did to one advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// A new file.
    Added,
    /// The file changed.
    Updated,
    /// Same content as before.
    Unchanged,
    /// Kept the stored OSV record over one converted from the native feed.
    Kept,
}

/// Load every `*.json` in `dir`, sorted by id. A missing folder is empty.
pub fn load(dir: &Path) -> Result<Vec<Advisory>, AdvisoryError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| AdvisoryError {
            file: p.display().to_string(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        out.push(Advisory::from_json(&text, &p.display().to_string())?);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The canonical file content of an advisory.
pub fn render(advisory: &Advisory) -> String {
    serde_json::to_string_pretty(advisory).expect("serializable") + "\n"
}

fn is_converted(a: &Advisory) -> bool {
    a.extra
        .get("database_specific")
        .and_then(|d| d.get("longhaul"))
        .and_then(|l| l.get("source"))
        .and_then(|s| s.as_str())
        == Some(super::feed::SOURCE)
}

/// Write `advisories` into `dir`: all temporary files first, then renames, so a
/// failure leaves no half-import. A record converted from the native feed never
/// replaces a stored OSV record.
pub fn save(dir: &Path, advisories: &[Advisory]) -> std::io::Result<Vec<(String, Change)>> {
    std::fs::create_dir_all(dir)?;
    let mut planned = Vec::new();
    for a in advisories {
        let path = dir.join(format!("{}.json", file_stem(&a.id)));
        let new = render(a);
        let change = match std::fs::read_to_string(&path) {
            Err(_) => Change::Added,
            Ok(old) if old == new => Change::Unchanged,
            Ok(old) => match Advisory::from_json(&old, "") {
                Ok(existing) if is_converted(a) && !is_converted(&existing) => Change::Kept,
                _ => Change::Updated,
            },
        };
        planned.push((a.id.clone(), path, new, change));
    }
    let mut temps = Vec::new();
    let result = (|| {
        for (_, path, content, change) in &planned {
            if matches!(change, Change::Added | Change::Updated) {
                let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
                std::fs::write(&tmp, content)?;
                temps.push((tmp, path.clone()));
            }
        }
        for (tmp, path) in &temps {
            std::fs::rename(tmp, path)?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    Ok(planned.into_iter().map(|(id, _, _, c)| (id, c)).collect())
}

fn file_stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}
