//! `longhaul lint`: manifest problems.

use crate::context::Context;
use crate::ui;
use longhaul::release::lint::{Finding, Severity};
use longhaul::release::manifest::Manifest;
use std::process::ExitCode;

/// Report manifest problems (exit 1 when any is an error).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also report what changed since REV (a pull request's base) that
    /// moves authority: `upstream:`, `base:`, `checks:`, tolerated lists.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
}

pub fn run(ctx: &Context, json: bool, since: Option<&str>) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let findings = findings(ctx, &manifest, since)?;
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if json {
        ui::print_json(&serde_json::json!({
            "ok": errors == 0,
            "manifest": manifest.path,
            "findings": findings,
        }));
    } else {
        print_text(&manifest, &findings, errors);
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Every finding: the manifest's own rules, then what the change since
/// `since` moves, the `checks:` map, embargoes and dependencies.
fn findings(
    ctx: &Context,
    manifest: &Manifest,
    since: Option<&str>,
) -> anyhow::Result<Vec<Finding>> {
    let loader = ctx.loader(Some(manifest));
    // The upstream repository is optional for lint: with it, base tags are checked too.
    let upstream = ctx.upstream_path(Some(manifest));
    let repo = upstream
        .as_ref()
        .ok()
        .and_then(|p| longhaul::repo::open(p).ok())
        .map(|r| r.to_thread_local());
    let mut findings = longhaul::release::lint::lint(manifest, Some(&loader), repo.as_ref());
    if let Err(e) = longhaul::release::upstream::from_manifest(manifest) {
        findings.push(Finding {
            severity: Severity::Error,
            code: "upstream-inside",
            line: manifest.upstream_line,
            message: e.to_string(),
        });
    }
    // What the change since the base moves: the upstream, the checks' commands.
    if let Some(rev) = since {
        let then =
            longhaul::checks::affected::Revision::open(&manifest.path, rev)?.manifest(manifest)?;
        findings.extend(longhaul::release::trust::findings_since(&then, manifest));
    }
    // The `checks:` map is read by `check`; a bad entry is a finding here too.
    if let Err(longhaul::Error::Manifest { line, message, .. }) =
        longhaul::checks::config::checks(manifest)
    {
        findings.push(Finding {
            severity: Severity::Error,
            code: "bad-check",
            line,
            message,
        });
    }
    // Embargoes: what is withheld now and what publication will add.
    findings.extend(longhaul::publish::embargo::findings(
        manifest,
        &loader,
        longhaul::time::reproducible_now()?,
    ));
    // Dependencies: `binaries:`, statements naming Go vulndb ids, and where
    // the Go vulndb and the Kubernetes feed disagree.
    findings.extend(super::deps::lint_findings(ctx, manifest));
    Ok(findings)
}

/// One line per finding (`file:line: severity[code]: message`) and the totals.
fn print_text(manifest: &Manifest, findings: &[Finding], errors: usize) {
    for f in findings {
        let sev = match f.severity {
            Severity::Error => ui::paint("error", ui::Color::Red),
            Severity::Warning => ui::paint("warning", ui::Color::Yellow),
        };
        println!(
            "{}:{}: {sev}[{}]: {}",
            manifest.path.display(),
            f.line,
            f.code,
            f.message
        );
    }
    println!(
        "{}, {} in {} ({}, {})",
        ui::count(errors, "error", "errors"),
        ui::count(findings.len() - errors, "warning", "warnings"),
        manifest.path.display(),
        ui::count(manifest.releases.len(), "release", "releases"),
        ui::count(manifest.patches.len(), "patch entry", "patch entries")
    );
}
