//! `longhaul refresh [PATCH...] [--check]`: canonical patch files.

use crate::context::Context;
use crate::ui;
use longhaul::maintain::refresh::{RefreshReport, RefreshRequest, refresh};
use std::process::ExitCode;

/// Rewrite patch files in KLTS's canonical form (`git format-patch -N
/// --abbrev=11 --zero-commit --no-signature` of the commits as built on the
/// chain of the first release that uses the patch).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Patch files (default: every local patch file the manifest uses).
    #[arg(value_name = "PATCH")]
    pub files: Vec<std::path::PathBuf>,
    /// Write nothing; exit 1 naming each file that is not canonical.
    #[arg(long)]
    pub check: bool,
}

pub fn run(
    ctx: &Context,
    json: bool,
    files: &[std::path::PathBuf],
    check: bool,
) -> anyhow::Result<ExitCode> {
    let report = refresh(ctx, &RefreshRequest { files, check })?;
    if json {
        print_json(&report);
    } else {
        print_text(&report);
    }
    Ok(if check && report.stale().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_json(report: &RefreshReport) {
    let shown = |f: &std::path::PathBuf| f.display().to_string();
    ui::print_json(&serde_json::json!({
        "files": report.files.iter().map(|(r, c)| serde_json::json!({
            "file": r.file.display().to_string(),
            "release": r.release,
            "canonical": c,
        })).collect::<Vec<_>>(),
        "rewritten": report.rewritten.iter().map(shown).collect::<Vec<_>>(),
        "skipped_plain_diffs": report.skipped.iter().map(shown).collect::<Vec<_>>(),
    }));
}

fn print_text(report: &RefreshReport) {
    for (r, canonical) in &report.files {
        let state = match (canonical, report.check) {
            (true, _) => ui::paint("canonical", ui::Color::Green),
            (false, true) => ui::paint("not canonical", ui::Color::Red),
            (false, false) => ui::paint("rewritten", ui::Color::Yellow),
        };
        println!("{}: {state} (built on {})", r.file.display(), r.release);
    }
    for f in &report.skipped {
        println!(
            "{}: skipped (a plain diff, not a mail: it has no canonical form)",
            f.display()
        );
    }
}
