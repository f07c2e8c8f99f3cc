//! `longhaul refresh [PATCH...] [--check]`: canonical patch files.

use crate::context::Context;
use crate::ui;
use std::process::ExitCode;

pub fn run(
    ctx: &Context,
    json: bool,
    files: &[std::path::PathBuf],
    check: bool,
) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let explicit = !files.is_empty();
    let files = if explicit {
        files.to_vec()
    } else {
        longhaul::release::refresh::used_files(&manifest)?
    };
    let repo = ctx.upstream(Some(&manifest))?;
    let memory = longhaul::repo::in_memory(&repo);
    let loader = ctx.loader(Some(&manifest));
    // Every file is computed before any is written: bad input changes nothing.
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        let current = longhaul::fs::read_bytes(f)?;
        // Plain diffs (quilt, DEP-3) have no author or message to write a mail
        // from: named explicitly they are an error, otherwise they are listed.
        if !explicit
            && longhaul::patch::parse(&current)
                .is_ok_and(|p| p.commits.iter().any(|c| c.meta.is_none()))
        {
            skipped.push(f.display().to_string());
            continue;
        }
        let r = longhaul::release::refresh::refresh(&memory, &manifest, &loader, f)?;
        let canonical = current == r.canonical;
        results.push((r, canonical));
    }
    let mut rewritten = Vec::new();
    if !check {
        for (r, canonical) in &results {
            if !canonical {
                // Files named on the command line are the user's choice; the
                // manifest's own never get written through a symbolic link.
                if explicit {
                    longhaul::fs::write_atomic(&r.file, &r.canonical).map_err(|e| e.to_string())
                } else {
                    longhaul::confine::write_atomic(manifest.dir(), &r.file, &r.canonical)
                        .map_err(|e| e.to_string())
                }
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", r.file.display()))?;
                rewritten.push(r.file.display().to_string());
            }
        }
    }
    let stale: Vec<String> = results
        .iter()
        .filter(|(_, c)| !c)
        .map(|(r, _)| r.file.display().to_string())
        .collect();
    if json {
        ui::print_json(&serde_json::json!({
            "files": results.iter().map(|(r, c)| serde_json::json!({
                "file": r.file.display().to_string(),
                "release": r.release,
                "canonical": c,
            })).collect::<Vec<_>>(),
            "rewritten": rewritten,
            "skipped_plain_diffs": skipped,
        }));
    } else {
        for (r, canonical) in &results {
            let state = match (canonical, check) {
                (true, _) => ui::paint("canonical", ui::Color::Green),
                (false, true) => ui::paint("not canonical", ui::Color::Red),
                (false, false) => ui::paint("rewritten", ui::Color::Yellow),
            };
            println!("{}: {state} (built on {})", r.file.display(), r.release);
        }
        for f in &skipped {
            println!("{f}: skipped (a plain diff, not a mail: it has no canonical form)");
        }
    }
    Ok(if check && !stale.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
