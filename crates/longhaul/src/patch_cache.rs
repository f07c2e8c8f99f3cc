//! Patch sources: local files, and URL items kept in a cache folder.
//!
//! URL items (upstream PR patches) are looked up in the cache first; when missing
//! and downloads are allowed they are fetched once and stored there.

use crate::error::{Error, Result};
use crate::manifest::PatchSource;
use crate::patch::{self, PatchFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Default cache location, relative to the manifest's folder.
pub const DEFAULT_CACHE_DIR: &str = ".longhaul/patch-cache";

/// A patch item that could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The URL.
    pub url: String,
    /// Why it is missing (offline, HTTP error…).
    pub reason: String,
}

/// Loads and parses patch items once, shared by every release that uses them.
pub struct PatchLoader {
    cache_dir: PathBuf,
    download: bool,
    parsed: Mutex<HashMap<PatchSource, Arc<Result<PatchFile, LoadError>>>>,
}

/// Why an item could not be used.
#[derive(Debug, Clone)]
pub enum LoadError {
    /// A URL that is neither cached nor downloadable.
    Missing(Missing),
    /// A file that cannot be read or parsed: `(file, line, message)`.
    Invalid(String, usize, String),
}

impl LoadError {
    /// Turn into the library error (for commands that must stop).
    pub fn into_error(self) -> Error {
        match self {
            LoadError::Missing(m) => Error::Patch {
                file: m.url,
                line: 0,
                message: m.reason,
            },
            LoadError::Invalid(file, line, message) => Error::Patch {
                file,
                line,
                message,
            },
        }
    }
}

impl PatchLoader {
    /// A loader with cache folder `cache_dir`; `download` allows network fetches.
    pub fn new(cache_dir: impl Into<PathBuf>, download: bool) -> Self {
        Self {
            cache_dir: cache_dir.into(),
            download,
            parsed: Mutex::new(HashMap::new()),
        }
    }

    /// The cache folder.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The cache file for `url`.
    pub fn cache_path(&self, url: &str) -> PathBuf {
        self.cache_dir.join(cache_name(url))
    }

    /// Load and parse `source`, once.
    pub fn load(&self, source: &PatchSource) -> Arc<Result<PatchFile, LoadError>> {
        if let Some(hit) = self.parsed.lock().expect("not poisoned").get(source) {
            return hit.clone();
        }
        let result = Arc::new(self.load_uncached(source));
        self.parsed
            .lock()
            .expect("not poisoned")
            .insert(source.clone(), result.clone());
        result
    }

    fn load_uncached(&self, source: &PatchSource) -> Result<PatchFile, LoadError> {
        let (bytes, label) = match source {
            PatchSource::File(path) => (
                std::fs::read(path).map_err(|e| {
                    LoadError::Invalid(
                        path.display().to_string(),
                        0,
                        format!("cannot read patch file: {e}"),
                    )
                })?,
                path.display().to_string(),
            ),
            PatchSource::Url(url) => (self.fetch(url)?, url.clone()),
        };
        patch::parse(&bytes).map_err(|e| LoadError::Invalid(label, e.line, e.message))
    }

    fn fetch(&self, url: &str) -> Result<Vec<u8>, LoadError> {
        let path = self.cache_path(url);
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        if !self.download {
            return Err(LoadError::Missing(Missing {
                url: url.to_string(),
                reason: format!(
                    "not in the patch cache ({}) and downloads are off",
                    path.display()
                ),
            }));
        }
        let bytes = crate::download::get(url).map_err(|reason| {
            LoadError::Missing(Missing {
                url: url.to_string(),
                reason,
            })
        })?;
        store(&path, &bytes).map_err(|e| {
            LoadError::Missing(Missing {
                url: url.to_string(),
                reason: format!("downloaded but cannot write {}: {e}", path.display()),
            })
        })?;
        Ok(bytes)
    }
}

/// A file name for `url` that is readable and unique enough: the URL without
/// its scheme, with every unusual character replaced by `_`.
pub fn cache_name(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Write atomically: a temporary file in the same folder, then rename.
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("patch"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::cache_name;

    #[test]
    fn cache_names_are_flat_and_readable() {
        assert_eq!(
            cache_name("https://github.com/kubernetes/kubernetes/pull/124531.patch"),
            "github.com_kubernetes_kubernetes_pull_124531.patch"
        );
    }
}
