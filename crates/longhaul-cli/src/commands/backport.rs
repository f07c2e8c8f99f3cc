//! `longhaul backport --commit SHA... --name NAME (--to RELEASE... | --maintained) [--write]`.

use crate::context::Context;
use crate::ui;
use longhaul::maintain::backport::{BackportReport, PortedTarget, backport};
use longhaul::port::Status;
use std::process::ExitCode;

/// Port upstream commits onto the tip of each target release (its whole
/// chain applied in memory) and report per release; `--write` saves each
/// successful port as a canonical patch and adds it to the manifest.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Upstream commits, in order.
    #[arg(long = "commit", value_name = "SHA", num_args = 1.., required_unless_present = "patches", conflicts_with = "patches")]
    pub commits: Vec<String>,
    /// Patch files (`git format-patch` mails) instead of commits; the
    /// `index` lines' blobs, when the upstream repository has them, are
    /// the merge base.
    #[arg(long = "patch", value_name = "FILE", num_args = 1..)]
    pub patches: Vec<std::path::PathBuf>,
    /// Patch name: files are patches/NAME.patch (or NAME.<minor>.patch per line).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Target releases.
    #[arg(long = "to", value_name = "RELEASE", num_args = 1.., conflicts_with = "maintained")]
    pub to: Vec<String>,
    /// Target the newest shipped release of every line.
    #[arg(long)]
    pub maintained: bool,
    /// Write the patches, the manifest entries and review files for conflicts.
    #[arg(long)]
    pub write: bool,
    /// When only test files (`_test.go`, `testdata/`) conflict, port the
    /// commit without them; the report and the patch's message say so.
    #[arg(long)]
    pub drop_conflicting_tests: bool,
    /// Build each successful port's affected packages on its line (the
    /// manifest's `typecheck` check, or `go build`): a port that does not
    /// compile there is a conflict with the compiler's message.
    #[arg(long)]
    pub typecheck: bool,
    /// The `go` command for --typecheck (default: `go` on PATH).
    #[arg(long, value_name = "PATH", requires = "typecheck")]
    pub go: Option<std::path::PathBuf>,
}

/// What to backport, where, and whether to write.
pub type Request<'a> = longhaul::maintain::backport::BackportRequest<'a>;

pub fn run(ctx: &Context, json: bool, request: &Request<'_>) -> anyhow::Result<ExitCode> {
    let report = backport(ctx, request, &ui::Bars::new(json))?;
    if json {
        print_json(&report);
    } else {
        print_human(&report);
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_json(report: &BackportReport) {
    ui::print_json(&serde_json::json!({
        "ok": report.ok(),
        "name": report.name,
        "cves": report.cves,
        "targets": report.targets.iter().map(|t| {
            let r = &t.result;
            let mut v = serde_json::to_value(r).expect("serializes");
            if let Some(t) = &t.typecheck {
                v["typecheck"] = serde_json::to_value(t).expect("serializes");
            }
            v["patch"] = serde_json::json!(t.patch_name);
            v["rung"] = serde_json::json!(r.commits.last().map(|c| c.outcome.rung));
            v["difficulty"] = serde_json::json!(r.difficulty());
            v
        }).collect::<Vec<_>>(),
        "written": report.written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "manifest_diff": report.manifest_diff,
    }));
}

fn print_human(report: &BackportReport) {
    println!("{}", table(&report.targets));
    for t in &report.targets {
        print_commit_notes(t);
    }
    if !report.cves.is_empty() {
        println!("CVEs: {}", report.cves.join(", "));
    }
    for p in &report.written {
        println!("wrote {}", p.display());
    }
    if !report.manifest_diff.is_empty() {
        print!("{}", report.manifest_diff);
    }
    for t in &report.targets {
        if let Some(c) = &t.typecheck {
            println!(
                "{}: typecheck {} ({} packages{})",
                t.result.release,
                c.status.as_str(),
                c.packages.len(),
                if c.cached { ", cached" } else { "" }
            );
        }
    }
    let any_patch = report.targets.iter().any(|t| t.result.patch.is_some());
    if any_patch {
        if report.typechecked {
            println!(
                "(a port that is not a conflict passed the guard, the same lines as upstream, and its line's typecheck check)"
            );
        } else {
            println!(
                "(a port that is not a conflict passed the guard: the same lines as upstream, and the Go names and imports it adds exist on the line; it was not compiled: pass --typecheck to build it)"
            );
        }
    }
    if !report.write && any_patch {
        println!("(dry run: pass --write to save the patches and edit the manifest)");
    }
}

/// One row per target: release, status, rung, difficulty, files, patch.
fn table(targets: &[PortedTarget]) -> ui::Table {
    let mut t = ui::table(&["RELEASE", "STATUS", "RUNG", "DIFFICULTY", "FILES", "PATCH"]);
    for target in targets {
        let r = &target.result;
        let status = match r.status {
            Status::Conflict => ui::paint("conflict", ui::Color::Red),
            s => ui::paint(&format!("{s:?}").to_lowercase(), ui::Color::Green),
        };
        let rung = r
            .commits
            .last()
            .map(|c| format!("{:?}", c.outcome.rung).to_lowercase())
            .unwrap_or_default();
        t.add_row(vec![
            r.release.clone(),
            status,
            rung,
            format!("{:?}", r.difficulty()).to_lowercase(),
            r.files.join(" "),
            target
                .patch_name
                .clone()
                .map(|n| format!("{n}.patch"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    t
}

/// The test files left out and the conflicts of each commit of a target.
fn print_commit_notes(target: &PortedTarget) {
    let r = &target.result;
    for c in &r.commits {
        if !c.outcome.dropped_tests.is_empty() {
            println!(
                "{} {}: tests left out (they did not port): {}",
                r.release,
                short(&c.commit),
                c.outcome.dropped_tests.join(", ")
            );
        }
        for conflict in &c.outcome.conflicts {
            println!(
                "{} {}: {}: {}",
                r.release,
                &c.commit[..12],
                conflict.file,
                conflict.reason
            );
        }
    }
}

/// A commit id shortened to 12 digits; a patch label as is.
fn short(label: &str) -> &str {
    if label.len() == 40 && label.bytes().all(|b| b.is_ascii_hexdigit()) {
        &label[..12]
    } else {
        label
    }
}
