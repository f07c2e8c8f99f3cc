//! `longhaul coverage`: the CVE x release matrix.

use crate::context::Context;
use crate::ui;
use longhaul::security::coverage::{Cell, Coverage, Source, Status};
use std::process::ExitCode;

pub fn run(
    ctx: &Context,
    json: bool,
    markdown: bool,
    releases: &[String],
    all: bool,
    deps: Option<&crate::GorootArgs>,
) -> anyhow::Result<ExitCode> {
    let every: Vec<String>;
    let releases = if all {
        every = ctx
            .manifest()?
            .releases
            .iter()
            .map(|r| r.name.clone())
            .collect();
        &every
    } else {
        releases
    };
    let (manifest, _, coverage) = ctx.coverage(releases)?;
    let deps = match deps {
        Some(go) => Some(super::deps::coverage_rows(
            ctx,
            &manifest,
            &coverage.releases,
            go,
        )?),
        None => None,
    };
    if json {
        let mut value = serde_json::to_value(&coverage)?;
        if let (Some((rows, freshness)), Some(map)) = (&deps, value.as_object_mut()) {
            map.insert(
                "deps".into(),
                serde_json::json!({ "freshness": freshness, "rows": rows }),
            );
        }
        ui::print_json(&value);
    } else if markdown {
        print!("{}", to_markdown(&coverage));
        if let Some((rows, freshness)) = &deps {
            println!("\n### Dependencies ({})\n", freshness.description);
            print!(
                "{}",
                longhaul::deps::matrix::to_markdown(rows, &coverage.releases)
            );
            if let Some(w) = &freshness.warning {
                println!("\n**Warning:** {w}");
            }
        }
    } else {
        print_human(&coverage);
        if let Some((rows, freshness)) = &deps {
            super::deps::print_rows(rows);
            super::deps::print_freshness(freshness);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cells<'a>(c: &'a Coverage, cve: &'a str) -> impl Iterator<Item = &'a Cell> {
    c.cells.iter().filter(move |x| x.cve == cve)
}

fn print_human(c: &Coverage) {
    let mut t = ui::table(&[
        "CVE",
        "CVSS",
        "FIXED BY PATCH",
        "STATEMENT",
        "EXPOSED (NO FIX)",
        "NOT ASSESSED",
        "FIXED UPSTREAM",
    ]);
    for row in c.cves.iter().filter(|r| r.in_scope) {
        let of = |pred: &dyn Fn(&Cell) -> bool| {
            cells(c, &row.id).filter(|x| pred(x)).collect::<Vec<_>>()
        };
        let patched = of(&|x| x.source == Source::Patch);
        let stated = of(&|x| x.source == Source::Statement);
        let exposed = of(&|x| x.status == Status::Affected && x.source == Source::None);
        let fixed_up = of(&|x| x.source == Source::Upstream && x.status == Status::Fixed).len();
        let not_assessed = of(&|x| x.status == Status::NotAssessed).len();
        let names = |v: &[&Cell], with_patch: bool| {
            v.iter()
                .map(|x| match (&x.patch, with_patch) {
                    (Some(p), true) => format!(
                        "{} ({p}{})",
                        x.release,
                        if x.inferred { ", inferred" } else { "" }
                    ),
                    _ => x.release.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        t.add_row(vec![
            row.id.clone(),
            row.cvss
                .as_ref()
                .map(|s| format!("{:.1} {}", s.score, s.severity))
                .unwrap_or_default(),
            ui::paint(&names(&patched, true), ui::Color::Green),
            stated
                .iter()
                .map(|x| format!("{}: {}", x.release, x.status.as_str()))
                .collect::<Vec<_>>()
                .join("\n"),
            ui::paint(&names(&exposed, false), ui::Color::Red),
            match not_assessed {
                0 => String::new(),
                n => ui::paint(&format!("{n} release(s)"), ui::Color::Yellow),
            },
            fixed_up.to_string(),
        ]);
    }
    println!("{t}");
    let out_of_scope = c.out_of_scope();
    let exposed = c
        .cells
        .iter()
        .filter(|x| x.status == Status::Affected && x.source == Source::None)
        .count();
    let scope_note = match out_of_scope.len() {
        0 => String::new(),
        n => format!(
            "; {n} advisories out of scope ({})",
            out_of_scope.join(", ")
        ),
    };
    let not_assessed = c
        .cells
        .iter()
        .filter(|x| x.status == Status::NotAssessed)
        .count();
    println!(
        "{} CVEs x {} releases: {exposed} exposed pairs without a fix or statement, {not_assessed} not assessed (`longhaul statements suggest` drafts statements for them){scope_note}",
        c.cves.len() - out_of_scope.len(),
        c.releases.len(),
    );
}

/// A Markdown matrix with a legend, for status pages and pull requests.
pub fn to_markdown(c: &Coverage) -> String {
    let mut s = String::from("| CVE | CVSS |");
    for r in &c.releases {
        s.push_str(&format!(" {r} |"));
    }
    s.push_str("\n|---|---|");
    s.push_str(&"---|".repeat(c.releases.len()));
    s.push('\n');
    for row in c.cves.iter().filter(|r| r.in_scope) {
        s.push_str(&format!(
            "| {} | {} |",
            row.id,
            row.cvss
                .as_ref()
                .map(|x| format!("{:.1}", x.score))
                .unwrap_or_default()
        ));
        for r in &c.releases {
            let mark = match c.cell(&row.id, r) {
                Some(x) => match (x.source, x.status) {
                    (Source::Patch, _) if x.inferred => "patch*".to_string(),
                    (Source::Patch, _) => "patch".to_string(),
                    (Source::Upstream, Status::Fixed) => "upstream".to_string(),
                    (_, Status::NotAssessed) => "not assessed".to_string(),
                    (Source::Statement, st) => format!("VEX: {}", st.as_str()),
                    (_, _) => "**AFFECTED**".to_string(),
                },
                None => String::new(),
            };
            s.push_str(&format!(" {mark} |"));
        }
        s.push('\n');
    }
    s.push_str("\n`patch`: fixed by an LTS patch (`*`: linked by name or commit message, not `cves:`); `upstream`: the upstream version already has the fix; `not assessed`: no published range, patch or statement covers the release (possibly affected); `VEX`: maintainers' statement; **AFFECTED**: no fix. `not_affected` only ever comes from a maintainers' statement.\n");
    let out = c.out_of_scope();
    if !out.is_empty() {
        s.push_str(&format!(
            "\nOut of scope (packages this distribution does not ship): {}.\n",
            out.join(", ")
        ));
    }
    s
}
