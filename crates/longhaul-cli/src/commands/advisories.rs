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
            // Kubernetes records to the advisory folder, Go vulndb records to
            // their own folder, other ecosystems skipped and counted.
            let go_dir = ctx.go_vulndb_dir(manifest.as_ref());
            let imported =
                longhaul::deps::import::import(sources, &dir, &go_dir, &longhaul::download::get)?;
            let skipped: usize = imported.skipped.values().map(Vec::len).sum();
            if json {
                let k8s = imported.kubernetes.as_ref();
                ui::print_json(&serde_json::json!({
                    "ok": true,
                    "dir": dir,
                    "advisories": k8s.map(|r| &r.advisories),
                    "notes": k8s.map(|r| &r.notes),
                    "go_vulndb": {"dir": go_dir, "imported": imported.go.len(), "stored": imported.go_stored, "withdrawn": imported.go_withdrawn},
                    "skipped": imported.skipped,
                }));
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(report) = &imported.kubernetes {
                print_kubernetes(report, &dir);
            }
            if !imported.go.is_empty() {
                println!(
                    "{} Go vulnerability database records imported into {} ({} stored, {} withdrawn)",
                    imported.go.len(),
                    go_dir.display(),
                    imported.go_stored,
                    imported.go_withdrawn
                );
            }
            if skipped > 0 {
                println!(
                    "{} {skipped} record(s) skipped: ecosystem {}",
                    ui::paint("note", ui::Color::Yellow),
                    imported
                        .skipped
                        .iter()
                        .map(|(e, f)| format!("{e} ({})", f.len()))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
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

fn print_kubernetes(
    report: &longhaul::security::advisory::import::ImportReport,
    dir: &std::path::Path,
) {
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
