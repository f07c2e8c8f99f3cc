//! `longhaul rebase LINE --onto TAG`: a line's patch chain on a newer tag.

use crate::context::Context;
use crate::ui;
use longhaul::maintain::rebase::{Fate, RebaseReport, RebaseRequest, Rebased, rebase};
use std::process::ExitCode;

/// Port a release's whole patch chain onto a newer upstream tag (a line's
/// new base) in memory: each patch is re-ported, dropped when the new tag
/// already contains it, or reported as a conflict. Writes nothing.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The release (or line, such as 1.23: its newest shipped release).
    #[arg(value_name = "LINE")]
    pub line: String,
    /// The newer upstream tag.
    #[arg(long, value_name = "TAG")]
    pub onto: String,
}

pub fn run(ctx: &Context, json: bool, line: &str, onto: &str) -> anyhow::Result<ExitCode> {
    let report = rebase(ctx, &RebaseRequest { line, onto })?;
    if json {
        ui::print_json(&serde_json::json!({
            "ok": report.ok(),
            "release": report.release,
            "onto": report.onto,
            "patches": report.patches,
            "tree": report.tree.to_string(),
        }));
    } else {
        print_table(&report);
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_table(report: &RebaseReport) {
    println!("{} on {}:", report.release, report.onto);
    let mut t = ui::table(&["PATCH", "RESULT", "HOW"]);
    for r in &report.patches {
        let fate = match r.fate {
            Fate::AlreadyUpstream => ui::paint("already upstream: drop", ui::Color::Yellow),
            Fate::Ported => ui::paint("ported", ui::Color::Green),
            Fate::Conflict => ui::paint("conflict", ui::Color::Red),
        };
        t.add_row(vec![r.patch.clone(), fate, how(r)]);
    }
    println!("{t}");
}

/// How a patch ported (its status), or why it conflicts.
fn how(r: &Rebased) -> String {
    match r.fate {
        Fate::Conflict => r
            .conflicts
            .iter()
            .map(|c| format!("{}: {}", c.file, c.reason))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => r
            .status
            .map(|s| format!("{s:?}").to_lowercase())
            .unwrap_or_default(),
    }
}
