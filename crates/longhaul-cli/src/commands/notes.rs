//! `longhaul notes RELEASE`: release notes, Markdown or JSON.

use crate::context::Context;
use crate::ui;
use std::process::ExitCode;

pub fn run(
    ctx: &Context,
    json: bool,
    release: &str,
    since: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let now = longhaul::time::reproducible_now()?;
    let publication = ctx.publication(now)?;
    if let Some(why) = publication.withheld_release(release) {
        anyhow::bail!("{why}; notes are published output");
    }
    let loader = ctx.offline_loader(&publication.manifest);
    let notes = longhaul::publish::notes::notes(&publication, release, since, &loader)?;
    if json {
        ui::print_json(&notes);
    } else {
        print!("{}", longhaul::publish::notes::to_markdown(&notes));
    }
    Ok(ExitCode::SUCCESS)
}
