//! `longhaul bump LINE...`: add the next `-lts.N` release of each line.

use crate::context::Context;
use crate::ui;
use anyhow::bail;
use longhaul::release::edit::{Edits, NewRelease, unified_diff};
use longhaul::release::manifest::Manifest;
use std::process::ExitCode;

pub fn run(ctx: &Context, json: bool, lines: &[String]) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let text = longhaul::fs::read_text(&manifest.path)?;
    let mut edits = Edits::new(&text, &manifest.path);
    let mut added = Vec::new();
    for line in lines {
        let newest = newest_of(&manifest, line)?;
        let name = next_name(&newest).ok_or_else(|| {
            anyhow::anyhow!("release `{newest}` does not end in `-lts.N`; cannot name the next one")
        })?;
        if manifest.releases.iter().any(|r| r.name == name) || added.contains(&name) {
            bail!(
                "{}: release `{name}` already exists",
                manifest.path.display()
            );
        }
        edits.add_release(
            NewRelease {
                name: name.clone(),
                base_release: newest.clone(),
                must: true,
                patches: Vec::new(),
            },
            &newest,
        )?;
        added.push(name);
    }
    let new_text = edits.finish(&manifest)?;
    longhaul::release::edit::write_manifest(&manifest, &new_text)?;
    let name = manifest
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let diff = unified_diff(&text, &new_text, &name);
    if json {
        ui::print_json(&serde_json::json!({ "added": added, "manifest_diff": diff }));
    } else {
        print!("{diff}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The newest release of `line` (`1.28`, or a release name given as is): the
/// first listed shipped release of that line.
pub(crate) fn newest_of(manifest: &Manifest, line: &str) -> anyhow::Result<String> {
    if manifest.releases.iter().any(|r| r.name == line) {
        return Ok(line.to_string());
    }
    let wanted = longhaul::release::line::Minor::parse_line(line);
    longhaul::release::line::lines(manifest)
        .into_iter()
        .find(|l| Some(l.minor) == wanted)
        .map(|l| l.newest().name.clone())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no shipped release of line `{}` (expected a line such as 1.28 or a release name)",
                manifest.path.display(),
                line.trim_start_matches('v')
            )
        })
}

/// `v1.28.15-lts.2` → `v1.28.15-lts.3`.
fn next_name(name: &str) -> Option<String> {
    let (stem, n) = name.rsplit_once("-lts.")?;
    let n: u32 = n.parse().ok()?;
    Some(format!("{stem}-lts.{}", n + 1))
}
