//! Writing what a workflow decided: new patch files and the manifest's edit,
//! every path checked before the first write, patches first, then the
//! manifest; nothing through a symbolic link.

use crate::maintain::Error;
use crate::maintain::edit::unified_diff;
use crate::release::manifest::Manifest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The patch files to write, by patch name: their path and bytes.
pub(crate) type PatchFiles<'a> = BTreeMap<String, (PathBuf, &'a [u8])>;

/// Write `files`, then `new_text` over the manifest (whose text was `text`)
/// when it changed. `also` are files the caller writes next: they are checked
/// with the others before anything is written. Returns the files written and
/// the manifest's change as a unified diff (empty when it did not change).
pub(crate) fn write_patches_and_manifest(
    manifest: &Manifest,
    text: &str,
    files: &PatchFiles<'_>,
    new_text: &str,
    also: &[&Path],
) -> Result<(Vec<PathBuf>, String), Error> {
    let root = manifest.dir();
    for file in files
        .values()
        .map(|(f, _)| f.as_path())
        .chain(also.iter().copied())
    {
        crate::confine::check_writable(root, file).map_err(Error::other)?;
    }
    let mut written = Vec::new();
    for (file, bytes) in files.values() {
        write_file(root, file, bytes)?;
        written.push(file.clone());
    }
    let mut manifest_diff = String::new();
    if new_text != text {
        crate::maintain::edit::write_manifest(manifest, new_text)?;
        manifest_diff = unified_diff(text, new_text, &super::shown_name(&manifest.path));
    }
    Ok((written, manifest_diff))
}

/// Write `bytes` to `file` inside `root`, atomically.
pub(crate) fn write_file(root: &Path, file: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::confine::write_atomic(root, file, bytes).map_err(|source| Error::Write {
        file: file.to_path_buf(),
        source,
    })
}
