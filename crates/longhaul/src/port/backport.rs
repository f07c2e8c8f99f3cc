//! Backporting upstream commits onto maintained releases: port them onto each
//! release's tip (its whole chain applied in memory), write each successful
//! port as a canonical patch, and check that the patch rebuilds the port.

use super::format_patch::{FormatError, commit_meta, format_patch};
use super::{Context, Outcome, Status, port_commit_dropping_tests, port_commit_in};
use crate::apply::tree::{ApplyOptions, PatchedTree};
use crate::error::{Error, Result};
use crate::release::manifest::{Manifest, version_of};
use crate::release::patch_cache::PatchLoader;
use crate::repo;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::Serialize;

/// The result of backporting onto one release.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    /// The release ported onto.
    pub release: String,
    /// Its `X.Y` line.
    pub line: String,
    /// One outcome per commit, in order (stops at the first conflict).
    pub commits: Vec<CommitResult>,
    /// The last outcome's status, or `conflict` when any commit conflicted.
    pub status: Status,
    /// Files the port changes.
    pub files: Vec<String>,
    /// The ported tree (absent on conflict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The canonical patch for the port (absent on conflict).
    #[serde(skip)]
    pub patch: Option<Vec<u8>>,
}

/// A change to backport: an upstream commit, or one commit of a patch file.
#[derive(Debug, Clone)]
pub enum Change {
    /// A commit of the repository.
    Commit(ObjectId),
    /// A commit of a patch file (a `git format-patch` mail), with a label
    /// naming it (`FILE#N`).
    Patch(Box<crate::patch::Commit>, String),
}

/// One commit's port.
#[derive(Debug, Clone, Serialize)]
pub struct CommitResult {
    /// The upstream commit.
    pub commit: String,
    /// How it went.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The tip of `release`: a commit (in `repo`'s in-memory store) whose tree is
/// the release's base with its whole patch chain applied, on the base commit.
pub fn release_tip(
    repo: &gix::Repository,
    manifest: &Manifest,
    release: &str,
    loader: &PatchLoader,
) -> Result<ObjectId> {
    let plan = crate::release::plan::plan(manifest, release, loader)?;
    // A missing base tag is an error here (verify reports it as unverifiable).
    let base = repo::resolve_commit(repo, &plan.base)?;
    let shared = crate::apply::tree::SharedResults::new();
    let report = crate::release::verify::verify_release(
        repo,
        manifest,
        &plan,
        ApplyOptions::default(),
        &shared,
    )?;
    let tree = report
        .tree
        .filter(|_| report.ok)
        .ok_or_else(|| Error::Build {
            release: release.to_string(),
            message:
                "its patch chain does not apply (run `longhaul verify` on it); nothing to port onto"
                    .into(),
        })?;
    let tree = ObjectId::from_hex(tree.as_bytes()).map_err(|e| Error::Build {
        release: release.to_string(),
        message: e.to_string(),
    })?;
    Ok(repo::memory_commit(repo, tree, base, "release tip")?)
}

/// Port `commits` (in order) onto the commit `tip` of `release`, and write the
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
) -> Result<TargetResult> {
    let line = version_of(release)
        .map(|v| v.rsplit_once('.').map_or(v.clone(), |(l, _)| l.to_string()))
        .unwrap_or_else(|| release.to_string());
    let start_tree = repo::tree_of(repo, tip)?;
    let mut target = tip;
    let mut results = Vec::new();
    let mut patch = Vec::new();
    let mut files: Vec<String> = Vec::new();
    let mut ok = true;
    for change in changes {
        let before = repo::tree_of(repo, target)?;
        let (outcome, label, meta) = match change {
            Change::Commit(commit) => {
                let commit = *commit;
                let ctx = Context::for_commit(repo, before, commit)?;
                let outcome = if drop_conflicting_tests {
                    port_commit_dropping_tests(&ctx, commit, target)?
                } else {
                    port_commit_in(&ctx, commit, target)?
                };
                (outcome, commit.to_string(), commit_meta(repo, commit)?)
            }
            Change::Patch(c, label) => {
                let meta = c.meta.clone().ok_or_else(|| {
                    Error::Input(format!(
                        "{label}: a plain diff has no author, date or message; backport takes `git format-patch` mails"
                    ))
                })?;
                let touched: Vec<&gix::bstr::BStr> = c.files.iter().map(|f| f.path()).collect();
                let ctx = Context::new(repo, before, touched)?;
                let outcome = match super::patch_input::change_trees(repo, c)? {
                    Ok((base, theirs)) => super::port_trees(&ctx, base, theirs, target)?,
                    Err(no_base) => Outcome {
                        status: Status::Conflict,
                        rung: super::Rung::Merge,
                        difficulty: super::Difficulty::Manual,
                        tree: None,
                        conflicts: vec![super::Conflict {
                            file: no_base.file,
                            reason: format!("no merge base: {}", no_base.reason),
                        }],
                        marked: None,
                        dropped_tests: Vec::new(),
                    },
                };
                (outcome, label.clone(), meta)
            }
        };
        let dropped = outcome.dropped_tests.clone();
        let tree = outcome.tree;
        results.push(CommitResult {
            commit: label.clone(),
            outcome,
        });
        let Some(tree) = tree else {
            ok = false;
            break;
        };
        let mut meta = meta;
        if !dropped.is_empty() {
            if !meta.message.ends_with('\n') {
                meta.message.push('\n');
            }
            meta.message.push_str(&format!(
                "\nBackport note: upstream's changes to {} did not port cleanly and were\nleft out (longhaul backport --drop-conflicting-tests).\n",
                dropped.join(", ")
            ));
        }
        let ctx = Context::new(repo, tree, [])?;
        let bytes = format_patch(&ctx, before, tree, &meta).map_err(|e| match e {
            FormatError::Repo(e) => Error::from(e),
            other => Error::Build {
                release: release.to_string(),
                message: format!(
                    "the port of {label} cannot be written as a canonical patch: {other}"
                ),
            },
        })?;
        for c in ctx.tree_changes(before, tree, true)?.iter() {
            let f = c.source().to_str_lossy().into_owned();
            if !files.contains(&f) {
                files.push(f);
            }
        }
        // `--stdout` separates the mails of a series with a blank line.
        if !patch.is_empty() {
            patch.push(b'\n');
        }
        patch.extend_from_slice(&bytes);
        target = repo::memory_commit(repo, tree, target, "port")?;
    }
    let status = if ok {
        results.last().map_or(Status::Clean, |r| r.outcome.status)
    } else {
        Status::Conflict
    };
    let tree = ok.then(|| repo::tree_of(repo, target)).transpose()?;
    if let Some(tree) = tree {
        // The patch file is the port: applied to the tip, it gives the same tree.
        let parsed = crate::patch::parse(&patch).map_err(|e| Error::Build {
            release: release.to_string(),
            message: format!("the written patch does not parse again: {e}"),
        })?;
        let mut check = PatchedTree::new(repo, start_tree);
        for c in &parsed.commits {
            check.apply_commit(
                c,
                ApplyOptions {
                    fuzz: 0,
                    three_way: false,
                },
            )?;
        }
        let rebuilt = check.write_tree()?;
        if rebuilt != tree {
            return Err(Error::Build {
                release: release.to_string(),
                message: format!(
                    "the written patch rebuilds tree {rebuilt}, not the port's {tree}; refusing to write it"
                ),
            });
        }
    }
    Ok(TargetResult {
        release: release.to_string(),
        line,
        status,
        files,
        tree: tree.map(|t| t.to_string()),
        patch: ok.then_some(patch),
        commits: results,
    })
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
