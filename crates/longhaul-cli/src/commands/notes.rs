//! `longhaul notes RELEASE`: release notes, Markdown or JSON.

use crate::context::Context;
use crate::ui;
use std::process::ExitCode;

/// Release notes for a release (Markdown; --json for the structure): its
/// base, every patch of its chain newest release first (commits, authors,
/// upstream references), the CVEs it fixes, what changed since the
/// previous release of its line, and the CVEs still open.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The release.
    pub release: String,
    /// Compare with this release instead of the previous one of the line.
    #[arg(long, value_name = "RELEASE")]
    pub since: Option<String>,
    #[command(flatten)]
    pub go: crate::GorootArgs,
}

pub fn run(
    ctx: &Context,
    json: bool,
    release: &str,
    since: Option<&str>,
    go: &crate::GorootArgs,
) -> anyhow::Result<ExitCode> {
    let now = longhaul::time::reproducible_now()?;
    let publication = ctx.publication(now)?;
    if let Some(why) = publication.withheld_release(release) {
        anyhow::bail!("{why}; notes are published output");
    }
    let loader = ctx.offline_loader(&publication.manifest);
    let notes = longhaul::publish::notes::notes(&publication, release, since, &loader)?;
    let deps =
        super::deps::published_notes(ctx, &publication, release, notes.since.as_deref(), go)?;
    if json {
        let mut value = serde_json::to_value(&notes)?;
        if let (Some(d), Some(map)) = (&deps, value.as_object_mut()) {
            map.insert("dependencies".into(), serde_json::to_value(d)?);
        }
        ui::print_json(&value);
    } else {
        print!("{}", longhaul::publish::notes::to_markdown(&notes));
        if let Some(d) = &deps {
            print!("{}", longhaul::deps::notes::to_markdown(d));
        }
    }
    Ok(ExitCode::SUCCESS)
}
