//! `longhaul notes RELEASE`: release notes, Markdown or JSON.

use crate::context::Context;
use crate::ui;
use std::process::ExitCode;

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
