//! `longhaul ci github`: write (or check) the GitHub Actions workflow.

use crate::context::Context;
use crate::ui;
use longhaul::checks::github_workflow::{WorkflowInput, WorkflowRelease, workflow};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn github(
    ctx: &Context,
    json: bool,
    out: Option<&Path>,
    check: bool,
    install: &str,
    branch: &str,
) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let Some(url) = manifest.base.clone().filter(|b| b.contains("://")) else {
        anyhow::bail!(
            "{}: the workflow clones upstream from `base:`, which must be a repository URL (such as https://github.com/kubernetes/kubernetes)",
            manifest.path.display()
        );
    };
    let manifest_dir = manifest.dir().canonicalize()?;
    let root: PathBuf = longhaul::gix::discover(&manifest_dir)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .and_then(|w| w.canonicalize().ok())
        .unwrap_or_else(|| manifest_dir.clone());
    let dir = match manifest_dir.strip_prefix(&root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => ".".to_string(),
    };
    // The Go version each maintained release builds with, read from its tree.
    let repo = ctx.upstream(Some(&manifest))?;
    let memory = longhaul::repo::in_memory(&repo);
    let loader = ctx.loader(Some(&manifest));
    let mut releases = Vec::new();
    let mut warnings = Vec::new();
    for r in manifest.must_releases() {
        let tip = longhaul::port::backport::release_tip(&memory, &manifest, &r.name, &loader)?;
        let tree = longhaul::repo::tree_of(&memory, tip)?;
        let go = match longhaul::checks::toolchain::needed(&memory, tree)? {
            Some(n) => n.version,
            None => {
                warnings.push(format!(
                    "{}: no Go version in its tree; the workflow uses Go `stable`",
                    r.name
                ));
                "stable".to_string()
            }
        };
        releases.push(WorkflowRelease {
            release: r.name.clone(),
            go,
        });
    }
    let text = workflow(&WorkflowInput {
        dir,
        upstream_url: url,
        install: install.to_string(),
        branch: branch.to_string(),
        releases,
    });
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(".github/workflows/longhaul.yml"));
    let current = std::fs::read(&path).ok();
    let same = current.as_deref() == Some(text.as_bytes());
    if !check && !same {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        longhaul::fs::write_atomic(&path, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    if json {
        ui::print_json(&serde_json::json!({
            "path": path.display().to_string(),
            "up_to_date": same,
            "written": !check && !same,
            "warnings": warnings,
        }));
    } else {
        for w in &warnings {
            println!("{} {w}", ui::paint("!", ui::Color::Yellow));
        }
        match (check, same) {
            (_, true) => println!("{} is up to date", path.display()),
            (true, false) if current.is_none() => println!(
                "{} does not exist (run `longhaul ci github`)",
                path.display()
            ),
            (true, false) => println!(
                "{} differs from what `longhaul ci github` writes (run it again)",
                path.display()
            ),
            (false, false) => println!("wrote {}", path.display()),
        }
    }
    Ok(if check && !same {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
