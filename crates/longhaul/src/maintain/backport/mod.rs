//! The backport workflow: port upstream commits (or patch mails) onto each
//! target release's tip, typecheck the ports on their lines if asked, and with
//! `write` add the patches to the manifest and write a review file for each
//! conflict. [`backport`] takes a [`BackportRequest`] and returns a
//! [`BackportReport`]; the engine that ports onto one tip is
//! [`crate::port::backport::port_changes`].

mod already;
mod review;
pub(crate) mod typecheck;
mod write;

use super::{Error, Inputs, Progress};
use crate::checks::run::CheckResult;
use crate::port::Status;
use crate::port::backport::{Change, TargetResult, port_changes};
use crate::release::manifest::{Manifest, version_of};
use crate::release::patch_cache::PatchLoader;
use crate::repo;
use gix::ObjectId;
use std::path::{Path, PathBuf};

/// What to backport, where, and whether to write.
pub struct BackportRequest<'a> {
    /// Upstream commits.
    pub commits: &'a [String],
    /// Patch files (mails), instead of commits.
    pub patches: &'a [PathBuf],
    /// Patch name.
    pub name: &'a str,
    /// Target releases.
    pub to: &'a [String],
    /// The newest shipped release of every line.
    pub maintained: bool,
    /// Write patches, manifest entries and review files.
    pub write: bool,
    /// Port without test files when only they conflict.
    pub drop_conflicting_tests: bool,
    /// Build each successful port on its line.
    pub typecheck: bool,
    /// The `go` command for `typecheck`.
    pub go: Option<&'a Path>,
}

/// What a backport did, target by target.
pub struct BackportReport {
    /// The patch name asked for.
    pub name: String,
    /// The CVE ids named by the patch name and the ported messages.
    pub cves: Vec<String>,
    /// One entry per target release, in the order asked.
    pub targets: Vec<PortedTarget>,
    /// The files written (patches, then review files); empty on a dry run.
    pub written: Vec<PathBuf>,
    /// The manifest's change as a unified diff; empty when it did not change.
    pub manifest_diff: String,
    /// Whether the ports were typechecked.
    pub typechecked: bool,
    /// Whether this was a write (not a dry run).
    pub write: bool,
}

/// The backport onto one release.
pub struct PortedTarget {
    /// The release's tip the changes were ported onto.
    pub tip: ObjectId,
    /// The port.
    pub result: TargetResult,
    /// The patch name it gets (none for a conflict).
    pub patch_name: Option<String>,
    /// Its typecheck, when one ran.
    pub typecheck: Option<CheckResult>,
}

impl BackportReport {
    /// True when no target conflicted.
    pub fn ok(&self) -> bool {
        self.targets
            .iter()
            .all(|t| t.result.status != Status::Conflict)
    }
}

/// Run the backport `request` on the manifest and upstream of `inputs`.
/// Nothing is written unless `request.write`; then every file is checked
/// before the first is written (patches, then the manifest, then the review
/// files), and nothing is written through a symbolic link.
pub fn backport(
    inputs: &dyn Inputs,
    request: &BackportRequest<'_>,
    progress: &dyn Progress,
) -> Result<BackportReport, Error> {
    let name = request.name;
    check_name(name)?;
    let manifest = inputs.manifest().map_err(Error::Other)?;
    check_new(&manifest, name)?;
    let targets = targets(&manifest, request)?;
    let repo = inputs.upstream(&manifest).map_err(Error::Other)?;
    let memory = repo::in_memory(&repo);
    let (changes, patch_messages) = changes(&memory, request)?;
    let loader = inputs.loader(&manifest);
    let mut results = port_targets(
        &memory, &manifest, &loader, &targets, &changes, request, progress,
    )?;
    already::refuse_already_made(&memory, &manifest, &loader, &changes, &results)?;
    let typechecks = if request.typecheck {
        let cache_dir = inputs.check_cache_dir();
        typecheck::typecheck_ports(
            &memory,
            &manifest,
            &loader,
            request.go,
            cache_dir,
            &mut results,
            progress,
        )?
    } else {
        vec![None; results.len()]
    };
    let names = patch_names(name, results.iter().map(|(_, r)| r));
    let cves = cves_of(&memory, name, &changes, patch_messages)?;
    let (written, manifest_diff) = if request.write {
        write::write_ports(&memory, &manifest, name, &results, &names, &cves)?
    } else {
        (Vec::new(), String::new())
    };
    Ok(BackportReport {
        name: name.to_string(),
        cves,
        targets: ported_targets(results, names, typechecks),
        written,
        manifest_diff,
        typechecked: request.typecheck,
        write: request.write,
    })
}

/// Each target's port with its patch name and typecheck.
fn ported_targets(
    results: Vec<(ObjectId, TargetResult)>,
    names: Vec<Option<String>>,
    typechecks: Vec<Option<CheckResult>>,
) -> Vec<PortedTarget> {
    results
        .into_iter()
        .zip(names)
        .zip(typechecks)
        .map(|(((tip, result), patch_name), typecheck)| PortedTarget {
            tip,
            result,
            patch_name,
            typecheck,
        })
        .collect()
}

/// `name` must be new to the manifest.
fn check_new(manifest: &Manifest, name: &str) -> Result<(), Error> {
    if manifest.patch(name).is_some() {
        return Err(input(format!(
            "{}: a patch named `{name}` already exists; choose another --name",
            manifest.path.display()
        )));
    }
    Ok(())
}

/// An error in the request.
fn input(message: String) -> Error {
    Error::Longhaul(crate::Error::Input(message))
}

/// `name` must be a plain patch name: a file name without spaces.
fn check_name(name: &str) -> Result<(), Error> {
    if crate::fs::safe_file_name(name).is_none() || name.contains(char::is_whitespace) {
        return Err(input(format!(
            "--name {name:?}: expected a plain patch name (no `/`, no spaces), such as CVE-2024-10220"
        )));
    }
    Ok(())
}

/// The target releases: the newest of every line with `maintained`, else the
/// ones named (each must exist); at least one.
fn targets(manifest: &Manifest, request: &BackportRequest<'_>) -> Result<Vec<String>, Error> {
    let targets: Vec<String> = if request.maintained {
        crate::release::line::newest_per_line(manifest)
    } else {
        for r in request.to {
            manifest.release(r)?;
        }
        request.to.to_vec()
    };
    if targets.is_empty() {
        return Err(input(
            "no target release: name them with --to RELEASE... or pass --maintained".into(),
        ));
    }
    Ok(targets)
}

/// The changes to port (the commits, then every commit of the patch files)
/// and the messages of the patch files' commits.
fn changes(
    repo: &gix::Repository,
    request: &BackportRequest<'_>,
) -> Result<(Vec<Change>, Vec<String>), Error> {
    let mut changes: Vec<Change> = Vec::new();
    for c in request.commits {
        changes.push(Change::Commit(repo::resolve_commit(repo, c)?));
    }
    let mut messages = Vec::new();
    for p in request.patches {
        let bytes = crate::fs::read_bytes(p)?;
        let parsed = crate::patch::parse(&bytes)
            .map_err(|e| input(format!("{}:{}: {}", p.display(), e.line, e.message)))?;
        for (i, c) in parsed.commits.into_iter().enumerate() {
            let Some(meta) = &c.meta else {
                return Err(input(format!(
                    "{}:{}: a plain diff has no author, date or message; backport --patch takes `git format-patch` mails",
                    p.display(),
                    c.line
                )));
            };
            messages.push(meta.message.clone());
            changes.push(Change::Patch(
                Box::new(c),
                format!("{}#{}", p.display(), i + 1),
            ));
        }
    }
    Ok((changes, messages))
}

/// Port `changes` onto every target's tip, in order.
fn port_targets(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    targets: &[String],
    changes: &[Change],
    request: &BackportRequest<'_>,
    progress: &dyn Progress,
) -> Result<Vec<(ObjectId, TargetResult)>, Error> {
    progress.start("porting", targets.len());
    let mut results = Vec::new();
    for release in targets {
        let tip = crate::release::tip::release_tip(repo, manifest, release, loader)?;
        let result = backport_onto(repo, release, tip, changes, request.drop_conflicting_tests)?;
        results.push((tip, result));
        progress.step();
    }
    progress.finish();
    Ok(results)
}

/// Port `changes` (in order) onto the commit `tip` of `release`, and write the
/// canonical patch of a successful port; the patch is checked to rebuild the
/// ported tree when applied to the tip. With `drop_conflicting_tests`, a commit
/// whose only conflicts are in test files is ported without them, and its
/// message says so.
pub fn backport_onto(
    repo: &gix::Repository,
    release: &str,
    tip: ObjectId,
    changes: &[Change],
    drop_conflicting_tests: bool,
) -> crate::Result<TargetResult> {
    let line = version_of(release)
        .map(|v| v.rsplit_once('.').map_or(v.clone(), |(l, _)| l.to_string()))
        .unwrap_or_else(|| release.to_string());
    port_changes(repo, release, line, tip, changes, drop_conflicting_tests)
}

/// The CVE ids named by the patch name, the ported commits' messages and the
/// patch files' messages.
fn cves_of(
    repo: &gix::Repository,
    name: &str,
    changes: &[Change],
    patch_messages: Vec<String>,
) -> Result<Vec<String>, Error> {
    let mut messages: Vec<String> = vec![name.to_string()];
    for change in changes {
        if let Change::Commit(id) = change {
            messages.push(crate::port::format_patch::commit_meta(repo, *id)?.message);
        }
    }
    messages.extend(patch_messages);
    Ok(cves_named(messages.iter().map(String::as_str)))
}

/// The patch name for each target (none for a conflict): NAME when the same
/// bytes serve several lines (the largest such group), NAME.<line> otherwise.
fn patch_names<'a>(
    name: &str,
    results: impl Iterator<Item = &'a TargetResult>,
) -> Vec<Option<String>> {
    let results: Vec<&TargetResult> = results.collect();
    let mut groups: Vec<(&[u8], Vec<usize>)> = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if let Some(bytes) = &r.patch {
            match groups.iter_mut().find(|(b, _)| *b == bytes.as_slice()) {
                Some((_, members)) => members.push(i),
                None => groups.push((bytes, vec![i])),
            }
        }
    }
    let shared = groups
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| m.len() > 1)
        .max_by_key(|(gi, (_, m))| (m.len(), std::cmp::Reverse(*gi)))
        .map(|(gi, _)| gi);
    let mut out = vec![None; results.len()];
    for (gi, (_, members)) in groups.iter().enumerate() {
        let n = if Some(gi) == shared {
            name.to_string()
        } else {
            format!("{name}.{}", results[members[0]].line)
        };
        for &i in members {
            out[i] = Some(n.clone());
        }
    }
    out
}

/// The CVE ids named in `texts` (a patch name, commit messages), sorted, unique.
pub fn cves_named<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for t in texts {
        for (i, _) in t.match_indices("CVE-") {
            let id: String = t[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let id = id.trim_end_matches('-');
            // `CVE-YYYY-NNNN…`: strip anything glued after the number.
            let mut parts = id.splitn(3, '-');
            let (_, year, num) = (parts.next(), parts.next(), parts.next());
            if let (Some(year), Some(num)) = (year, num) {
                let digits: String = num.chars().take_while(|c| c.is_ascii_digit()).collect();
                let candidate = format!("CVE-{year}-{digits}");
                if crate::security::advisory::is_cve_id(&candidate) {
                    out.insert(candidate);
                }
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn cve_ids_are_found_in_names_and_messages() {
        assert_eq!(
            super::cves_named(["CVE-2024-10220.1.28", "Fix (CVE-2023-1234) and CVE-99"]),
            ["CVE-2023-1234", "CVE-2024-10220"]
        );
    }
}
