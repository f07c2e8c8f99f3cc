//! Writing a backport: the patch files, the manifest's new entries, and a
//! review file for each conflict, all checked before the first is written.

use super::review::{review_file, review_paths};
use crate::maintain::Error;
use crate::maintain::edit::{Edits, NewPatch};
use crate::maintain::write::{PatchFiles, write_file, write_patches_and_manifest};
use crate::port::backport::TargetResult;
use crate::release::manifest::Manifest;
use gix::ObjectId;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Write the ports of `results` (named by `names`) with their `cves`: the
/// files written, and the manifest's change as a unified diff (empty when it
/// did not change).
pub(super) fn write_ports(
    repo: &gix::Repository,
    manifest: &Manifest,
    name: &str,
    results: &[(ObjectId, TargetResult)],
    names: &[Option<String>],
    cves: &[String],
) -> Result<(Vec<PathBuf>, String), Error> {
    let text = crate::fs::read_text(&manifest.path)?;
    let (files, new_text) = plan_edits(manifest, &text, results, names, cves)?;
    // Review files are named by release: two releases whose names make
    // the same file name would overwrite each other.
    let reviews = review_paths(manifest, name, results.iter().map(|(_, r)| r))?;
    let review_files: Vec<&std::path::Path> =
        reviews.iter().flatten().map(|f| f.as_path()).collect();
    let (mut written, manifest_diff) =
        write_patches_and_manifest(manifest, &text, &files, &new_text, &review_files)?;
    let root = manifest.dir();
    for ((tip, r), file) in results.iter().zip(reviews) {
        if let Some(file) = file {
            let text = review_file(repo, *tip, r)?;
            write_file(root, &file, text.as_bytes())?;
            written.push(file);
        }
    }
    Ok((written, manifest_diff))
}

/// The patch files to write and the manifest's new text: each new patch
/// defined once, and added to the chain of each release it serves.
fn plan_edits<'a>(
    manifest: &Manifest,
    text: &str,
    results: &'a [(ObjectId, TargetResult)],
    names: &[Option<String>],
    cves: &[String],
) -> Result<(PatchFiles<'a>, String), Error> {
    let patch_dir = manifest.dir().join("patches");
    let mut files: PatchFiles<'a> = BTreeMap::new();
    let mut edits = Edits::new(text, &manifest.path);
    for ((_, r), patch_name) in results.iter().zip(names) {
        let (Some(patch_name), Some(bytes)) = (patch_name, &r.patch) else {
            continue;
        };
        if !files.contains_key(patch_name) {
            if manifest.patch(patch_name).is_some() {
                return Err(super::input(format!(
                    "{}: `patches:` already defines `{patch_name}`; choose another --name",
                    manifest.path.display()
                )));
            }
            let file = patch_dir.join(format!("{patch_name}.patch"));
            if file.exists() {
                return Err(super::input(format!(
                    "{} exists; choose another --name (nothing was written)",
                    file.display()
                )));
            }
            edits.add_patch(NewPatch {
                name: patch_name.clone(),
                file: format!("patches/{patch_name}.patch"),
                cves: cves.to_vec(),
                note: None,
                reason: None,
            })?;
            files.insert(patch_name.clone(), (file, bytes));
        }
        edits.add_patch_to_release(&r.release, patch_name)?;
    }
    Ok((files, edits.finish(manifest)?))
}
