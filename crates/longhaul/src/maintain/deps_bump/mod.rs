//! `deps bump`: a dependency bump made on each release's tip and, with
//! `write`, added to its chain as a canonical patch with `reason: security`
//! naming the GO- and CVE ids it fixes.
//!
//! Two kinds: the Go toolchain ([`super::go_bump`]: the files that name it,
//! edited as KLTS's bump patches edit them), and a module (an upstream commit
//! that moves it, given or found by [`search`], ported through the ladder and
//! the guard; the module rung takes vendored folders whole).

pub mod search;
mod write;

use super::{Error, Inputs, Progress};
use crate::deps::finding::Finding;
use crate::deps::module::{STDLIB, TOOLCHAIN};
use crate::deps::version::Version;
use crate::port::backport::{Change, TargetResult};
use crate::repo::{self, git_err};
use gix::ObjectId;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What to bump: `go@1.15.15` or `MODULE@VERSION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bump {
    /// The Go toolchain, to this release (`1.15.15`).
    Go(String),
    /// A module, to this version or later.
    Module {
        /// Its path.
        path: String,
        /// The version (`v0.3.8`).
        version: String,
    },
}

impl Bump {
    /// Read `go@VERSION` or `MODULE@VERSION`; anything that could leave a
    /// path or a YAML scalar (`..`, control characters, spaces) is refused.
    pub fn parse(spec: &str) -> Result<Bump, Error> {
        let bad = |what: &str| {
            input(format!(
                "{spec:?}: {what}; expected go@1.15.15 or MODULE@VERSION (golang.org/x/text@v0.3.8)"
            ))
        };
        let (name, version) = spec.rsplit_once('@').ok_or_else(|| bad("no `@`"))?;
        if name == "go" {
            if !super::go_bump::valid_go_version(version) {
                return Err(bad("not a Go release"));
            }
            return Ok(Bump::Go(version.to_string()));
        }
        if !crate::gomod::valid_module_path(name) {
            return Err(bad("not a module path"));
        }
        if !crate::gomod::version::is_valid(version) || Version::parse_module(version).is_none() {
            return Err(bad("not a module version"));
        }
        Ok(Bump::Module {
            path: name.to_string(),
            version: version.to_string(),
        })
    }

    /// `go@1.15.15`, `golang.org/x/text@v0.3.8`.
    pub fn spec(&self) -> String {
        match self {
            Bump::Go(v) => format!("go@{v}"),
            Bump::Module { path, version } => format!("{path}@{version}"),
        }
    }

    /// The patch name: `bump-go-1.15.15`, `bump-golang.org-x-text-v0.3.8`.
    pub fn patch_name(&self) -> String {
        let raw = match self {
            Bump::Go(v) => format!("bump-go-{v}"),
            Bump::Module { path, version } => format!("bump-{path}-{version}"),
        };
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(100)
            .collect()
    }

    /// The module the findings name (`stdlib` for Go) and the version after.
    fn target(&self) -> (&str, Option<Version>) {
        match self {
            Bump::Go(v) => (STDLIB, Version::parse_go(v)),
            Bump::Module { path, version } => (path, Version::parse_module(version)),
        }
    }

    /// Whether finding `f` is one this bump clears: open, of the module
    /// (or the standard library and toolchain), not affecting the new version.
    pub fn clears(&self, f: &Finding) -> bool {
        let (module, new) = self.target();
        let of_it = f.module == module || (module == STDLIB && f.module == TOOLCHAIN);
        of_it && f.tier.open() && new.is_some_and(|v| !f.affects(&v))
    }
}

/// A bump, where, and whether to write.
pub struct BumpRequest<'a> {
    /// What to bump.
    pub bump: &'a Bump,
    /// The releases.
    pub on: &'a [String],
    /// The upstream commit to port (module bumps); searched for without it.
    pub from: Option<&'a str>,
    /// Write the patches and the manifest's entries.
    pub write: bool,
    /// Each release's findings (from `deps`), to name what the bump fixes.
    pub findings: &'a BTreeMap<String, Vec<Finding>>,
    /// Build each port's affected packages on its line (as `backport
    /// --typecheck`): a port that does not compile there is a conflict.
    pub typecheck: bool,
    /// The `go` command for `typecheck` (default: `go` on PATH).
    pub go: Option<&'a std::path::Path>,
}

/// What a bump did.
pub struct BumpReport {
    /// `go@1.15.15`, `MODULE@VERSION`.
    pub bump: String,
    /// The upstream commit ported (module bumps).
    pub commit: Option<ObjectId>,
    /// One entry per release, in the order asked.
    pub targets: Vec<BumpTarget>,
    /// The files written (empty on a dry run).
    pub written: Vec<PathBuf>,
    /// The manifest's change as a unified diff.
    pub manifest_diff: String,
    /// Whether this was a write.
    pub write: bool,
    /// Whether the ports were typechecked.
    pub typechecked: bool,
}

/// The bump of one release.
pub struct BumpTarget {
    /// The release.
    pub release: String,
    /// What the release has now (`1.15.5`, `v0.3.2`), when it names it.
    pub current: Option<String>,
    /// The GO- ids of its findings the bump clears.
    pub fixes: Vec<String>,
    /// Their CVE aliases.
    pub cves: Vec<String>,
    /// The port (absent when there was nothing to do).
    pub result: Option<TargetResult>,
    /// Why nothing was ported, when nothing was.
    pub skipped: Option<String>,
    /// The patch name it gets (none for a conflict or a skip).
    pub patch_name: Option<String>,
    /// Its typecheck, when one ran.
    pub typecheck: Option<crate::checks::run::CheckResult>,
}

impl BumpReport {
    /// True when no target conflicted.
    pub fn ok(&self) -> bool {
        self.targets.iter().all(|t| {
            t.result
                .as_ref()
                .is_none_or(|r| r.status != crate::port::Status::Conflict)
        })
    }
}

/// Run the bump `request`. Every release, the module and the upstream
/// commit are checked before anything is ported; nothing is written unless
/// `request.write`, and then every file is checked before the first is.
pub fn bump(
    inputs: &dyn Inputs,
    request: &BumpRequest<'_>,
    progress: &dyn Progress,
) -> Result<BumpReport, Error> {
    let manifest = inputs.manifest().map_err(Error::Other)?;
    if request.on.is_empty() {
        return Err(input("no release: name them with --on RELEASE...".into()));
    }
    for r in request.on {
        manifest.release(r)?;
    }
    let name = request.bump.patch_name();
    let upstream = inputs.upstream(&manifest).map_err(Error::Other)?;
    let memory = repo::in_memory(&upstream);
    let loader = inputs.loader(&manifest);
    let tips = checked_tips(&memory, &manifest, &loader, request)?;
    let commit = match request.bump {
        Bump::Go(_) => None,
        Bump::Module { path, version } => {
            Some(upstream_commit(&memory, path, version, request.from)?)
        }
    };
    let mut targets = port_all(&memory, request, &tips, commit, progress)?;
    if request.typecheck {
        typecheck(
            inputs,
            &memory,
            &manifest,
            &loader,
            request.go,
            &tips,
            &mut targets,
            progress,
        )?;
    }
    name_patches(&name, &mut targets);
    let (written, manifest_diff) = if request.write {
        write::write_bumps(&manifest, &targets)?
    } else {
        (Vec::new(), String::new())
    };
    Ok(BumpReport {
        bump: request.bump.spec(),
        commit,
        targets,
        written,
        manifest_diff,
        write: request.write,
        typechecked: request.typecheck,
    })
}

/// The tip of each release `request` bumps (its whole chain applied in
/// memory); for a module bump, an error naming the first release whose tree
/// does not name the module.
fn checked_tips(
    memory: &gix::Repository,
    manifest: &crate::release::manifest::Manifest,
    loader: &crate::release::patch_cache::PatchLoader,
    request: &BumpRequest<'_>,
) -> Result<Vec<ObjectId>, Error> {
    let mut tips = Vec::new();
    for release in request.on {
        let tip = crate::release::tip::release_tip(memory, manifest, release, loader)?;
        if let Bump::Module { path, .. } = request.bump {
            let tree = repo::tree_of(memory, tip)?;
            if search::module_version(memory, tree, path, release)?.is_none() {
                return Err(input(format!(
                    "{release}: unknown module {path}: neither vendor/modules.txt nor go.mod of the release names it (nothing was written)"
                )));
            }
        }
        tips.push(tip);
    }
    Ok(tips)
}

/// [`bump_one`] on every release of `request`, with progress.
fn port_all(
    memory: &gix::Repository,
    request: &BumpRequest<'_>,
    tips: &[ObjectId],
    commit: Option<ObjectId>,
    progress: &dyn Progress,
) -> Result<Vec<BumpTarget>, Error> {
    progress.start("porting", request.on.len());
    let mut targets = Vec::new();
    for (release, &tip) in request.on.iter().zip(tips) {
        let findings = request.findings.get(release).map_or(&[][..], Vec::as_slice);
        targets.push(bump_one(
            memory,
            release,
            tip,
            request.bump,
            commit,
            findings,
        )?);
        progress.step();
    }
    progress.finish();
    Ok(targets)
}

/// The `typecheck` check of every port on its line (see
/// `backport --typecheck`): a port that fails becomes a conflict whose
/// reasons are the compiler's messages, and gets no patch.
#[allow(clippy::too_many_arguments)]
fn typecheck(
    inputs: &dyn Inputs,
    repo: &gix::Repository,
    manifest: &crate::release::manifest::Manifest,
    loader: &crate::release::patch_cache::PatchLoader,
    go: Option<&std::path::Path>,
    tips: &[ObjectId],
    targets: &mut [BumpTarget],
    progress: &dyn Progress,
) -> Result<(), Error> {
    let ported: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].result.is_some())
        .collect();
    let mut results: Vec<(ObjectId, TargetResult)> = ported
        .iter()
        .map(|&i| (tips[i], targets[i].result.take().expect("filtered")))
        .collect();
    let checks = super::backport::typecheck::typecheck_ports(
        repo,
        manifest,
        loader,
        go,
        inputs.check_cache_dir(),
        &mut results,
        progress,
    );
    for (&i, (_, result)) in ported.iter().zip(results) {
        targets[i].result = Some(result);
    }
    for (&i, check) in ported.iter().zip(checks?) {
        targets[i].typecheck = check;
    }
    Ok(())
}

/// The upstream commit of a module bump: `from` (which must carry the
/// module at `version` or later), else the first that moved it there.
fn upstream_commit(
    repo: &gix::Repository,
    module: &str,
    version: &str,
    from: Option<&str>,
) -> Result<ObjectId, Error> {
    let at_least = Version::parse_module(version).expect("checked by Bump::parse");
    if let Some(rev) = from {
        let id = repo::resolve_commit(repo, rev)?;
        let tree = repo::tree_of(repo, id)?;
        let has = search::module_version(repo, tree, module, "upstream")?;
        if has.as_ref().is_none_or(|v| v < &at_least) {
            return Err(input(format!(
                "--from {rev}: upstream's commit {id} does not carry {module} at {version} or later ({})",
                has.map_or("it names no such module".to_string(), |v| format!(
                    "it has {v}"
                ))
            )));
        }
        return Ok(id);
    }
    match search::first_moving_commit(repo, module, &at_least)? {
        Ok(found) => Ok(found.commit),
        Err(searched) => Err(input(format!(
            "{module}@{version}: no upstream commit found that moves {module} to {version} or later ({searched} commit(s) of upstream's branches and tags searched); name one with --from REV"
        ))),
    }
}

/// The bump of one release whose tip is `tip`.
fn bump_one(
    repo: &gix::Repository,
    release: &str,
    tip: ObjectId,
    bump: &Bump,
    commit: Option<ObjectId>,
    findings: &[Finding],
) -> Result<BumpTarget, Error> {
    let mut target = unported_target(release, bump, findings);
    let Some(change) = change_to_port(repo, tip, bump, commit, &mut target)? else {
        return Ok(target);
    };
    if target.fixes.is_empty() {
        target.skipped = Some(format!(
            "{} clears no open finding of the release (reason: security would claim more than the findings show)",
            bump.spec()
        ));
        return Ok(target);
    }
    target.result = Some(super::backport::backport_onto(
        repo,
        release,
        tip,
        &[Change::Commit(change)],
        false,
    )?);
    Ok(target)
}

/// The target of `release` before any port: the GO- and CVE ids of the
/// `findings` that `bump` clears.
fn unported_target(release: &str, bump: &Bump, findings: &[Finding]) -> BumpTarget {
    let cleared: Vec<&Finding> = findings.iter().filter(|f| bump.clears(f)).collect();
    let mut fixes: Vec<String> = cleared.iter().map(|f| f.id.clone()).collect();
    fixes.sort();
    fixes.dedup();
    let cves = super::backport::cves_named(
        cleared
            .iter()
            .flat_map(|f| f.aliases.iter().map(String::as_str)),
    );
    BumpTarget {
        release: release.to_string(),
        current: None,
        fixes,
        cves,
        result: None,
        skipped: None,
        patch_name: None,
        typecheck: None,
    }
}

/// The commit to port onto `tip` for `bump` (upstream's `commit` for a
/// module, one made here for Go), after recording the release's current
/// version in `target`; `None` with `target.skipped` set when the release
/// needs no bump.
fn change_to_port(
    repo: &gix::Repository,
    tip: ObjectId,
    bump: &Bump,
    commit: Option<ObjectId>,
    target: &mut BumpTarget,
) -> Result<Option<ObjectId>, Error> {
    let release = target.release.clone();
    match (bump, commit) {
        (Bump::Module { path, version }, Some(commit)) => {
            let tree = repo::tree_of(repo, tip)?;
            let current = search::module_version(repo, tree, path, &release)?.ok_or_else(|| {
                input(format!(
                    "{release}: unknown module {path}: neither vendor/modules.txt nor go.mod of the release names it"
                ))
            })?;
            target.current = Some(current.to_string());
            if Version::parse_module(version).is_some_and(|v| current >= v) {
                target.skipped = Some(format!("already at {current}"));
                return Ok(None);
            }
            Ok(Some(commit))
        }
        (Bump::Go(new), _) => {
            let (current, commit) = go_commit(repo, tip, new, &target.fixes, &target.cves)?;
            target.current = current;
            if commit.is_none() {
                target.skipped = Some(format!(
                    "no file of the release names a Go older than {new}"
                ));
            }
            Ok(commit)
        }
        (Bump::Module { .. }, None) => unreachable!("a module bump has its commit"),
    }
}

/// The Go a release's files name (the first found), and a commit on `tip`
/// that bumps every such file to `new` (`None`: nothing to change).
fn go_commit(
    repo: &gix::Repository,
    tip: ObjectId,
    new: &str,
    fixes: &[String],
    cves: &[String],
) -> Result<(Option<String>, Option<ObjectId>), Error> {
    let tree_id = repo::tree_of(repo, tip)?;
    let tree = repo.find_tree(tree_id).map_err(git_err)?;
    let current = crate::deps::ships::Shipped::read(repo, tree_id, "release")
        .ok()
        .and_then(|s| s.go.map(|g| g.version));
    let mut editor = repo.edit_tree(tree_id).map_err(git_err)?;
    let mut changed = false;
    for file in super::go_bump::GO_FILES {
        let Some(bytes) = repo::blob_at(repo, &tree, file.as_bytes())? else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let Some(edited) = super::go_bump::edit(file, &text, new) else {
            continue;
        };
        let mode = {
            use gix::bstr::ByteSlice;
            tree.lookup_entry(file.as_bytes().split_str("/"))
                .map_err(git_err)?
                .map(|e| e.mode().kind())
                .expect("the file was read")
        };
        let blob = repo
            .write_blob(edited.as_bytes())
            .map_err(git_err)?
            .detach();
        editor.upsert(file, mode, blob).map_err(git_err)?;
        changed = true;
    }
    if !changed {
        return Ok((current, None));
    }
    let new_tree = editor.write().map_err(git_err)?.detach();
    let commit = authored_commit(repo, new_tree, tip, &go_message(new, fixes, cves))?;
    Ok((current, Some(commit)))
}

/// A commit of `tree` on `parent` by longhaul, dated now (or
/// `SOURCE_DATE_EPOCH`), kept in `repo`'s in-memory store.
fn authored_commit(
    repo: &gix::Repository,
    tree: ObjectId,
    parent: ObjectId,
    message: &str,
) -> Result<ObjectId, Error> {
    let time = crate::time::reproducible_now().map_err(Error::other)?;
    Ok(crate::repo::memory_commit_at(
        repo, tree, parent, message, time,
    )?)
}

/// The Go bump's commit message.
fn go_message(new: &str, fixes: &[String], cves: &[String]) -> String {
    let mut m = format!("build: bump Go to {new}\n");
    if !fixes.is_empty() {
        m.push_str(&format!("\nFixes {}", fixes.join(", ")));
        if !cves.is_empty() {
            m.push_str(&format!(" ({})", cves.join(", ")));
        }
        m.push_str(".\n");
    }
    m
}

/// Name each successful port: `name` for the largest group of identical
/// patches serving several releases, `name.<line>` for the others.
fn name_patches(name: &str, targets: &mut [BumpTarget]) {
    let mut groups: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(bytes) = t.result.as_ref().and_then(|r| r.patch.as_ref()) {
            match groups.iter_mut().find(|(b, _)| b == bytes) {
                Some((_, members)) => members.push(i),
                None => groups.push((bytes.clone(), vec![i])),
            }
        }
    }
    let shared = groups
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| m.len() > 1)
        .max_by_key(|(gi, (_, m))| (m.len(), std::cmp::Reverse(*gi)))
        .map(|(gi, _)| gi);
    for (gi, (_, members)) in groups.iter().enumerate() {
        for &i in members {
            let line = &targets[i].result.as_ref().expect("a port").line;
            targets[i].patch_name = Some(if Some(gi) == shared || groups.len() == 1 {
                name.to_string()
            } else {
                format!("{name}.{line}")
            });
        }
    }
}

/// An error in the request (exit 2).
pub(crate) fn input(message: String) -> Error {
    Error::Longhaul(crate::Error::Input(message))
}
