//! Patch sources: local files, and URL items kept in a cache folder.
//!
//! URL items (upstream PR patches) are looked up in the cache first; when missing
//! and downloads are allowed they are fetched once and stored there, but only
//! when they parse as a patch. The cache's `index.json` maps each full URL to its
//! file (a readable name plus a hash of the URL), so no two URLs share a file.

use crate::error::{Error, Result};
use crate::patch::{self, PatchFile};
use crate::release::manifest::PatchSource;
use std::collections::{BTreeMap, HashMap};
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
    /// The LTS repository: local items must resolve inside it (see [`Self::confined_to`]).
    root: Option<PathBuf>,
    parsed: Mutex<HashMap<PatchSource, Arc<Result<PatchFile, LoadError>>>>,
    /// The cache's URL index, read on first use.
    index: Mutex<Option<CacheIndex>>,
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
            // No line to name: the file itself could not be used.
            LoadError::Invalid(file, 0, message) => Error::Input(format!("{file}: {message}")),
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
            root: None,
            parsed: Mutex::new(HashMap::new()),
            index: Mutex::new(None),
        }
    }

    /// Read local items only when they resolve inside `root` (the LTS
    /// repository), symbolic links included: a pull request can commit
    /// `patches/x.patch -> /proc/self/environ`. Writes to a cache folder
    /// inside `root` refuse to pass through symbolic links.
    pub fn confined_to(mut self, root: &Path) -> Self {
        self.root = Some(root.to_path_buf());
        self
    }

    /// The bytes of the local item `path`, read as [`Self::load`] reads it
    /// (inside the repository, bounded, regular files only).
    pub fn read_file(&self, path: &Path) -> Result<Vec<u8>, LoadError> {
        let label = path.display().to_string();
        if let Some(root) = &self.root {
            crate::confine::resolve_inside(root, path)
                .map_err(|e| LoadError::Invalid(label.clone(), 0, format!("refused: {e}")))?;
        }
        crate::fs::read(path).map_err(|e| LoadError::Invalid(label, 0, e.to_string()))
    }

    /// The cache folder.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The cached file for `url`, if the cache's index has one.
    pub fn cache_path(&self, url: &str) -> Option<PathBuf> {
        let mut index = self.index.lock().expect("not poisoned");
        let index = index.get_or_insert_with(|| CacheIndex::load(&self.cache_dir));
        index.urls.get(url).map(|name| self.cache_dir.join(name))
    }

    /// Whether `url` is in the cache.
    pub fn is_cached(&self, url: &str) -> bool {
        self.cache_path(url).is_some_and(|p| p.is_file())
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
        match source {
            PatchSource::File(path) => {
                let bytes = self.read_file(path)?;
                patch::parse(&bytes)
                    .map_err(|e| LoadError::Invalid(path.display().to_string(), e.line, e.message))
            }
            PatchSource::Url(url) => self.fetch(url),
        }
    }

    /// The patch at `url`: from the cache, else (when downloads are on)
    /// downloaded and stored.
    fn fetch(&self, url: &str) -> Result<PatchFile, LoadError> {
        if let Some(cached) = self.read_cached(url) {
            return cached;
        }
        if !self.download {
            return Err(LoadError::Missing(Missing {
                url: url.to_string(),
                reason: format!(
                    "not in the patch cache ({}) and downloads are off",
                    self.cache_dir.display()
                ),
            }));
        }
        self.download(url)
    }

    /// The cached copy of `url`, parsed; `None` when it is not cached. The
    /// copy must be inside the cache folder, and inside the repository when
    /// the cache is the repository's (a pull request can commit links).
    fn read_cached(&self, url: &str) -> Option<Result<PatchFile, LoadError>> {
        let path = self.cache_path(url)?;
        let label = format!("{url} (cached as {})", path.display());
        let inside_repo = match &self.root {
            Some(root) if self.cache_dir.starts_with(root) => {
                crate::confine::resolve_inside(root, &path).map(|_| ())
            }
            _ => Ok(()),
        };
        let confined = match inside_repo
            .and_then(|()| crate::confine::resolve_inside(&self.cache_dir, &path))
        {
            Ok(confined) => confined,
            Err(e) => return Some(Err(LoadError::Invalid(label, 0, format!("refused: {e}")))),
        };
        match crate::fs::read(&confined) {
            Ok(bytes) => {
                Some(patch::parse(&bytes).map_err(|e| LoadError::Invalid(label, e.line, e.message)))
            }
            Err(e) if e.is_not_found() => None,
            Err(e) => Some(Err(LoadError::Invalid(label, 0, e.to_string()))),
        }
    }

    /// Download `url` and keep it in the cache when it parses as a patch.
    fn download(&self, url: &str) -> Result<PatchFile, LoadError> {
        let bytes = crate::download::get(url).map_err(|reason| {
            LoadError::Missing(Missing {
                url: url.to_string(),
                reason,
            })
        })?;
        // Only a download that parses as a patch is kept: an HTML page served
        // with status 200, or a body cut short, must not poison later runs.
        let parsed = patch::parse(&bytes).map_err(|e| {
            LoadError::Invalid(
                url.to_string(),
                e.line,
                format!(
                    "the download is not a usable patch ({}); it was not stored in the cache",
                    e.message
                ),
            )
        })?;
        self.store(url, &bytes).map_err(|e| {
            LoadError::Missing(Missing {
                url: url.to_string(),
                reason: format!(
                    "downloaded but cannot write to the patch cache {}: {e}",
                    self.cache_dir.display()
                ),
            })
        })?;
        Ok(parsed)
    }

    /// Store a download and record it in the index, each file atomically.
    fn store(&self, url: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut guard = self.index.lock().expect("not poisoned");
        crate::fs::remove_stale_temporaries(&self.cache_dir);
        // Re-read: another process may have added entries since.
        let index = guard.insert(CacheIndex::load(&self.cache_dir));
        let name = index.name_for(url);
        self.write(&self.cache_dir.join(&name), bytes)?;
        index.urls.insert(url.to_string(), name);
        let text = serde_json::to_string_pretty(&*index).expect("serializable") + "\n";
        self.write(&self.cache_dir.join(INDEX_FILE), text.as_bytes())
    }

    /// Write a cache file; inside the repository, never through a link.
    fn write(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        match &self.root {
            Some(root) if path.starts_with(root) => {
                Ok(crate::confine::write_atomic(root, path, bytes)?)
            }
            _ => crate::fs::write_atomic(path, bytes),
        }
    }
}

/// The cache's `index.json`: which file holds which URL. The index, not the
/// file name, decides a cache hit, so two URLs never share a file.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct CacheIndex {
    /// URL → file name in the cache folder.
    urls: BTreeMap<String, String>,
}

/// The index file's name inside the cache folder.
pub const INDEX_FILE: &str = "index.json";

impl CacheIndex {
    /// The index in `dir`; missing or unreadable means empty (entries are then
    /// downloaded again, never guessed from file names).
    fn load(dir: &Path) -> Self {
        crate::fs::read(&dir.join(INDEX_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<CacheIndex>(&b).ok())
            .map(|mut index| {
                // Never trust a name from the file: it must stay inside the folder.
                index
                    .urls
                    .retain(|_, name| crate::fs::safe_file_name(name).is_some());
                index
            })
            .unwrap_or_default()
    }

    /// The file for `url`: its existing one, or a new readable name that no
    /// other URL uses.
    fn name_for(&self, url: &str) -> String {
        if let Some(name) = self.urls.get(url) {
            return name.clone();
        }
        let used: std::collections::BTreeSet<&String> = self.urls.values().collect();
        let hash =
            gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, url.as_bytes())
                .map(|id| id.to_string())
                .unwrap_or_default();
        let readable = cache_name(url);
        (16..=hash.len())
            .map(|n| format!("{readable}-{}.patch", &hash[..n]))
            .chain((0..).map(|i| format!("{readable}-{hash}-{i}.patch")))
            .find(|name| !used.contains(name))
            .expect("an unused name")
    }
}

/// A readable part of a cache file name for `url`: scheme and host and path,
/// every unusual character replaced by `_`, at most 80 characters. Not unique
/// on its own: the cache index adds a hash of the URL.
pub fn cache_name(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let mut name: String = format!("{scheme}_{rest}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if name.ends_with(".patch") {
        name.truncate(name.len() - ".patch".len());
    }
    name.trim_start_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_are_flat_and_readable() {
        assert_eq!(
            cache_name("https://github.com/kubernetes/kubernetes/pull/124531.patch"),
            "https_github.com_kubernetes_kubernetes_pull_124531"
        );
    }

    /// Issue 6, defect 6: URLs that differ only in scheme or in `/` versus `_`
    /// get different files, and the index decides what is cached.
    #[test]
    fn urls_that_look_alike_never_share_a_file() {
        let index = CacheIndex::default();
        let urls = [
            "https://host/good_x.patch",
            "https://host/good/x.patch",
            "http://host/good/x.patch",
        ];
        let names: std::collections::BTreeSet<String> =
            urls.iter().map(|u| index.name_for(u)).collect();
        assert_eq!(names.len(), 3, "{names:?}");

        let dir = tempfile::tempdir().unwrap();
        let loader = PatchLoader::new(dir.path(), false);
        loader
            .store(urls[1], b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n")
            .unwrap();
        assert!(loader.is_cached(urls[1]));
        let other = PatchLoader::new(dir.path(), false);
        assert!(!other.is_cached(urls[0]));
        assert!(!other.is_cached(urls[2]));
        assert!(matches!(
            other.load(&PatchSource::Url(urls[0].into())).as_ref(),
            Err(LoadError::Missing(_))
        ));
        assert!(other.load(&PatchSource::Url(urls[1].into())).is_ok());
    }
}
