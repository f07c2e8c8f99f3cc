//! The check result cache: outside the working tree, and trusted only when
//! this cache wrote the entry.
//!
//! A pull request can commit any file, so a cache inside the repository (or
//! keyed only by public inputs) lets it turn a failing check into `passed
//! (cached)`. This cache lives in the user's cache folder by default
//! ([`default_dir`]), and every entry carries an HMAC-SHA256 tag made with a
//! secret key that is created, at random, the first time the cache is used
//! (`key`, mode 0600). An entry whose tag does not verify (written elsewhere,
//! edited, copied from another machine) is a miss, never a result. Reads are
//! bounded like every other input: only regular files, at most
//! [`MAX_ENTRY_BYTES`].

use crate::checks::run::CheckResult;
use ring::hmac;
use std::path::{Path, PathBuf};

/// The most one entry (or the key file) may hold.
pub const MAX_ENTRY_BYTES: u64 = 1024 * 1024;

/// The environment variable that chooses the cache folder (as `--cache-dir` does).
pub const ENV_DIR: &str = "LONGHAUL_CACHE_DIR";

/// What the tag covers besides the entry, so that a tag made for something
/// else never verifies here.
const DOMAIN: &[u8] = b"longhaul check result v2\0";

/// The cache folder when none is given: `$LONGHAUL_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/longhaul`, else `~/.cache/longhaul` (the XDG default);
/// `None` when none of these is set.
pub fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    var(ENV_DIR)
        .map(PathBuf::from)
        .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("longhaul")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache/longhaul")))
}

/// An open cache: its folder and its secret key.
pub struct CheckCache {
    dir: PathBuf,
    key: hmac::Key,
}

impl CheckCache {
    /// Open the cache in `dir` (its `check/` subfolder), creating the folder
    /// and the secret key on first use. An error says why the cache cannot be
    /// used (the caller then runs without it).
    pub fn open(dir: &Path) -> std::io::Result<CheckCache> {
        let dir = dir.join("check");
        create_private_dir(&dir)?;
        let secret = load_or_create_key(&dir.join("key"))?;
        Ok(CheckCache {
            dir,
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        })
    }

    /// The folder entries are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, inputs: &str) -> PathBuf {
        let mut name_input = b"name\0".to_vec();
        name_input.extend_from_slice(inputs.as_bytes());
        let tag = hmac::sign(&self.key, &name_input);
        self.dir.join(format!("{}.json", hex(&tag.as_ref()[..20])))
    }

    fn tagged(inputs: &str, json: &[u8]) -> Vec<u8> {
        let mut data = DOMAIN.to_vec();
        data.extend_from_slice(inputs.as_bytes());
        data.push(0);
        data.extend_from_slice(json);
        data
    }

    /// The result stored for `inputs` (everything it depends on, as text),
    /// when there is one and its tag verifies.
    pub fn read(&self, inputs: &str) -> Option<CheckResult> {
        let bytes = crate::fs::read_limited(&self.path(inputs), MAX_ENTRY_BYTES).ok()?;
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let (tag_hex, json) = (&bytes[..newline], &bytes[newline + 1..]);
        let tag = unhex(tag_hex)?;
        hmac::verify(&self.key, &Self::tagged(inputs, json), &tag).ok()?;
        serde_json::from_slice(json).ok()
    }

    /// Store `result` for `inputs`. Best effort: a cache that cannot be
    /// written only costs a run.
    pub fn write(&self, inputs: &str, result: &CheckResult) {
        let Ok(json) = serde_json::to_vec(result) else {
            return;
        };
        let tag = hmac::sign(&self.key, &Self::tagged(inputs, &json));
        let mut bytes = hex(tag.as_ref()).into_bytes();
        bytes.push(b'\n');
        bytes.extend_from_slice(&json);
        let _ = crate::fs::write_atomic(&self.path(inputs), &bytes);
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The 32-byte secret in `path`, made at random when the file is missing.
fn load_or_create_key(path: &Path) -> std::io::Result<Vec<u8>> {
    match crate::fs::read_limited(path, MAX_ENTRY_BYTES) {
        Ok(bytes) => {
            return unhex(bytes.trim_ascii())
                .filter(|k| k.len() == 32)
                .ok_or_else(|| {
                    std::io::Error::other(format!("{}: not a longhaul cache key", path.display()))
                });
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(std::io::Error::other(format!("{}: {e}", path.display()))),
    }
    let mut secret = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
        .map_err(|_| std::io::Error::other("no random numbers for the cache key"))?;
    // Written whole under another name, then linked into place: a run that
    // starts at the same moment sees either no key or the whole key.
    let tmp = path.with_file_name(format!(
        ".key.tmp-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut file| {
        std::io::Write::write_all(&mut file, hex(&secret).as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(secret.to_vec()),
        // Another run made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_key(path),
        Err(e) => Err(e),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::CheckStatus;

    fn result(status: CheckStatus) -> CheckResult {
        CheckResult {
            name: "typecheck".into(),
            status,
            run: "go build {packages}".into(),
            packages: vec!["x".into()],
            attempts: 1,
            failures: Vec::new(),
            tolerated: Vec::new(),
            flaky: Vec::new(),
            reason: None,
            duration_ms: 5,
            cached: false,
        }
    }

    #[test]
    fn runs_that_start_together_share_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let caches: Vec<CheckCache> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| CheckCache::open(dir.path()).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        caches[0].write("inputs", &result(CheckStatus::Passed));
        for c in &caches {
            assert!(c.read("inputs").is_some());
        }
    }

    #[test]
    fn entries_verify_only_under_the_key_that_wrote_them() {
        let here = tempfile::tempdir().unwrap();
        let cache = CheckCache::open(here.path()).unwrap();
        cache.write("inputs", &result(CheckStatus::Passed));
        assert_eq!(
            cache.read("inputs").map(|r| r.status),
            Some(CheckStatus::Passed)
        );
        assert!(cache.read("other inputs").is_none());
        // Another machine's cache, with the same entry files but its own key.
        let there = tempfile::tempdir().unwrap();
        let other = CheckCache::open(there.path()).unwrap();
        for e in std::fs::read_dir(cache.dir()).unwrap() {
            let e = e.unwrap();
            if e.file_name() != "key" {
                std::fs::copy(e.path(), other.dir().join(e.file_name())).unwrap();
            }
        }
        assert!(other.read("inputs").is_none());
        // An edited entry is a miss.
        let entry = std::fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "json"))
            .unwrap();
        let text = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(
            &entry,
            text.replace("\"duration_ms\":5", "\"duration_ms\":6"),
        )
        .unwrap();
        assert!(cache.read("inputs").is_none());
        // A FIFO or a device in its place is refused, not read.
        std::fs::remove_file(&entry).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
        assert!(cache.read("inputs").is_none());
    }
}
