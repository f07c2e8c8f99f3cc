//! `longhaul lifecycle`: one row per release line, upstream and LTS support.

use crate::context::Context;
use crate::ui;
use longhaul::lifecycle::dates::Dates;
use longhaul::lifecycle::support::{self, Lifecycle, Phase};
use std::process::ExitCode;

/// One row per release line: upstream release and end of life, last
/// upstream patch, LTS end of life, newest LTS release, whether it is
/// maintained, and its Go with that Go's end of support; contradictions
/// are flagged. Dates are built in (with sources) and overridable with
/// the manifest's `lifecycle:`.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let lifecycle = compute(ctx)?;
    if json {
        ui::print_json(&lifecycle);
    } else {
        print_human(&lifecycle);
    }
    Ok(ExitCode::SUCCESS)
}

/// The table for the manifest `ctx` finds, on today (`SOURCE_DATE_EPOCH` pins it).
pub fn compute(ctx: &Context) -> anyhow::Result<Lifecycle> {
    // The lifecycle is published (the site shows it): it goes through the
    // published view, so a release withheld by an embargo is not named.
    let now = longhaul::time::reproducible_now()?;
    let manifest = ctx.publication(now)?.manifest;
    let dates = Dates::for_manifest(&manifest)?;
    let today = longhaul::time::Date::from_seconds(now);
    // Reading a release's Go needs its tree; without the upstream repository
    // the column says why it is empty instead of failing the table.
    let repo = ctx.upstream(Some(&manifest)).map_err(|e| {
        format!(
            "the release trees need the upstream repository: {}",
            ui::error_text(&e)
        )
    });
    let handle = repo.as_ref().map(longhaul::repo::in_memory);
    let loader = ctx.loader(Some(&manifest));
    let go = support::read_go(handle.as_ref().map_err(|e| e.as_str()), &manifest, &loader);
    Ok(support::lifecycle(&manifest, &dates, &go, today))
}

fn print_human(l: &Lifecycle) {
    print_table(l);
    print_warnings(l);
    println!(
        "{} lines on {}; LTS ends {} years after upstream end of life unless the manifest says otherwise; upstream dates as of {} (`+`: newest known patch, not final).",
        l.rows.len(),
        l.today,
        l.lts_years,
        l.data_as_of
    );
}

fn print_table(l: &Lifecycle) {
    let mut t = ui::table(&[
        "LINE",
        "RELEASED",
        "UPSTREAM EOL",
        "LAST PATCH",
        "LTS EOL",
        "NEWEST LTS",
        "MAINTAINED",
        "GO",
        "GO EOL",
    ]);
    let date =
        |d: Option<longhaul::time::Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
    for r in &l.rows {
        let lts = date(r.lts_end_of_life);
        t.add_row(vec![
            r.line.to_string(),
            date(r.released),
            date(r.upstream_end_of_life),
            match (&r.last_patch, r.last_patch_final) {
                (Some(p), true) => p.clone(),
                (Some(p), false) => format!("{p}+"),
                (None, _) => "-".into(),
            },
            match r.phase {
                Phase::Ended => ui::paint(&format!("{lts} (ended)"), ui::Color::Dim),
                _ => lts,
            },
            r.newest_release
                .clone()
                .unwrap_or_else(|| ui::paint("none", ui::Color::Dim)),
            if r.maintained {
                "yes".into()
            } else {
                "no".into()
            },
            r.go.as_ref()
                .map(|g| g.version.clone())
                .unwrap_or_else(|| "?".into()),
            date(r.go_end_of_support),
        ]);
    }
    println!("{t}");
}

/// The flags of every line, and the lines whose Go is unknown (on standard
/// error).
fn print_warnings(l: &Lifecycle) {
    let flagged: Vec<_> = l
        .rows
        .iter()
        .flat_map(|r| r.flags.iter().map(move |f| (r.line, f)))
        .collect();
    // Warnings go to standard error, apart from the table (which stays a table
    // when piped).
    for (line, f) in &flagged {
        eprintln!(
            "{} {line}: {} [{}]",
            ui::paint_stderr("warning:", ui::Color::Yellow),
            f.message,
            f.code
        );
    }
    let unknown_go: Vec<String> = l
        .rows
        .iter()
        .filter_map(|r| {
            r.go_unknown
                .as_ref()
                .map(|why| format!("{}: {why}", r.line))
        })
        .collect();
    if let Some(first) = unknown_go.first() {
        eprintln!(
            "{} Go unknown for {} line{} ({first}{})",
            ui::paint_stderr("note:", ui::Color::Yellow),
            unknown_go.len(),
            if unknown_go.len() == 1 { "" } else { "s" },
            if unknown_go.len() > 1 { "; …" } else { "" }
        );
    }
}
