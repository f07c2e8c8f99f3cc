//! `longhaul verify`: apply releases in memory.

use crate::context::Context;
use crate::ui;
use longhaul::apply::tree::{ApplyOptions, Status};
use longhaul::release::verify::VerifyReport;
use std::process::ExitCode;

/// Apply releases in memory and report (exit 1 if any fails).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Releases to verify (default: those with `must: true`).
    pub releases: Vec<String>,
    /// Verify every release.
    #[arg(long, conflicts_with = "releases")]
    pub all: bool,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub apply: crate::ApplyArgs,
}

pub fn run(
    ctx: &Context,
    json: bool,
    names: &[String],
    all: bool,
    jobs: Option<usize>,
    options: ApplyOptions,
) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let selected = crate::context::select_releases(&manifest, names, all, "verify")?;
    let repo = ctx.upstream(Some(&manifest))?;
    let loader = ctx.loader(Some(&manifest));
    let plans = selected
        .iter()
        .map(|name| longhaul::release::plan::plan(&manifest, name, &loader))
        .collect::<Result<Vec<_>, _>>()?;
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        ui::progress(plans.len(), "verifying")
    };
    let report =
        longhaul::release::verify::verify_all(&repo, &manifest, &plans, options, jobs, &|_| {
            bar.inc(1)
        });
    bar.finish_and_clear();
    let report = report?;
    if json {
        ui::print_json(&report);
    } else {
        print_human(&report, &manifest.path);
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_human(report: &VerifyReport, manifest: &std::path::Path) {
    let mut t = ui::table(&["RELEASE", "BASE", "PATCHES", "RESULT", "TREE"]);
    for r in &report.releases {
        t.add_row(release_row(r));
    }
    println!("{t}");
    for r in report.releases.iter().filter(|r| !r.ok) {
        print_problems(r, manifest);
    }
    let ok = report.releases.iter().filter(|r| r.ok).count();
    let total = report.releases.len();
    println!(
        "{ok} of {}",
        ui::count(total, "release applies", "releases apply")
    );
    if let Some(fetch) = &report.fetch {
        let missing = report
            .releases
            .iter()
            .filter(|r| r.missing_base.is_some())
            .count();
        println!(
            "{missing} unverifiable: the upstream clone lacks {} ({}). Fetch exactly those:\n  {fetch}",
            ui::count(report.missing_tags.len(), "base tag", "base tags"),
            report.missing_tags.join(", ")
        );
    }
}

/// A release's row: name, base, patch counts by status, result, tree.
fn release_row(r: &longhaul::release::verify::ReleaseReport) -> Vec<String> {
    let worst = r
        .patches
        .iter()
        .map(|p| p.status)
        .max()
        .unwrap_or(Status::Clean);
    let counts = {
        let mut c = std::collections::BTreeMap::new();
        for p in &r.patches {
            *c.entry(p.status).or_insert(0) += 1;
        }
        c.iter()
            .map(|(s, n)| format!("{n} {}", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let result = if r.ok {
        ui::paint("ok", ui::Color::Green)
    } else if r.missing_base.is_some() {
        ui::status_cell(Status::Unverifiable)
    } else {
        ui::status_cell(worst)
    };
    let counts = if r.missing_base.is_some() {
        format!("{} not applied", r.patches.len())
    } else {
        counts
    };
    vec![
        r.name.clone(),
        r.base.clone(),
        if counts.is_empty() {
            "none".into()
        } else {
            counts
        },
        result,
        r.tree
            .as_deref()
            .map(|t| t[..12].to_string())
            .unwrap_or_default(),
    ]
}

/// Why a release does not apply: a missing base tag, unverifiable items,
/// each failing hunk.
fn print_problems(r: &longhaul::release::verify::ReleaseReport, manifest: &std::path::Path) {
    if let Some(m) = &r.missing_base {
        println!(
            "{} {}: base tag {} is not in the upstream repository ({}:{})",
            ui::paint("?", ui::Color::Yellow),
            r.name,
            m.tag,
            manifest.display(),
            m.line
        );
    }
    for m in &r.unverifiable {
        println!(
            "{} {}: {} ({})",
            ui::paint("?", ui::Color::Yellow),
            r.name,
            m.url,
            m.reason
        );
    }
    for p in &r.patches {
        for f in &p.failures {
            // The reason names the hunk already ("hunk #1 (patch line 14): …").
            let at = match (f.hunk, f.line) {
                (Some(h), Some(l)) if f.reason.starts_with(&format!("hunk #{h} ")) => {
                    format!("{}:{l}", f.file)
                }
                (Some(h), Some(l)) => format!("{}:{l} hunk #{h}", f.file),
                _ => f.file.clone(),
            };
            println!(
                "{} {}: patch {}: {at}: {}",
                ui::paint("✗", ui::Color::Red),
                r.name,
                p.name,
                f.reason
            );
        }
    }
}
