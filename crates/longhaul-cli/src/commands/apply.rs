//! `longhaul apply --onto REV FILE...`: patch any commit in memory.

use crate::context::Context;
use crate::ui;
use longhaul::apply::tree::{ApplyOptions, Failure, PatchedTree, Status};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Apply patch files onto any commit in memory; print the resulting tree id.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The commit or tag to start from.
    #[arg(long, value_name = "REV")]
    pub onto: String,
    /// Patch files, applied in order.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub apply: crate::ApplyArgs,
}

#[derive(Serialize)]
struct FileReport {
    name: String,
    files: Vec<String>,
    status: Status,
    failures: Vec<Failure>,
}

pub fn run(
    ctx: &Context,
    json: bool,
    onto: &str,
    files: &[PathBuf],
    options: ApplyOptions,
) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest().ok();
    let repo = ctx.upstream(manifest.as_ref())?;
    let parsed = files
        .iter()
        .map(|path| read_patch(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let local = longhaul::repo::in_memory(&repo);
    let commit = longhaul::repo::resolve_commit(&local, onto)?;
    let mut tree = PatchedTree::new(&local, longhaul::repo::tree_of(&local, commit)?);
    let mut reports = Vec::new();
    for (path, patch) in files.iter().zip(&parsed) {
        reports.push(apply_file(&mut tree, path, patch, options)?);
    }
    let ok = reports.iter().all(|r| r.status < Status::Unverifiable);
    let tree_id = ok
        .then(|| tree.write_tree())
        .transpose()?
        .map(|t| t.to_string());
    if json {
        ui::print_json(
            &serde_json::json!({ "ok": ok, "onto": onto, "tree": tree_id, "patches": reports }),
        );
    } else {
        print_text(&reports, tree_id.as_deref());
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A patch file, parsed; errors name the file (and the line).
fn read_patch(path: &Path) -> anyhow::Result<longhaul::patch::PatchFile> {
    let bytes = longhaul::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    longhaul::patch::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.line, e.message))
}

/// Apply every commit of one patch file onto `tree`; its worst status.
fn apply_file(
    tree: &mut PatchedTree,
    path: &Path,
    patch: &longhaul::patch::PatchFile,
    options: ApplyOptions,
) -> anyhow::Result<FileReport> {
    let mut report = FileReport {
        name: path.display().to_string(),
        files: Vec::new(),
        status: Status::Clean,
        failures: Vec::new(),
    };
    for c in &patch.commits {
        let outcome = tree.apply_commit(c, options)?;
        report.status = report.status.max(outcome.status);
        report.files.extend(outcome.files);
        report.failures.extend(outcome.failures);
    }
    Ok(report)
}

/// Each file's status and failures on stderr; the tree id on stdout.
fn print_text(reports: &[FileReport], tree_id: Option<&str>) {
    for r in reports {
        eprintln!("{} {}", ui::status_cell(r.status), r.name);
        for f in &r.failures {
            eprintln!("  {}: {}", f.file, f.reason);
        }
    }
    if let Some(t) = tree_id {
        println!("{t}");
    }
}
