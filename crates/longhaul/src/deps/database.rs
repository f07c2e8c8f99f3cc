//! The Go vulnerability database as longhaul reads it: a folder of OSV
//! records, one file per record named by its id. `advisories import` stores
//! the Go records it is given in `advisories/go-vulndb/` (beside the
//! Kubernetes feed, never mixed with it); `--go-vulndb DIR` reads any such
//! folder (the database's own `osv/` folder) in place.

use super::record::{Parsed, Record, RecordError};
use crate::security::freshness::FeedAge;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The folder of imported Go records, inside the advisory folder.
pub const STORE_DIR: &str = "go-vulndb";

/// The name outputs use for it.
pub const NAME: &str = "Go vulnerability database";

/// The records read from a folder.
#[derive(Debug, Clone, Default)]
pub struct Database {
    /// Where they were read from.
    pub dir: PathBuf,
    /// Go records in force, sorted by id.
    pub records: Vec<Record>,
    /// Files skipped because they are for other ecosystems: ecosystem → count.
    pub skipped: BTreeMap<String, usize>,
    /// Withdrawn records (not matched).
    pub withdrawn: Vec<String>,
    /// Module path (`stdlib` included) → (record index, affected index).
    by_module: HashMap<String, Vec<(usize, usize)>>,
}

impl Database {
    /// Read every `*.json` in `dir`. A missing folder is an empty database; a
    /// file that is not a Go record parses as, or whose name is not its id, is
    /// an error naming it. Records of other ecosystems are skipped and
    /// counted; withdrawn records are kept aside.
    pub fn load(dir: &Path) -> Result<Database, RecordError> {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(RecordError {
                    file: dir.display().to_string(),
                    line: 0,
                    message: format!("cannot read the folder: {e}"),
                });
            }
        };
        paths.sort();
        let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let parsed = on_every_core(&paths, read_record)?;
        let mut db = Database::assemble(files.iter().map(String::as_str).zip(parsed), true)?;
        db.dir = dir.to_path_buf();
        Ok(db)
    }

    /// Parse `(file, text)` pairs. With `named`, each file's stem must be its
    /// record's id (so that a record cannot pose as another).
    pub fn from_texts(texts: &[(String, String)], named: bool) -> Result<Database, RecordError> {
        let parsed = on_every_core(texts, |(file, text)| Record::parse(text, file))?;
        Database::assemble(texts.iter().map(|(f, _)| f.as_str()).zip(parsed), named)
    }

    /// The database of parsed files.
    fn assemble<'f>(
        parsed: impl Iterator<Item = (&'f str, Parsed)>,
        named: bool,
    ) -> Result<Database, RecordError> {
        let mut db = Database::default();
        for (file, p) in parsed {
            match p {
                Parsed::Other { ecosystem, .. } => *db.skipped.entry(ecosystem).or_default() += 1,
                Parsed::Go(r) => {
                    let stem = Path::new(file).file_stem().and_then(|s| s.to_str());
                    if named && stem != Some(r.id.as_str()) {
                        return Err(RecordError {
                            file: file.to_string(),
                            line: 0,
                            message: format!(
                                "holds record `{}`: expected the file to be named {}.json",
                                r.id, r.id
                            ),
                        });
                    }
                    if r.withdrawn.is_some() {
                        db.withdrawn.push(r.id);
                    } else {
                        db.records.push(r);
                    }
                }
            }
        }
        db.records.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = db.records.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(RecordError {
                file: "(import)".into(),
                line: 0,
                message: format!("record {} is given twice", w[0].id),
            });
        }
        db.index();
        Ok(db)
    }

    fn index(&mut self) {
        self.by_module.clear();
        for (i, r) in self.records.iter().enumerate() {
            for (j, a) in r.affected.iter().enumerate() {
                self.by_module
                    .entry(a.module.clone())
                    .or_default()
                    .push((i, j));
            }
        }
    }

    /// The (record, affected entry) pairs for `module`.
    pub fn for_module<'a>(
        &'a self,
        module: &str,
    ) -> impl Iterator<Item = (&'a Record, &'a super::record::AffectedModule)> + 'a {
        self.by_module
            .get(module)
            .into_iter()
            .flatten()
            .map(|&(i, j)| (&self.records[i], &self.records[i].affected[j]))
    }

    /// The record with id `id`.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.records
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.records[i])
    }

    /// The database's age at `now`: the newest `modified` among its records
    /// (Go's zero time, `0001-01-01T00:00:00Z`, says nothing and is left out)
    /// and the import time `advisories import` recorded in its folder.
    pub fn age(&self, now: i64, max_age_days: u32) -> FeedAge {
        let dated = |m: &str| crate::time::parse_rfc3339(m).is_some_and(|t| t > 0);
        let imported = (!self.dir.as_os_str().is_empty())
            .then(|| crate::security::freshness::read_import_record(&self.dir))
            .flatten();
        FeedAge::new(
            self.records.iter().map(|r| {
                let m = r.modified.as_str();
                (r.id.as_str(), if dated(m) { m } else { "" })
            }),
            imported,
            now,
            max_age_days,
        )
    }

    /// How many files were skipped for other ecosystems.
    pub fn skipped_count(&self) -> usize {
        self.skipped.values().sum()
    }
}

/// Read and parse the record file `path`: a regular file of the folder,
/// never a link out of it.
fn read_record(path: &PathBuf) -> Result<Parsed, RecordError> {
    let file = path.display().to_string();
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(RecordError {
            file,
            line: 0,
            message: "is a symbolic link: records must be regular files of the folder".into(),
        });
    }
    let text = crate::fs::read_to_string(path).map_err(|e| RecordError {
        file: file.clone(),
        line: 0,
        message: e.to_string(),
    })?;
    Record::parse(&text, &file)
}

/// `work` on each of `items`, on every core (the database has thousands of
/// records), in order; the first error in order wins.
fn on_every_core<I: Sync, T: Send>(
    items: &[I],
    work: impl Fn(&I) -> Result<T, RecordError> + Sync,
) -> Result<Vec<T>, RecordError> {
    let jobs = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = items.len().div_ceil(jobs).max(1);
    let work = &work;
    let results: Vec<Result<Vec<T>, RecordError>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(work).collect::<Result<Vec<_>, _>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reading does not panic"))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Write `texts` (Go records, already checked with [`Database::from_texts`])
/// into `dir` in one step: a complete new folder with the old records and the
/// new ones, pretty-printed, is swapped in; a failure leaves the old one whole.
/// `imported`, when given, is recorded as the import time (else the old
/// record, if any, is kept). Returns the number of records the folder holds
/// afterwards.
pub fn save(
    dir: &Path,
    records: &[(String, serde_json::Value)],
    imported: Option<i64>,
) -> Result<usize, RecordError> {
    let error = |message: String| RecordError {
        file: dir.display().to_string(),
        line: 0,
        message,
    };
    crate::fs::recover_dir(dir)
        .map_err(|e| error(format!("cannot recover from an interrupted import: {e}")))?;
    let mut files = stored_records(dir, &error)?;
    for (id, value) in records {
        let (name, text) = record_file(id, value).map_err(error)?;
        files.insert(name, text);
    }
    let count = files.len();
    let record = crate::security::freshness::IMPORT_RECORD;
    // The old record is kept only as a time it reads back as (never through a link).
    let stamp = imported.or_else(|| crate::security::freshness::read_import_record(dir));
    files.extend(stamp.map(|t| {
        (
            record.to_string(),
            crate::security::freshness::import_record(t),
        )
    }));
    crate::fs::replace_dir(dir, |stage| {
        for (name, text) in &files {
            std::fs::write(stage.join(name), text)?;
        }
        Ok(())
    })
    .map_err(|e| {
        error(format!(
            "cannot write the records: {e}; the folder is unchanged"
        ))
    })?;
    Ok(count)
}

/// The records the folder holds: file name → text.
fn stored_records(
    dir: &Path,
    error: &dyn Fn(String) -> RecordError,
) -> Result<BTreeMap<String, String>, RecordError> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !crate::fs::is_temporary_name(&name) {
                let text = crate::fs::read_to_string(&e.path())
                    .map_err(|err| error(format!("{name}: {err}")))?;
                files.insert(name, text);
            }
        }
    }
    Ok(files)
}

/// The file name and text of record `id`: a plain file name, and text that
/// reads back (every later command reads each record with the same limit).
fn record_file(id: &str, value: &serde_json::Value) -> Result<(String, String), String> {
    let name = crate::fs::safe_file_name(id)
        .map(|n| format!("{n}.json"))
        .ok_or_else(|| {
            format!(
                "record id `{}` is not a plain file name; nothing was written",
                id.escape_debug()
            )
        })?;
    let text = serde_json::to_string_pretty(value).expect("serializable") + "\n";
    if text.len() as u64 > crate::fs::MAX_INPUT_BYTES {
        return Err(format!(
            "record `{id}` would be written as {} bytes, more than the {}-byte limit every command reads a file with; nothing was written",
            text.len(),
            crate::fs::MAX_INPUT_BYTES
        ));
    }
    Ok((name, text))
}
