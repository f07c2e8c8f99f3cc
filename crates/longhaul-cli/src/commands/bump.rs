//! `longhaul bump LINE...`: add the next `-lts.N` release of each line.

use crate::context::Context;
use crate::ui;
use longhaul::maintain::bump::{BumpRequest, bump};
use std::process::ExitCode;

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
