//! `longhaul build`: release commits and tags.

use crate::context::Context;
use crate::ui;
use anyhow::bail;
use longhaul::build::{Identity, add_worktree, build_release};
use longhaul::engine::ApplyOptions;
use std::path::Path;
use std::process::ExitCode;

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
    if let Some(dir) = worktree
        && dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "--worktree {}: exists and is not empty; nothing was built",
            dir.display()
        );
    }
    let manifest = ctx.manifest()?;
    for n in names {
        manifest.release(n)?;
    }
    let repo = ctx.upstream(Some(&manifest))?;
    let loader = ctx.loader(Some(&manifest));
    let committer = Identity::committer(&repo.to_thread_local());
    let mut reports = Vec::new();
    for name in names {
        let plan = longhaul::plan::plan(&manifest, name, &loader)?;
        let report = build_release(&repo, &manifest, &plan, options, &committer, force)?;
        if let Some(dir) = worktree {
            add_worktree(&repo, &report.commit, dir, &committer)?;
        }
        if !json {
            println!(
                "{} {} on {}: {} commit(s), commit {}, tree {}{}",
                ui::paint("tagged", ui::Color::Green),
                report.name,
                report.base,
                report.commits,
                &report.commit[..12],
                &report.tree[..12],
                if report.replaced {
                    " (moved existing tag)"
                } else {
                    ""
                }
            );
        }
        reports.push(report);
    }
    if json {
        ui::print_json(&serde_json::json!({ "ok": true, "releases": reports }));
    }
    Ok(ExitCode::SUCCESS)
}
