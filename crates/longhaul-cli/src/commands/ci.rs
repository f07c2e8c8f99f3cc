//! `longhaul ci github`: write (or check) the GitHub Actions workflow.

use crate::context::Context;
use crate::ui;
use longhaul::checks::github_workflow::{WorkflowInput, workflow};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Continuous integration for the LTS repository.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: crate::CiAction,
}

pub fn github(
    ctx: &Context,
    json: bool,
    out: Option<&Path>,
    check: bool,
    install: &str,
    branch: &str,
) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let Some(url) = manifest.base.clone().filter(|b| b.contains("://")) else {
        anyhow::bail!(
            "{}: the workflow clones upstream from `base:`, which must be a repository URL (such as https://github.com/kubernetes/kubernetes)",
            manifest.path.display()
        );
    };
    let (root, dir) = locate(&manifest)?;
    // The releases and their Go are planned when the workflow runs (`ci
    // plan`), so writing it needs neither the upstream clone nor the trees.
    let warnings: Vec<String> = Vec::new();
    let text = workflow(&WorkflowInput {
        dir,
        upstream_url: url,
        install: install.to_string(),
        branch: branch.to_string(),
    });
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(".github/workflows/longhaul.yml"));
    let current = longhaul::fs::read(&path).ok();
    let same = current.as_deref() == Some(text.as_bytes());
    if !check && !same {
        let written = if out.is_some() {
            longhaul::fs::write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string())
        } else {
            longhaul::confine::write_atomic(&root, &path, text.as_bytes())
                .map_err(|e| e.to_string())
        };
        written.map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    if json {
        ui::print_json(&serde_json::json!({
            "path": path.display().to_string(),
            "up_to_date": same,
            "written": !check && !same,
            "warnings": warnings,
        }));
    } else {
        for w in &warnings {
            println!("{} {w}", ui::paint("!", ui::Color::Yellow));
        }
        print_outcome(&path, check, same, current.is_some());
    }
    Ok(if check && !same {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The repository's root (the manifest's folder outside a git work tree)
/// and the manifest's folder relative to it (`.` for the root).
fn locate(manifest: &longhaul::release::manifest::Manifest) -> anyhow::Result<(PathBuf, String)> {
    let manifest_dir = manifest.dir().canonicalize()?;
    let root: PathBuf = longhaul::gix::discover(&manifest_dir)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .and_then(|w| w.canonicalize().ok())
        .unwrap_or_else(|| manifest_dir.clone());
    let dir = match manifest_dir.strip_prefix(&root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => ".".to_string(),
    };
    Ok((root, dir))
}

/// Whether the workflow was up to date, missing, different or written.
fn print_outcome(path: &Path, check: bool, same: bool, exists: bool) {
    match (check, same) {
        (_, true) => println!("{} is up to date", path.display()),
        (true, false) if !exists => println!(
            "{} does not exist (run `longhaul ci github`)",
            path.display()
        ),
        (true, false) => println!(
            "{} differs from what `longhaul ci github` writes (run it again)",
            path.display()
        ),
        (false, false) => println!("wrote {}", path.display()),
    }
}

/// `longhaul ci plan [--since REV]`: the check matrix, computed now.
pub fn plan(ctx: &Context, json: bool, since: Option<&str>) -> anyhow::Result<ExitCode> {
    use longhaul::checks::affected::{Revision, changed_since};
    let manifest = ctx.manifest()?;
    let repo = ctx.upstream(Some(&manifest))?;
    let memory = longhaul::repo::in_memory(&repo);
    let loader = ctx.loader(Some(&manifest));
    let base = match since {
        Some(rev) => {
            let revision = Revision::open(&manifest.path, rev)?;
            let then = revision.manifest(&manifest)?;
            let touched = changed_since(&then, &manifest, &|p| revision.changed(p))?;
            Some((then, touched))
        }
        None => None,
    };
    let plan = longhaul::checks::plan::plan(
        &memory,
        &manifest,
        &loader,
        base.as_ref()
            .map(|(then, touched)| longhaul::checks::plan::Since { then, touched }),
    )?;
    if json {
        ui::print_json(&serde_json::json!({
            "since": since,
            "matrix": plan.matrix,
            "warnings": plan.warnings,
        }));
    } else {
        for w in &plan.warnings {
            println!("{} {w}", ui::paint("!", ui::Color::Yellow));
        }
        if plan.matrix.is_empty() {
            println!("nothing to check");
        }
        for e in &plan.matrix {
            println!("{} (Go {})", e.release, e.go);
        }
    }
    Ok(ExitCode::SUCCESS)
}
