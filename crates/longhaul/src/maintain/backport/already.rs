//! A change a target already makes: backporting it again would write an empty
//! patch (or the same one twice), so the backport is refused, naming the patch
//! of the manifest that makes it.

use super::Error;
use crate::apply::tree::{ApplyOptions, PatchedTree};
use crate::port::backport::{Change, TargetResult, port_changes};
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use crate::release::plan::{PlannedPatch, plan};
use crate::repo;
use gix::ObjectId;

/// What makes a change on a release.
enum Maker {
    /// The release's upstream base tag.
    Base(String),
    /// A patch of its chain: its name, the release listing it, its files.
    Patch(String, String, Vec<String>),
}

/// Refuse the backport when a target's tip already makes one of `changes`:
/// an input error naming the patch (or base tag) that makes it.
pub(super) fn refuse_already_made(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    changes: &[Change],
    results: &[(ObjectId, TargetResult)],
) -> Result<(), Error> {
    for (_, r) in results {
        let Some(label) = &r.already_made else {
            continue;
        };
        // Porting stops at the change the tip makes: the last one it tried.
        let change = &changes[r.commits.len() - 1];
        let what = match change {
            Change::Commit(id) => format!("upstream commit {id}"),
            Change::Patch(..) => label.clone(),
        };
        let release = &r.release;
        let maker = find_maker(repo, manifest, loader, release, &r.line, change)?;
        let message = match maker {
            Some(Maker::Patch(name, listed_by, files)) => format!(
                "{}: {release} already has {what}: patch `{name}` ({}), listed by {listed_by}, makes that change; a patch that is already there is not written again (nothing was written; to backport onto other releases, name them with --to)",
                manifest.path.display(),
                files.join(", ")
            ),
            Some(Maker::Base(tag)) => format!(
                "{}: {release} already has {what}: its base {tag} contains it, so there is nothing to backport onto it (nothing was written; to backport onto other releases, name them with --to)",
                manifest.path.display()
            ),
            None => format!(
                "{}: {release}'s tip already makes the change of {what}, so there is nothing to backport onto it (nothing was written)",
                manifest.path.display()
            ),
        };
        return Err(super::input(message));
    }
    Ok(())
}

/// The first point of `release`'s chain (its base, then each patch applied in
/// order) at which `change` is already made, if any. A port that fails on
/// the way counts as "not made there".
fn find_maker(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    release: &str,
    line: &str,
    change: &Change,
) -> Result<Option<Maker>, Error> {
    let made_on = |onto: ObjectId| {
        port_changes(
            repo,
            release,
            line.to_string(),
            onto,
            std::slice::from_ref(change),
            false,
        )
        .is_ok_and(|r| r.already_made.is_some())
    };
    let plan = plan(manifest, release, loader)?;
    let mut onto = repo::resolve_commit(repo, &plan.base)?;
    if made_on(onto) {
        return Ok(Some(Maker::Base(plan.base)));
    }
    let mut tree = PatchedTree::new(repo, repo::tree_of(repo, onto)?);
    for p in &plan.patches {
        apply_patch(&mut tree, p)?;
        onto = repo::memory_commit(repo, tree.write_tree()?, onto, "chain")?;
        if made_on(onto) {
            let files = manifest
                .patch(&p.name)
                .map(|d| d.items.iter().map(|i| i.value.clone()).collect())
                .unwrap_or_default();
            return Ok(Some(Maker::Patch(p.name.clone(), p.release.clone(), files)));
        }
    }
    Ok(None)
}

/// Apply every loaded commit of `patch` to `tree` (the tip was built from the
/// same chain, so they apply).
fn apply_patch(tree: &mut PatchedTree<'_>, patch: &PlannedPatch) -> Result<(), Error> {
    for (_, loaded) in &patch.items {
        if let Ok(parsed) = loaded.as_ref() {
            for c in &parsed.commits {
                tree.apply_commit(c, ApplyOptions::default())?;
            }
        }
    }
    Ok(())
}
