//! `longhaul advisories import|list`.

use crate::AdvisoriesAction;
use crate::context::Context;
use crate::ui;
use longhaul::release::manifest::Manifest;
use longhaul::security::advisory::store::{self, Change};
use std::path::Path;
use std::process::ExitCode;

/// Manage the advisories (the Kubernetes CVE feed) stored in the LTS repository.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: crate::AdvisoriesAction,
}

pub fn run(ctx: &Context, json: bool, action: &AdvisoriesAction) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest().ok();
    let dir = ctx.advisories_dir(manifest.as_ref());
    match action {
        AdvisoriesAction::Import { sources } => import(ctx, json, sources, manifest.as_ref(), &dir),
        AdvisoriesAction::List => list(json, manifest.as_ref(), &dir),
    }
}

/// `advisories import`: Kubernetes records to the advisory folder, Go
/// vulndb records to their own folder, other ecosystems skipped and counted.
fn import(
    ctx: &Context,
    json: bool,
    sources: &[String],
    manifest: Option<&Manifest>,
    dir: &Path,
) -> anyhow::Result<ExitCode> {
    // The default folders are the repository's: no link on the way.
    let go_dir = ctx.go_vulndb_dir(manifest);
    if let Some(m) = manifest.filter(|m| dir.starts_with(m.dir()))
        && let Some(parent) = dir.parent()
    {
        longhaul::confine::create_dirs(m.dir(), parent)?;
    }
    for d in [dir, &go_dir] {
        refuse_links_inside(manifest, d)?;
    }
    let now = longhaul::time::reproducible_now()?;
    let imported =
        longhaul::deps::import::import(sources, dir, &go_dir, &longhaul::download::get, Some(now))?;
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
    print_imported(&imported, dir, &go_dir);
    if imported.kubernetes.is_some() {
        print_feed(dir, manifest, now)?;
    }
    if !imported.go.is_empty() {
        let db = ctx.go_vulndb(manifest)?;
        super::deps::print_freshness(&longhaul::deps::report::Freshness::of(&db, manifest, now));
    }
    Ok(ExitCode::SUCCESS)
}

/// What an import stored and skipped, as text.
fn print_imported(imported: &longhaul::deps::import::Imported, dir: &Path, go_dir: &Path) {
    if let Some(report) = &imported.kubernetes {
        print_kubernetes(report, dir);
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
    let skipped: usize = imported.skipped.values().map(Vec::len).sum();
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

/// `advisories list`: the stored advisories as a table, and the feed's age.
fn list(json: bool, manifest: Option<&Manifest>, dir: &Path) -> anyhow::Result<ExitCode> {
    let all = store::load(dir)?;
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
            shorten(a.summary.as_deref().unwrap_or("").trim(), 60),
        ]);
    }
    println!("{t}");
    println!("{} advisories in {}", all.len(), dir.display());
    print_feed(dir, manifest, longhaul::time::reproducible_now()?)?;
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

/// A folder of the repository that an import replaces: it must resolve
/// inside the repository (no link on the way leads out) and must not be a
/// link itself. Nothing is created here: a failed import leaves no folder.
fn refuse_links_inside(
    manifest: Option<&longhaul::release::manifest::Manifest>,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let Some(m) = manifest.filter(|m| dir.starts_with(m.dir())) else {
        return Ok(());
    };
    if std::fs::symlink_metadata(dir).is_ok_and(|x| x.file_type().is_symlink()) {
        anyhow::bail!(
            "{}: a symbolic link; refusing to replace what it points to (pass --advisories DIR or --go-vulndb DIR)",
            dir.display()
        );
    }
    longhaul::confine::resolve_inside(m.dir(), dir)?;
    Ok(())
}

/// The age of the advisories in `dir` (all of them), and the warning when stale.
fn print_feed(
    dir: &std::path::Path,
    manifest: Option<&longhaul::release::manifest::Manifest>,
    now: i64,
) -> anyhow::Result<()> {
    let all = store::load(dir)?;
    let max = manifest
        .and_then(|m| m.feed_max_age_days)
        .unwrap_or(longhaul::security::freshness::DEFAULT_MAX_AGE_DAYS);
    let feed = longhaul::security::freshness::FeedAge::new(
        all.iter().map(|a| (a.id.as_str(), a.modified.as_str())),
        longhaul::security::freshness::read_import_record(dir),
        now,
        max,
    );
    println!("feed: {}", feed.summary());
    if let Some(w) = feed.warning() {
        println!("{} {w}", ui::paint("warning:", ui::Color::Yellow));
    }
    Ok(())
}

/// `text` cut to at most `max` characters at a word boundary, with `…`
/// when anything was cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([' ', ',', ';', ':', '.']))
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn summaries_are_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(shorten("short", 60), "short");
        assert_eq!(
            shorten("Node denial of service via kubelet Checkpoint API", 30),
            "Node denial of service via…"
        );
        assert_eq!(shorten("abcdefghijklmnopqrstuvwxyz", 10), "abcdefghi…");
        assert!(shorten(&"é".repeat(100), 60).chars().count() <= 60);
    }
}
