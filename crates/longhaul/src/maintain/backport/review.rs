//! Review files: what a human needs to finish a conflicting port.

use crate::maintain::Error;
use crate::port::Status;
use crate::port::backport::TargetResult;
use crate::release::manifest::Manifest;
use crate::repo;
use gix::ObjectId;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The review file of each conflicting target, `.longhaul/review/NAME.RELEASE.txt`
/// with the release name made a safe file name; an error when two releases
/// would share one.
pub(super) fn review_paths<'a>(
    manifest: &Manifest,
    name: &str,
    results: impl Iterator<Item = &'a TargetResult>,
) -> Result<Vec<Option<PathBuf>>, Error> {
    let dir = manifest.dir().join(".longhaul").join("review");
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for r in results {
        if r.status != Status::Conflict {
            out.push(None);
            continue;
        }
        let file = format!("{name}.{}.txt", crate::publish::site::slug(&r.release));
        if let Some(other) = seen.insert(file.clone(), &r.release) {
            return Err(super::input(format!(
                "releases `{other}` and `{}` would both write the review file {file}; rename one (nothing was written)",
                r.release
            )));
        }
        out.push(Some(dir.join(file)));
    }
    Ok(out)
}

/// What a human needs to finish a conflicting port: the reasons, the upstream
/// change, and each conflicting file's conflict regions (diff3 markers) as the
/// merge left them on the target.
pub(super) fn review_file(
    repo: &gix::Repository,
    tip: ObjectId,
    r: &TargetResult,
) -> Result<String, Error> {
    let mut out = String::new();
    let _ = writeln!(out, "# Backport review: {} (line {})", r.release, r.line);
    let _ = writeln!(
        out,
        "# target tip {tip} (the release's chain applied in memory)"
    );
    let Some(last) = r.commits.last() else {
        return Ok(out);
    };
    let _ = writeln!(out, "# conflicting upstream commit {}\n", last.commit);
    for c in &last.outcome.conflicts {
        let _ = writeln!(out, "conflict: {}: {}", c.file, c.reason);
    }
    let commit = ObjectId::from_hex(last.commit.as_bytes()).map_err(Error::other)?;
    upstream_change(repo, tip, commit, &mut out)?;
    if let Some(marked) = last.outcome.marked {
        let tree = repo.find_tree(marked).map_err(Error::other)?;
        for c in &last.outcome.conflicts {
            let Some(entry) = tree.lookup_entry_by_path(&c.file).map_err(Error::other)? else {
                continue;
            };
            let blob = repo.find_object(entry.object_id()).map_err(Error::other)?;
            let text = String::from_utf8_lossy(&blob.data).into_owned();
            let _ = writeln!(
                out,
                "\n## {}: conflict regions on the target (<<<<<<< target, ||||||| base, >>>>>>> upstream)\n",
                c.file
            );
            conflict_regions(&text, &mut out);
        }
    }
    Ok(out)
}

/// Append the upstream change (`commit` as a patch against the target's
/// attributes) to `out`, when it can be written.
fn upstream_change(
    repo: &gix::Repository,
    tip: ObjectId,
    commit: ObjectId,
    out: &mut String,
) -> Result<(), Error> {
    let parent = repo::resolve_commit(repo, &format!("{commit}^"))?;
    let ctx = crate::port::Context::new(repo, repo::tree_of(repo, tip)?, [])?;
    if let Ok(upstream) = crate::port::format_patch::format_patch(
        &ctx,
        repo::tree_of(repo, parent)?,
        repo::tree_of(repo, commit)?,
        &crate::port::format_patch::commit_meta(repo, commit)?,
    ) {
        let _ = writeln!(out, "\n## The upstream change\n");
        out.push_str(&String::from_utf8_lossy(&upstream));
    }
    Ok(())
}

/// Append each conflict region of `text` (from `<<<<<<< ` to `>>>>>>> `) with
/// three lines around it to `out`.
fn conflict_regions(text: &str, out: &mut String) {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with("<<<<<<< ") {
            let end = (i..lines.len())
                .find(|&j| lines[j].starts_with(">>>>>>> "))
                .unwrap_or(lines.len() - 1);
            let from = i.saturating_sub(3);
            let to = (end + 4).min(lines.len());
            let _ = writeln!(out, "@@ line {} @@", from + 1);
            for l in &lines[from..to] {
                let _ = writeln!(out, "{l}");
            }
            i = to;
        } else {
            i += 1;
        }
    }
}
