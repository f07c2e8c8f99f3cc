//! Writing a bump: the patch files and the manifest's new entries (each with
//! `reason: security`, its CVE ids and a note naming its GO- ids), all
//! checked before the first is written, as `backport --write` writes.

use super::{BumpTarget, input};
use crate::maintain::Error;
use crate::maintain::edit::{Edits, NewPatch, unified_diff};
use crate::release::manifest::{Manifest, Reason};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The patch files to write, by patch name: their path and bytes.
type PatchFiles<'a> = BTreeMap<String, (PathBuf, &'a [u8])>;

/// Write the ports of `targets`: the files written, and the manifest's
/// change as a unified diff (empty when it did not change).
pub(super) fn write_bumps(
    manifest: &Manifest,
    targets: &[BumpTarget],
) -> Result<(Vec<PathBuf>, String), Error> {
    let text = crate::fs::read_text(&manifest.path)?;
    let (files, new_text) = plan(manifest, &text, targets)?;
    let root = manifest.dir();
    for file in files.values().map(|(f, _)| f) {
        crate::confine::check_writable(root, file).map_err(Error::other)?;
    }
    let mut written = Vec::new();
    for (file, bytes) in files.values() {
        crate::confine::write_atomic(root, file, bytes).map_err(|source| Error::Write {
            file: file.clone(),
            source,
        })?;
        written.push(file.clone());
    }
    let mut diff = String::new();
    if new_text != text {
        crate::maintain::edit::write_manifest(manifest, &new_text)?;
        let shown = manifest
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        diff = unified_diff(&text, &new_text, &shown);
    }
    Ok((written, diff))
}

/// The patch files by name, and the manifest's new text.
fn plan<'a>(
    manifest: &Manifest,
    text: &str,
    targets: &'a [BumpTarget],
) -> Result<(PatchFiles<'a>, String), Error> {
    let patch_dir = manifest.dir().join("patches");
    let mut files = BTreeMap::new();
    let mut edits = Edits::new(text, &manifest.path);
    for t in targets {
        let (Some(name), Some(bytes)) = (
            &t.patch_name,
            t.result.as_ref().and_then(|r| r.patch.as_ref()),
        ) else {
            continue;
        };
        if !files.contains_key(name) {
            if manifest.patch(name).is_some() {
                return Err(input(format!(
                    "{}: `patches:` already defines `{name}` (nothing was written)",
                    manifest.path.display()
                )));
            }
            let file = patch_dir.join(format!("{name}.patch"));
            if file.exists() {
                return Err(input(format!(
                    "{} exists (nothing was written)",
                    file.display()
                )));
            }
            edits.add_patch(NewPatch {
                name: name.clone(),
                file: format!("patches/{name}.patch"),
                cves: t.cves.clone(),
                note: Some(format!("dependency bump; fixes {}", t.fixes.join(", "))),
            })?;
            files.insert(name.clone(), (file, bytes.as_slice()));
        }
        edits.add_patch_to_release(&t.release, name)?;
    }
    let edited = edits.finish(manifest)?;
    let names: Vec<&String> = files.keys().collect();
    Ok((
        files.clone(),
        with_security_reason(&edited, &manifest.path, &names)?,
    ))
}

/// `text` with `reason: security` under each new patch definition `names`,
/// checked to read back as that (and to change nothing else's count).
fn with_security_reason(text: &str, path: &Path, names: &[&String]) -> Result<String, Error> {
    let crlf = text.contains("\r\n");
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let mut in_patches = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches(['\n', '\r']).to_string();
        if !line.starts_with([' ', '-', '#']) && !line.is_empty() {
            in_patches = line.trim_end() == "patches:";
        }
        let t = line.trim_start();
        let is_new = t
            .strip_prefix("- name:")
            .is_some_and(|n| names.iter().any(|name| n.trim() == name.as_str()));
        if in_patches && is_new {
            let pad = " ".repeat(line.len() - t.len() + 2);
            let end = if crlf { "\r\n" } else { "\n" };
            lines.insert(
                i + 1,
                format!("{pad}reason: {}{end}", Reason::Security.as_str()),
            );
            i += 1;
        }
        i += 1;
    }
    let out: String = lines.concat();
    let before = Manifest::parse(text, path)?;
    let after = Manifest::parse(&out, path)?;
    let reads = names.iter().all(|n| {
        after
            .patch(n)
            .is_some_and(|p| p.reason == Some(Reason::Security))
    });
    if !reads
        || after.patches.len() != before.patches.len()
        || after.releases.len() != before.releases.len()
    {
        return Err(input(format!(
            "{}: the edit did not come out as intended (reason: security); nothing was written",
            path.display()
        )));
    }
    Ok(out)
}
