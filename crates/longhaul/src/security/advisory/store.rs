//! The advisory folder of an LTS repository: one pretty-printed OSV file per
//! advisory (`advisories/CVE-2021-25741.json`), easy to review in pull requests.

use super::{Advisory, AdvisoryError};
use std::collections::BTreeMap;
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

/// Load every `*.json` in `dir`, sorted by id. A missing folder is empty,
/// unless an interrupted import left it moved aside (then an error says so;
/// loading never writes). Each file is read with [`crate::fs::read_to_string`]'s
/// limits, and its id must be the file's name (so a record cannot pose as another).
pub fn load(dir: &Path) -> Result<Vec<Advisory>, AdvisoryError> {
    if let Some(aside) = crate::fs::moved_aside(dir) {
        return Err(AdvisoryError {
            file: dir.display().to_string(),
            line: 0,
            message: format!(
                "missing: an interrupted import left it at {}; run `longhaul advisories import` again (it restores the folder first) or rename it back",
                aside.display()
            ),
        });
    }
    refuse_link(dir, "folder")?;
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
        refuse_link(&p, "record")?;
        let file = p.display().to_string();
        let text = crate::fs::read_to_string(&p).map_err(|e| AdvisoryError {
            file: file.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let advisory = Advisory::from_json(&text, &file)?;
        if p.file_stem() != Some(std::ffi::OsStr::new(&advisory.id)) {
            return Err(AdvisoryError {
                file,
                line: 0,
                message: format!(
                    "holds advisory `{}`: expected the file to be named {}",
                    advisory.id,
                    file_name(&advisory.id)
                ),
            });
        }
        out.push(advisory);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// A committed symbolic link would let a pull request point the advisory
/// folder, or one record, at any file of the machine: refused.
fn refuse_link(path: &Path, what: &str) -> Result<(), AdvisoryError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(AdvisoryError {
            file: path.display().to_string(),
            line: 0,
            message: format!(
                "is a symbolic link: an advisory {what} is read only as a real {}, never through a link (pass the folder it points to with --advisories)",
                if what == "folder" { "folder" } else { "file" }
            ),
        }),
        _ => Ok(()),
    }
}

/// The canonical file content of an advisory.
pub fn render(advisory: &Advisory) -> String {
    serde_json::to_string_pretty(advisory).expect("serializable") + "\n"
}

/// The file name of an advisory: its id (checked by [`super::check_id`]) and `.json`.
pub fn file_name(id: &str) -> String {
    format!("{id}.json")
}

fn is_converted(a: &Advisory) -> bool {
    a.extra
        .get("database_specific")
        .and_then(|d| d.get("longhaul"))
        .and_then(|l| l.get("source"))
        .and_then(|s| s.as_str())
        == Some(super::feed::SOURCE)
}

/// Write `advisories` into `dir` in one step: a complete new folder (what `dir`
/// held, plus the new and updated records) is staged beside it and swapped in
/// ([`crate::fs::replace_dir`]), so a failure or a kill leaves the old folder
/// whole. A record converted from the native feed never replaces a stored OSV
/// record. Ids that would share a file on a case-insensitive file system are
/// refused before anything is written.
pub fn save(dir: &Path, advisories: &[Advisory]) -> Result<Vec<(String, Change)>, AdvisoryError> {
    save_at(dir, advisories, None)
}

/// [`save`], and with `imported` the import time, recorded in the same step
/// (see [`crate::security::freshness::IMPORT_RECORD`]).
pub fn save_at(
    dir: &Path,
    advisories: &[Advisory],
    imported: Option<i64>,
) -> Result<Vec<(String, Change)>, AdvisoryError> {
    check_ids(dir, advisories)?;
    crate::fs::recover_dir(dir).map_err(|e| {
        store_error(
            dir,
            format!("cannot recover from an interrupted import: {e}"),
        )
    })?;
    let planned = advisories
        .iter()
        .map(|a| plan(dir, a))
        .collect::<Result<Vec<_>, _>>()?;
    let record = imported.map(crate::security::freshness::import_record);
    let mut writes: BTreeMap<String, &str> = planned
        .iter()
        .filter(|(_, _, c)| matches!(c, Change::Added | Change::Updated))
        .map(|(id, text, _)| (file_name(id), text.as_str()))
        .collect();
    if let Some(text) = &record {
        writes.insert(crate::security::freshness::IMPORT_RECORD.into(), text);
    }
    if !writes.is_empty() {
        write_all(dir, &writes)?;
    }
    Ok(planned.into_iter().map(|(id, _, c)| (id, c)).collect())
}

/// An error about the advisory folder `dir` (no line).
fn store_error(dir: &Path, message: String) -> AdvisoryError {
    AdvisoryError {
        file: dir.display().to_string(),
        line: 0,
        message,
    }
}

/// Every id usable as a file name, and no two that differ only in case.
fn check_ids(dir: &Path, advisories: &[Advisory]) -> Result<(), AdvisoryError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for a in advisories {
        if let Err(why) = super::check_id(&a.id) {
            return Err(store_error(
                dir,
                format!(
                    "advisory id `{}` {why}; nothing was written",
                    a.id.escape_debug()
                ),
            ));
        }
        if let Some(other) = seen.insert(a.id.to_ascii_lowercase(), &a.id)
            && other != a.id
        {
            return Err(store_error(
                dir,
                format!(
                    "advisory ids `{other}` and `{}` differ only in case and would share one file; nothing was written",
                    a.id
                ),
            ));
        }
    }
    Ok(())
}

/// Advisory `a`'s id, its rendered record and what saving it changes.
fn plan(dir: &Path, a: &Advisory) -> Result<(String, String, Change), AdvisoryError> {
    let path = dir.join(file_name(&a.id));
    let new = render(a);
    // What is written must read back: every later command reads each
    // record with the same limit.
    if new.len() as u64 > crate::fs::MAX_INPUT_BYTES {
        return Err(store_error(
            dir,
            format!(
                "advisory `{}` would be written as {} bytes, more than the {}-byte limit every command reads a file with; nothing was written",
                a.id,
                new.len(),
                crate::fs::MAX_INPUT_BYTES
            ),
        ));
    }
    let change = match crate::fs::read_to_string(&path) {
        Err(e) if e.is_not_found() => Change::Added,
        Err(e) => return Err(store_error(dir, format!("{}: {e}", path.display()))),
        Ok(old) if old == new => Change::Unchanged,
        Ok(old) => match Advisory::from_json(&old, "") {
            Ok(existing) if is_converted(a) && !is_converted(&existing) => Change::Kept,
            _ => Change::Updated,
        },
    };
    Ok((a.id.clone(), new, change))
}

/// Replace `dir` by a copy holding `writes` (file name → text), in one step.
fn write_all(dir: &Path, writes: &BTreeMap<String, &str>) -> Result<(), AdvisoryError> {
    crate::fs::replace_dir(dir, |stage| {
        copy_folder(dir, stage, writes)?;
        for (name, text) in writes {
            std::fs::write(stage.join(name), text)?;
        }
        Ok(())
    })
    .map_err(|e| {
        store_error(
            dir,
            format!("cannot write advisories: {e}; the folder is unchanged"),
        )
    })
}

/// Copy what `from` holds into `to`, except the files about to be replaced and
/// temporaries of interrupted runs (`.NAME.tmp-…`, and `NAME.json.tmpPID` of
/// older versions).
fn copy_folder(from: &Path, to: &Path, replaced: &BTreeMap<String, &str>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = crate::fs::is_temporary_name(&name)
            || name
                .rsplit_once(".json.tmp")
                .is_some_and(|(_, pid)| pid.bytes().all(|b| b.is_ascii_digit()));
        if stale || replaced.contains_key(&name) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir(to.join(&name))?;
            copy_folder(&entry.path(), &to.join(&name), &BTreeMap::new())?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}
