//! `longhaul build`: release commits and tags.
//!
//! Everything that can fail is checked before the first ref is written: the
//! `--worktree` folder, and every release applied in memory. Only then are the
//! releases written, one after another; if writing one (or its worktree) fails,
//! the tags this run wrote are put back, and the report says per release what
//! was written and what was rolled back.

use crate::context::Context;
use crate::ui;
use anyhow::bail;
use longhaul::apply::tree::ApplyOptions;
use longhaul::release::build::{BuildReport, Identity, add_worktree, prepare, restore_tag};
use std::path::Path;
use std::process::ExitCode;

/// Write each release's commits and annotated tag into the upstream repository.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Releases to build.
    #[arg(required = true)]
    pub releases: Vec<String>,
    /// Move an existing tag.
    #[arg(long)]
    pub force: bool,
    /// Also check the result out into a new linked worktree DIR (one release only).
    #[arg(long, value_name = "DIR")]
    pub worktree: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub apply: crate::ApplyArgs,
}

pub fn run(
    ctx: &Context,
    json: bool,
    names: &[String],
    force: bool,
    worktree: Option<&Path>,
    options: ApplyOptions,
) -> anyhow::Result<ExitCode> {
    if worktree.is_some() && names.len() != 1 {
        bail!("--worktree needs exactly one release (got {})", names.len());
    }
    if let Some(dir) = worktree {
        check_worktree_dir(dir)?;
    }
    let manifest = ctx.manifest()?;
    for n in names {
        manifest.release(n)?;
    }
    let repo = ctx.upstream(Some(&manifest))?;
    let loader = ctx.loader(Some(&manifest));
    let committer = Identity::committer(&repo.to_thread_local())?;

    // Phase 1, for every release: plan and apply in memory. Nothing is written.
    let plans = names
        .iter()
        .map(|name| longhaul::release::plan::plan(&manifest, name, &loader))
        .collect::<Result<Vec<_>, _>>()?;
    let mut prepared = Vec::new();
    for plan in &plans {
        match prepare(&repo, &manifest, plan, options, force) {
            Ok(p) => prepared.push(p),
            Err(e) => bail!("{e} (nothing was written: no release of this command was built)"),
        }
    }

    // Phase 2: write, rolling back this run's tags if a later step fails.
    let (reports, failure) = write_all(&repo, prepared, worktree, &committer);
    if let Some((name, error)) = failure {
        return failed(&repo, &reports, json, &name, &error);
    }
    if json {
        ui::print_json(&serde_json::json!({ "ok": true, "releases": reports }));
    } else {
        print_built(&reports);
    }
    Ok(ExitCode::SUCCESS)
}

/// A write failed: put back the tags this run wrote and say so (exit 2).
fn failed(
    repo: &longhaul::gix::ThreadSafeRepository,
    reports: &[BuildReport],
    json: bool,
    name: &str,
    error: &longhaul::Error,
) -> anyhow::Result<ExitCode> {
    let rolled_back = roll_back(repo, reports);
    if json {
        ui::print_json(&serde_json::json!({
            "ok": false,
            "failed": { "name": name, "error": error.to_string() },
            "rolled_back": rolled_back,
            "error": format!("{name}: {error}"),
        }));
        return Ok(ExitCode::from(2));
    }
    bail!(
        "{error} ({})",
        if rolled_back.is_empty() {
            "no tag was changed".to_string()
        } else {
            format!(
                "the tags written before it were put back: {}",
                rolled_back.join(", ")
            )
        }
    );
}

/// The worktree folder must be new or empty, and creatable: checked by
/// creating it (and removing it again) before anything is built.
fn check_worktree_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = dir.is_dir()
            && std::fs::read_dir(dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !empty {
            bail!(
                "--worktree {}: exists and is not an empty folder; nothing was built",
                dir.display()
            );
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "--worktree {}: cannot create it ({e}); nothing was built",
            dir.display()
        )
    })?;
    std::fs::remove_dir(dir)?;
    Ok(())
}

/// Write every prepared release (and the worktree), stopping at the first
/// failure: the reports written, and the failure (release, error) if any.
fn write_all(
    repo: &longhaul::gix::ThreadSafeRepository,
    prepared: Vec<longhaul::release::build::Prepared<'_>>,
    worktree: Option<&Path>,
    committer: &Identity,
) -> (Vec<BuildReport>, Option<(String, longhaul::Error)>) {
    let mut reports: Vec<BuildReport> = Vec::new();
    let mut failure = None;
    for p in prepared {
        let name = p.release().to_string();
        let written = p.write(repo, committer).and_then(|report| {
            if let Some(dir) = worktree
                && let Err(e) = add_worktree(repo, &report.commit, dir, committer)
            {
                restore_tag(repo, &report.name, report.previous.as_deref())?;
                return Err(e);
            }
            Ok(report)
        });
        match written {
            Ok(report) => reports.push(report),
            Err(e) => {
                failure = Some((name, e));
                break;
            }
        }
    }
    (reports, failure)
}

/// Put back the tags of `reports`: the ones put back (an error for each that
/// could not be is printed).
fn roll_back(repo: &longhaul::gix::ThreadSafeRepository, reports: &[BuildReport]) -> Vec<String> {
    let mut rolled_back = Vec::new();
    for r in reports {
        match restore_tag(repo, &r.name, r.previous.as_deref()) {
            Ok(()) => rolled_back.push(r.name.clone()),
            Err(e) => eprintln!(
                "{} could not roll back tag {}: {e}",
                ui::paint("error:", ui::Color::Red),
                r.name
            ),
        }
    }
    rolled_back
}

/// One line per release tagged.
fn print_built(reports: &[BuildReport]) {
    for report in reports {
        println!(
            "{} {} on {}: {}, commit {}, tree {}{}",
            ui::paint("tagged", ui::Color::Green),
            report.name,
            report.base,
            ui::count(report.commits, "commit", "commits"),
            &report.commit[..12],
            &report.tree[..12],
            if report.replaced {
                " (moved existing tag)"
            } else {
                ""
            }
        );
    }
}
