//! Typechecking ports: the `typecheck` check of each successful port, on its line.

use crate::checks::affected::ReleaseTree;
use crate::checks::go_packages::PackageGraph;
use crate::checks::run::{CheckResult, CheckStatus, Checker, Scope};
use crate::checks::toolchain::Toolchain;
use crate::maintain::{Error, Progress};
use crate::port::backport::TargetResult;
use crate::port::{Conflict, Difficulty, Status};
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use gix::ObjectId;
use std::path::{Path, PathBuf};

/// Run the `typecheck` check on every successful port, on its line: a port
/// that fails becomes a conflict (nothing is written for it) whose reasons are
/// the compiler's messages.
pub(crate) fn typecheck_ports(
    repo: &gix::Repository,
    manifest: &Manifest,
    loader: &PatchLoader,
    go: Option<&Path>,
    cache_dir: Option<PathBuf>,
    results: &mut [(ObjectId, TargetResult)],
    progress: &dyn Progress,
) -> Result<Vec<Option<CheckResult>>, Error> {
    let toolchain = Toolchain::find(go).map_err(crate::Error::Input)?;
    let spec = crate::checks::config::typecheck(manifest)?;
    let target = crate::checks::build_constraints::Target::default();
    progress.start("typechecking", results.len());
    let quiet = |_: &str| {};
    let checker = Checker {
        repo,
        manifest,
        loader,
        target: target.clone(),
        toolchain,
        scope: Scope::Affected,
        cache_dir,
        progress: &quiet,
    };
    let mut out = Vec::new();
    for (tip, r) in results.iter_mut() {
        progress.step();
        let Some(tree) = r.tree.as_deref() else {
            out.push(None);
            continue;
        };
        let tree = ObjectId::from_hex(tree.as_bytes()).map_err(Error::other)?;
        let built = ReleaseTree {
            base: crate::repo::tree_of(repo, *tip)?,
            tree,
            graph: PackageGraph::load(repo, tree, &target)?,
        };
        let report = checker.check_tree(&r.release, &built, &[], std::slice::from_ref(&spec))?;
        let result = report.checks.into_iter().next().expect("one check ran");
        if result.status == CheckStatus::Failed {
            fail_port(r, &result, &spec.run);
        }
        out.push(Some(result));
    }
    progress.finish();
    Ok(out)
}

/// Make the port `r` a conflict whose reasons are `result`'s failures.
fn fail_port(r: &mut TargetResult, result: &CheckResult, run: &str) {
    r.status = Status::Conflict;
    r.tree = None;
    r.patch = None;
    let Some(last) = r.commits.last_mut() else {
        return;
    };
    last.outcome.status = Status::Conflict;
    last.outcome.difficulty = Difficulty::Manual;
    last.outcome.tree = None;
    for f in &result.failures {
        last.outcome.conflicts.push(Conflict {
            file: if f.package.is_empty() {
                "(build)".into()
            } else {
                f.package.clone()
            },
            reason: format!(
                "typecheck (`{run}`) fails on this line: {}",
                f.message.lines().take(3).collect::<Vec<_>>().join(" | ")
            ),
        });
    }
}
