//! File-system plumbing that keeps longhaul's promises about untrusted input:
//! reads that are bounded and only of regular files, writes that land whole or
//! not at all, and file names that cannot leave their folder.
//!
//! Manifests, patches, statements and advisories come from pull requests, so a
//! symlink to `/dev/zero`, a FIFO or a huge file must be refused with a clear
//! reason instead of hanging or exhausting memory.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The most longhaul reads from one local file or one download: 64 MiB.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The OS refused (missing file, permissions…).
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// A FIFO, device, socket or folder (symlinks are followed first).
    #[error("refused: expected a regular file, found {0}")]
    NotRegular(&'static str),
    /// Larger than the limit.
    #[error("refused: {size} bytes is more than the {limit}-byte limit for an input file")]
    TooLarge {
        /// The size found.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8 where text is required.
    #[error("expected UTF-8 text: {0}")]
    NotUtf8(std::string::FromUtf8Error),
}

impl ReadError {
    /// Whether the file simply does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Read a regular file of at most `limit` bytes. FIFOs, devices and folders are
/// refused before they are opened, so nothing blocks and nothing unbounded is read.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    check_regular(&std::fs::metadata(path)?, limit)?;
    let file = std::fs::File::open(path)?;
    // The file may have been swapped between the check and the open.
    check_regular(&file.metadata()?, limit)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// [`read_limited`] with the default limit ([`MAX_INPUT_BYTES`]).
pub fn read(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_limited(path, MAX_INPUT_BYTES)
}

/// A file that was refused or could not be read, with its path.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub source: ReadError,
}

/// [`read_to_string`] with the path in the error, for callers that report it.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    read_to_string(path).map_err(|source| FileError {
        path: path.to_path_buf(),
        source,
    })
}

/// [`read`] with the path in the error, for callers that report it.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, FileError> {
    read(path).map_err(|source| FileError {
        path: path.to_path_buf(),
        source,
    })
}

/// [`read`] as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(read(path)?).map_err(ReadError::NotUtf8)
}

fn check_regular(meta: &std::fs::Metadata, limit: u64) -> Result<(), ReadError> {
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular(if kind.is_dir() {
            "a folder"
        } else {
            special_kind(&kind)
        }));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// A name for a temporary sibling of `path` that no other process uses.
fn temp_sibling(path: &Path, what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.{what}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Write `bytes` to `path` whole or not at all: a temporary file in the same
/// folder, flushed, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temp_sibling(path, "tmp");
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Replace the folder `dir` with a complete new one: `fill` writes the new
/// content into a staging folder beside it, and only when it succeeds is the
/// staging folder renamed into place (the old one is moved aside first and
/// removed after). A failure in `fill` leaves `dir` as it was.
///
/// Between the two renames `dir` is briefly absent; if the process dies there,
/// the old folder is still complete beside it, and the next call (or
/// [`recover_dir`]) puts it back. Staging folders of runs that died more than
/// an hour ago are removed.
pub fn replace_dir(
    dir: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    recover_dir(dir)?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)?;
    }
    let stage = temp_sibling(dir, "new");
    std::fs::create_dir(&stage)?;
    if let Err(e) = fill(&stage) {
        let _ = std::fs::remove_dir_all(&stage);
        return Err(e);
    }
    let old = temp_sibling(dir, "old");
    let had_old = match std::fs::rename(dir, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&stage);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(&stage, dir) {
        if had_old {
            let _ = std::fs::rename(&old, dir);
        }
        let _ = std::fs::remove_dir_all(&stage);
        return Err(e);
    }
    if had_old {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// Undo what an interrupted [`replace_dir`] (or an interrupted
/// [`write_atomic`]) left beside `dir`: put a moved-aside folder back when
/// `dir` is missing, and remove staging folders and temporary files.
pub fn recover_dir(dir: &Path) -> std::io::Result<()> {
    for (path, aside) in leftovers(dir) {
        if aside && !dir.exists() {
            std::fs::rename(&path, dir)?;
        } else if is_stale(&path) {
            std::fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}

/// What [`replace_dir`] runs left beside `dir`: `(path, true)` for a copy of
/// `dir` moved aside (`.NAME.old-…`), `(path, false)` for a staging folder
/// (`.NAME.new-…`).
fn leftovers(dir: &Path) -> Vec<(PathBuf, bool)> {
    let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.");
    entries
        .flatten()
        .filter_map(|entry| {
            let n = entry.file_name().to_string_lossy().into_owned();
            let rest = n.strip_prefix(&prefix)?;
            if rest.starts_with("old-") {
                Some((entry.path(), true))
            } else if rest.starts_with("new-") {
                Some((entry.path(), false))
            } else {
                None
            }
        })
        .collect()
}

/// Older than an hour: no run still working on it.
fn is_stale(path: &Path) -> bool {
    let hour = std::time::Duration::from_secs(3600);
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > hour))
}

/// The copy of `dir` an interrupted [`replace_dir`] moved aside, when `dir`
/// itself is missing. Reads only.
pub fn moved_aside(dir: &Path) -> Option<PathBuf> {
    if dir.exists() {
        return None;
    }
    leftovers(dir)
        .into_iter()
        .find(|(_, aside)| *aside)
        .map(|(path, _)| path)
}

/// Whether `name` is a temporary file of [`write_atomic`] (`.NAME.tmp-PID-N`).
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Remove temporary files that interrupted [`write_atomic`] calls left in `dir`
/// more than an hour ago (younger ones may belong to a run still writing).
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let n = entry.file_name().to_string_lossy().into_owned();
        if is_temporary_name(&n) && is_stale(&entry.path()) && entry.path().is_file() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `name` if it is safe as one file name inside a folder: ASCII letters,
/// digits, `.`, `_` and `-`, not starting with `.`, at most 128 characters.
/// Untrusted strings (advisory ids, URLs) become file names only through this.
pub fn safe_file_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 100]).unwrap();
        assert!(matches!(
            read_limited(&big, 10),
            Err(ReadError::TooLarge { size: 100, .. })
        ));
        assert!(matches!(
            read(Path::new("/dev/zero")),
            Err(ReadError::NotRegular("a device"))
        ));
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read(&link),
            Err(ReadError::NotRegular("a device"))
        ));
        assert!(matches!(
            read(dir.path()),
            Err(ReadError::NotRegular("a folder"))
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(matches!(read(&fifo), Err(ReadError::NotRegular("a FIFO"))));
        assert!(
            read(&dir.path().join("missing"))
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn replace_dir_is_all_or_nothing_and_recovers() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("stale.json"), "old").unwrap();
        let failed = replace_dir(&dir, |stage| {
            std::fs::write(stage.join("a.json"), "new")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read_to_string(dir.join("stale.json")).unwrap(),
            "old"
        );
        replace_dir(&dir, |stage| std::fs::write(stage.join("a.json"), "new")).unwrap();
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
        // A run killed between its two renames: the old folder is beside it.
        std::fs::rename(&dir, root.path().join(".out.old-1-0")).unwrap();
        assert_eq!(moved_aside(&dir), Some(root.path().join(".out.old-1-0")));
        let dead = root.path().join(".out.new-1-1");
        let live = root.path().join(".out.new-2-0");
        std::fs::create_dir(&dead).unwrap();
        std::fs::create_dir(&live).unwrap();
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::open(&dead)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        recover_dir(&dir).unwrap();
        assert!(
            live.is_dir(),
            "a run that may still be writing keeps its staging folder"
        );
        std::fs::remove_dir(&live).unwrap();
        assert!(dir.join("a.json").is_file());
        assert_eq!(moved_aside(&dir), None);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn only_plain_names_are_safe() {
        for bad in [
            "",
            "a/b",
            "..",
            ".hidden",
            "CVE-1/../../x",
            "a\\b",
            "a b",
            "é",
        ] {
            assert_eq!(safe_file_name(bad), None, "{bad:?}");
        }
        assert_eq!(safe_file_name("CVE-2021-25741"), Some("CVE-2021-25741"));
    }
}
