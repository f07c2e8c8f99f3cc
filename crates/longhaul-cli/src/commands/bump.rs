//! `longhaul bump LINE...`: add the next `-lts.N` release of each line.

use crate::context::Context;
use crate::ui;
use longhaul::maintain::bump::{BumpRequest, bump};
use std::process::ExitCode;

/// Add the next `-lts.N` release entry for each given line (`1.28` or a
/// release name), stacked on the line's newest release.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Lines or releases.
    #[arg(value_name = "LINE", required = true)]
    pub lines: Vec<String>,
}

pub fn run(ctx: &Context, json: bool, lines: &[String]) -> anyhow::Result<ExitCode> {
    let report = bump(ctx, &BumpRequest { lines })?;
    if json {
        ui::print_json(&serde_json::json!({
            "added": report.added,
            "manifest_diff": report.manifest_diff,
        }));
    } else {
        print!("{}", report.manifest_diff);
    }
    Ok(ExitCode::SUCCESS)
}
