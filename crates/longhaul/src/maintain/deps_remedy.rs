//! `deps remedy`: a release's dependency backlog at once. For each module
//! with findings that may reach its binaries (tiers `imported`, `unknown`),
//! the lowest version that clears them, the upstream commit that first moved
//! the module there (or none found: never a guess), and whether that commit
//! ports onto each maintained line (status, rung, difficulty). Nothing is
//! written.

use super::deps_bump::search;
use super::{Error, Inputs, Progress};
use crate::deps::module::{STDLIB, TOOLCHAIN};
use crate::deps::report::ReleaseDeps;
use crate::deps::version::Version;
use crate::port::backport::Change;
use crate::port::{Difficulty, Rung, Status};
use crate::repo;
use serde::Serialize;

/// The backlog of one release.
#[derive(Debug, Clone, Serialize)]
pub struct RemedyReport {
    /// The release.
    pub release: String,
    /// The maintained lines' releases the commits were ported onto.
    pub maintained: Vec<String>,
    /// One entry per module, by path.
    pub modules: Vec<ModuleBacklog>,
}

/// One module of the backlog.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleBacklog {
    /// The module path.
    pub module: String,
    /// The version the release builds.
    pub current: String,
    /// The GO- ids of its reachable findings.
    pub ids: Vec<String>,
    /// The lowest version that clears them (none: no fix published).
    pub fixed_in: Option<String>,
    /// The upstream commit that first moved the module there.
    pub commit: Option<String>,
    /// Commits searched for it.
    pub searched: usize,
    /// What was found, in words (`no upstream commit found`).
    pub upstream: String,
    /// The port of `commit` onto each maintained line.
    pub ports: Vec<LinePort>,
}

/// The port onto one maintained line's newest release.
#[derive(Debug, Clone, Serialize)]
pub struct LinePort {
    /// The release.
    pub release: String,
    /// How the port went (absent when it was not tried).
    pub status: Option<Status>,
    /// The rung that decided.
    pub rung: Option<Rung>,
    /// Its triage class.
    pub difficulty: Option<Difficulty>,
    /// Why it was not tried, or what blocked it.
    pub note: Option<String>,
}

/// The backlog of `deps` (the analysis of one release), ported onto the
/// newest release of every line.
pub fn remedy(
    inputs: &dyn Inputs,
    deps: &ReleaseDeps,
    progress: &dyn Progress,
) -> Result<RemedyReport, Error> {
    let manifest = inputs.manifest().map_err(Error::Other)?;
    let maintained = crate::release::line::newest_per_line(&manifest);
    let upstream = inputs.upstream(&manifest).map_err(Error::Other)?;
    let memory = repo::in_memory(&upstream);
    let loader = inputs.loader(&manifest);
    let mut tips = Vec::new();
    for r in &maintained {
        tips.push(crate::release::tip::release_tip(
            &memory, &manifest, r, &loader,
        )?);
    }
    let open = open_modules(deps);
    progress.start("remedy", open.len());
    let mut modules = Vec::new();
    for (module, current, ids, fixed_in) in open {
        let mut entry = ModuleBacklog {
            module,
            current,
            ids,
            fixed_in,
            commit: None,
            searched: 0,
            upstream: "no fix published".into(),
            ports: Vec::new(),
        };
        if let Some(v) = entry.fixed_in.as_deref().and_then(Version::parse_module) {
            locate(&memory, &mut entry, &v, &maintained, &tips)?;
        }
        modules.push(entry);
        progress.step();
    }
    progress.finish();
    Ok(RemedyReport {
        release: deps.name.clone(),
        maintained,
        modules,
    })
}

/// The modules with reachable findings: path, current version, ids, and the
/// lowest version that clears them.
fn open_modules(deps: &ReleaseDeps) -> Vec<(String, String, Vec<String>, Option<String>)> {
    let mut out = Vec::new();
    for m in &deps.tree.remedy.modules {
        if m.path == STDLIB || m.path == TOOLCHAIN {
            continue;
        }
        let mut ids: Vec<String> = deps
            .findings()
            .iter()
            .filter(|f| f.module == m.path && f.tier.open())
            .map(|f| f.id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let fixed = m.reachable.as_ref().map(|u| u.version.clone());
        out.push((m.path.clone(), m.current.clone(), ids, fixed));
    }
    out
}

/// Find the commit that moved `entry`'s module to `version`, and port it
/// onto each maintained release.
fn locate(
    repo: &gix::Repository,
    entry: &mut ModuleBacklog,
    version: &Version,
    maintained: &[String],
    tips: &[gix::ObjectId],
) -> Result<(), Error> {
    let found = match search::first_moving_commit(repo, &entry.module, version)? {
        Ok(found) => found,
        Err(searched) => {
            entry.searched = searched;
            entry.upstream = "no upstream commit found".into();
            return Ok(());
        }
    };
    entry.searched = found.searched;
    entry.commit = Some(found.commit.to_string());
    entry.upstream = format!("moved to {} by {}", found.version, found.commit);
    for (release, tip) in maintained.iter().zip(tips) {
        entry.ports.push(port_onto(
            repo,
            &entry.module,
            version,
            release,
            *tip,
            found.commit,
        )?);
    }
    Ok(())
}

/// The dry port of `commit` onto `release`'s tip.
fn port_onto(
    repo: &gix::Repository,
    module: &str,
    version: &Version,
    release: &str,
    tip: gix::ObjectId,
    commit: gix::ObjectId,
) -> Result<LinePort, Error> {
    let mut port = LinePort {
        release: release.to_string(),
        status: None,
        rung: None,
        difficulty: None,
        note: None,
    };
    let tree = repo::tree_of(repo, tip)?;
    match search::module_version(repo, tree, module, release)? {
        None => port.note = Some("the release does not build this module".into()),
        Some(v) if &v >= version => port.note = Some(format!("already at {v}")),
        Some(_) => {
            let r = super::backport::backport_onto(
                repo,
                release,
                tip,
                &[Change::Commit(commit)],
                false,
            )?;
            let last = r.commits.last().map(|c| &c.outcome);
            port.rung = last.map(|o| o.rung);
            port.status = Some(r.status);
            port.difficulty = Some(r.difficulty());
            port.note = last.filter(|o| !o.conflicts.is_empty()).map(|o| {
                o.conflicts
                    .iter()
                    .map(|c| format!("{}: {}", c.file, c.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
        }
    }
    Ok(port)
}
