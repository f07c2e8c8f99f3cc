//! Writing a bump: the patch files and the manifest's new entries (each with
//! `reason: security`, its CVE ids and a note naming its GO- ids), all
//! checked before the first is written, as `backport --write` writes.

use super::{BumpTarget, input};
use crate::maintain::Error;
use crate::maintain::edit::{Edits, NewPatch};
use crate::maintain::write::{PatchFiles, write_patches_and_manifest};
use crate::release::manifest::{Manifest, Reason};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Write the ports of `targets`: the files written, and the manifest's
/// change as a unified diff (empty when it did not change).
pub(super) fn write_bumps(
    manifest: &Manifest,
    targets: &[BumpTarget],
) -> Result<(Vec<PathBuf>, String), Error> {
    let text = crate::fs::read_text(&manifest.path)?;
    let (files, new_text) = plan(manifest, &text, targets)?;
    write_patches_and_manifest(manifest, &text, &files, &new_text, &[])
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
                reason: Some(Reason::Security),
            })?;
            files.insert(name.clone(), (file, bytes.as_slice()));
        }
        edits.add_patch_to_release(&t.release, name)?;
    }
    Ok((files, edits.finish(manifest)?))
}
