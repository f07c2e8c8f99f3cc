//! `longhaul advisories import|list`.

use crate::AdvisoriesAction;
use crate::context::Context;
use crate::ui;
use longhaul::security::advisory::store::{self, Change};
use std::process::ExitCode;

pub fn run(ctx: &Context, json: bool, action: &AdvisoriesAction) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest().ok();
    let dir = ctx.advisories_dir(manifest.as_ref());
    match action {
        AdvisoriesAction::Import { sources } => {
            // The default folder is the repository's: no link on the way.
            if let Some(m) = &manifest
                && dir.starts_with(m.dir())
            {
                if let Some(parent) = dir.parent() {
                    longhaul::confine::create_dirs(m.dir(), parent)?;
                }
                if std::fs::symlink_metadata(&dir).is_ok_and(|x| x.file_type().is_symlink()) {
                    anyhow::bail!(
                        "{}: a symbolic link; refusing to replace what it points to (pass --advisories DIR)",
                        dir.display()
                    );
                }
            }
            let report = longhaul::security::advisory::import::import(
                sources,
                &dir,
                &longhaul::download::get,
            )?;
            if json {
                ui::print_json(
                    &serde_json::json!({ "ok": true, "dir": dir, "advisories": report.advisories, "notes": report.notes }),
                );
                return Ok(ExitCode::SUCCESS);
            }
            let count = |c: Change| report.advisories.iter().filter(|(_, x)| *x == c).count();
            for (id, notes) in &report.notes {
                for n in notes {
                    println!("{} {id}: {n}", ui::paint("note", ui::Color::Yellow));
                }
            }
            for (id, c) in report.advisories.iter().filter(|(_, c)| *c == Change::Kept) {
                println!(
                    "{} {id}: kept the stored OSV record over the native feed's ({c:?})",
                    ui::paint("note", ui::Color::Dim)
                );
            }
            println!(
                "{} advisories in {}: {} added, {} updated, {} unchanged, {} kept",
                report.advisories.len(),
                dir.display(),
                count(Change::Added),
                count(Change::Updated),
                count(Change::Unchanged),
                count(Change::Kept)
            );
        }
        AdvisoriesAction::List => {
            let all = store::load(&dir)?;
            if json {
                ui::print_json(&all);
                return Ok(ExitCode::SUCCESS);
            }
            let mut t = ui::table(&["ID", "PUBLISHED", "CVSS", "PACKAGES", "SUMMARY"]);
            for a in &all {
                t.add_row(vec![
                    a.id.clone(),
                    a.published
                        .as_deref()
                        .unwrap_or("")
                        .chars()
                        .take(10)
                        .collect(),
                    a.cvss()
                        .map(|c| format!("{:.1} {}", c.score, c.severity))
                        .unwrap_or_default(),
                    a.affected
                        .iter()
                        .map(|x| x.package.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    a.summary
                        .as_deref()
                        .unwrap_or("")
                        .trim()
                        .chars()
                        .take(60)
                        .collect(),
                ]);
            }
            println!("{t}");
            println!("{} advisories in {}", all.len(), dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
