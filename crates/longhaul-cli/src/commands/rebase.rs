//! `longhaul rebase LINE --onto TAG`: a line's patch chain on a newer tag.

use crate::context::Context;
use crate::ui;
use longhaul::maintain::rebase::{Fate, rebase};
use std::process::ExitCode;

pub fn run(ctx: &Context, json: bool, line: &str, onto: &str) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let release = super::bump::newest_of(&manifest, line)?;
    let repo = ctx.upstream(Some(&manifest))?;
    let memory = longhaul::repo::in_memory(&repo);
    let loader = ctx.loader(Some(&manifest));
    let (results, tree) = rebase(&memory, &manifest, &release, onto, &loader)?;
    let ok = results.iter().all(|r| r.fate != Fate::Conflict);
    if json {
        ui::print_json(&serde_json::json!({
            "ok": ok,
            "release": release,
            "onto": onto,
            "patches": results,
            "tree": tree.to_string(),
        }));
    } else {
        println!("{release} on {onto}:");
        let mut t = ui::table(&["PATCH", "RESULT", "HOW"]);
        for r in &results {
            let fate = match r.fate {
                Fate::AlreadyUpstream => ui::paint("already upstream: drop", ui::Color::Yellow),
                Fate::Ported => ui::paint("ported", ui::Color::Green),
                Fate::Conflict => ui::paint("conflict", ui::Color::Red),
            };
            let how = match r.fate {
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
            };
            t.add_row(vec![r.patch.clone(), fate, how]);
        }
        println!("{t}");
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
