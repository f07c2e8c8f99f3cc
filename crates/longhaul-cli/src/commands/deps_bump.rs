//! `longhaul deps bump SPEC --on RELEASE... [--from REV] [--write]` and
//! `longhaul deps remedy RELEASE`: dependency bumps as patches, and the
//! dependency backlog of a release.

use crate::GorootArgs;
use crate::context::Context;
use crate::ui;
use anyhow::Result;
use longhaul::deps::finding::Finding;
use longhaul::maintain::deps_bump::{Bump, BumpReport, BumpRequest, bump};
use longhaul::maintain::deps_remedy::{RemedyReport, remedy};
use std::collections::BTreeMap;
use std::process::ExitCode;

/// `deps`' own subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum DepsAction {
    /// Bump the Go toolchain (`go@1.15.15`) or a module (`MODULE@VERSION`)
    /// on releases, as a patch with `reason: security` naming the GO- and
    /// CVE ids it fixes (dry run unless --write; prints the diff).
    Bump {
        /// `go@VERSION` or `MODULE@VERSION`.
        spec: String,
        /// The releases.
        #[arg(long, required = true, num_args = 1..)]
        on: Vec<String>,
        /// The upstream commit to port (default: the first that moves the
        /// module to VERSION or later).
        #[arg(long, value_name = "REV")]
        from: Option<String>,
        /// Write the patches and the manifest's entries.
        #[arg(long)]
        write: bool,
        /// Build each port's affected packages on its line (the manifest's
        /// `typecheck` check, or `go build`): a port that does not compile
        /// there is a conflict with the compiler's message, and is not written.
        #[arg(long)]
        typecheck: bool,
        /// The `go` command for --typecheck (default: `go` on PATH).
        #[arg(long = "go", value_name = "PATH", requires = "typecheck")]
        go_command: Option<std::path::PathBuf>,
        #[command(flatten)]
        go: GorootArgs,
    },
    /// For each module with reachable findings: the upstream commit that
    /// first moved it past the fix, and whether it ports onto each
    /// maintained line.
    Remedy {
        /// The release.
        release: String,
        #[command(flatten)]
        go: GorootArgs,
    },
}

pub fn run(ctx: &Context, json: bool, action: &DepsAction) -> Result<ExitCode> {
    match action {
        DepsAction::Bump {
            spec,
            on,
            from,
            write,
            typecheck,
            go_command,
            go,
        } => {
            let typecheck = typecheck.then_some(go_command.as_deref());
            run_bump(ctx, json, spec, on, from.as_deref(), *write, typecheck, go)
        }
        DepsAction::Remedy { release, go } => run_remedy(ctx, json, release, go),
    }
}

/// Each release's findings, from `deps`' analysis.
fn findings(
    ctx: &Context,
    releases: &[String],
    go: &GorootArgs,
) -> Result<BTreeMap<String, Vec<Finding>>> {
    let manifest = ctx.manifest()?;
    for r in releases {
        manifest.release(r)?;
    }
    let inputs = super::deps::inputs(ctx, &manifest, go)?;
    let report = super::deps::analyse(ctx, &manifest, &inputs, releases, &inputs.statements)?;
    Ok(report
        .releases
        .iter()
        .map(|r| (r.name.clone(), r.findings().to_vec()))
        .collect())
}

/// `typecheck`: `Some(go)` to typecheck the ports (with `go`, or `go` on PATH).
#[allow(clippy::too_many_arguments)]
fn run_bump(
    ctx: &Context,
    json: bool,
    spec: &str,
    on: &[String],
    from: Option<&str>,
    write: bool,
    typecheck: Option<Option<&std::path::Path>>,
    go: &GorootArgs,
) -> Result<ExitCode> {
    let parsed = Bump::parse(spec)?;
    let findings = findings(ctx, on, go)?;
    let request = BumpRequest {
        bump: &parsed,
        on,
        from,
        write,
        findings: &findings,
        typecheck: typecheck.is_some(),
        go: typecheck.flatten(),
    };
    let report = bump(ctx, &request, &ui::Bars::new(json))?;
    if json {
        print_bump_json(&report);
    } else {
        print_bump(&report);
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_bump_json(report: &BumpReport) {
    ui::print_json(&serde_json::json!({
        "ok": report.ok(),
        "bump": report.bump,
        "commit": report.commit.map(|c| c.to_string()),
        "write": report.write,
        "typechecked": report.typechecked,
        "written": report.written,
        "manifest_diff": report.manifest_diff,
        "targets": report.targets.iter().map(|t| {
            let r = t.result.as_ref();
            serde_json::json!({
                "release": t.release,
                "current": t.current,
                "fixes": t.fixes,
                "cves": t.cves,
                "skipped": t.skipped,
                "patch": t.patch_name,
                "status": r.map(|r| r.status),
                "rung": r.and_then(|r| r.commits.last().map(|c| c.outcome.rung)),
                "difficulty": r.map(|r| r.difficulty()),
                "files": r.map(|r| r.files.clone()),
                "diff": r.and_then(|r| r.patch.as_ref()).map(|p| String::from_utf8_lossy(p).into_owned()),
                "conflicts": r.and_then(|r| r.commits.last()).map(|c| c.outcome.conflicts.clone()),
                "typecheck": t.typecheck,
            })
        }).collect::<Vec<_>>(),
    }));
}

fn print_bump(report: &BumpReport) {
    if let Some(c) = report.commit {
        println!("{}: upstream commit {c}", report.bump);
    }
    for t in &report.targets {
        print_target(report, t);
    }
    if !report.typechecked
        && report
            .targets
            .iter()
            .any(|t| t.result.as_ref().is_some_and(|r| r.tree.is_some()))
    {
        println!(
            "(the ports passed the guard; they were not compiled: pass --typecheck to build them)"
        );
    }
    for f in &report.written {
        println!("wrote {}", f.display());
    }
    if !report.manifest_diff.is_empty() {
        print!("{}", report.manifest_diff);
    }
    if !report.write {
        println!("(dry run: nothing written; pass --write)");
    }
}

/// One release's line of a bump: skipped, or its port, typecheck, conflicts
/// and (in a dry run) its patch.
fn print_target(report: &BumpReport, t: &longhaul::maintain::deps_bump::BumpTarget) {
    let current = t.current.as_deref().unwrap_or("unknown");
    let fixes = match t.fixes.len() {
        0 => "fixes none".to_string(),
        _ => format!("fixes {}", t.fixes.join(", ")),
    };
    if let Some(why) = &t.skipped {
        println!("{}: {current}: skipped: {why}", t.release);
        return;
    }
    let Some(r) = &t.result else { return };
    println!(
        "{}: {current} -> {}: {} ({}), {fixes}",
        t.release,
        report.bump,
        label(r.status),
        label(r.difficulty()),
    );
    if let Some(c) = &t.typecheck {
        println!(
            "{}: typecheck {} ({} packages)",
            t.release,
            label(c.status),
            c.packages.len()
        );
    }
    for c in r
        .commits
        .last()
        .map_or(&[][..], |c| &c.outcome.conflicts[..])
    {
        println!("  conflict: {}: {}", c.file, c.reason);
    }
    if let Some(p) = &r.patch
        && !report.write
    {
        print!("{}", String::from_utf8_lossy(p));
    }
}

fn run_remedy(ctx: &Context, json: bool, release: &str, go: &GorootArgs) -> Result<ExitCode> {
    let releases = [release.to_string()];
    let manifest = ctx.manifest()?;
    manifest.release(release)?;
    let inputs = super::deps::inputs(ctx, &manifest, go)?;
    let report = super::deps::analyse(ctx, &manifest, &inputs, &releases, &inputs.statements)?;
    let deps = report
        .releases
        .first()
        .ok_or_else(|| anyhow::anyhow!("{release}: no analysis"))?;
    let backlog = remedy(ctx, deps, &ui::Bars::new(json))?;
    if json {
        ui::print_json(&backlog);
    } else {
        print_remedy(&backlog);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_remedy(r: &RemedyReport) {
    println!(
        "{}: {} module(s) with reachable findings; maintained: {}",
        r.release,
        r.modules.len(),
        r.maintained.join(", ")
    );
    for m in &r.modules {
        println!(
            "  {} {} -> {}: {} ({})",
            m.module,
            m.current,
            m.fixed_in.as_deref().unwrap_or("no fix"),
            m.upstream,
            m.ids.join(", ")
        );
        for p in &m.ports {
            let what = match (p.status, p.rung, p.difficulty) {
                (Some(s), Some(rung), Some(d)) => {
                    format!("{} (rung {}, {})", label(s), label(rung), label(d))
                }
                _ => "not tried".to_string(),
            };
            let note = p
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            println!("    {}: {what}{note}", p.release);
        }
    }
}

/// A report value as its JSON spelling (`clean`, `modules`, `trivial`).
fn label(v: impl serde::Serialize) -> String {
    match serde_json::to_value(v).expect("serializes") {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}
