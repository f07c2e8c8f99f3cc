//! `longhaul vex RELEASE`: an OpenVEX 0.2.0 document.

use crate::context::Context;
use std::path::Path;
use std::process::ExitCode;

/// Write an OpenVEX 0.2.0 document for a release.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The release.
    pub release: String,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Document timestamp, RFC 3339 (default: SOURCE_DATE_EPOCH or now).
    #[arg(long)]
    pub timestamp: Option<String>,
    /// Document author (default: "longhaul").
    #[arg(long)]
    pub author: Option<String>,
    /// Also name each dependency itself as a product of its
    /// `not_affected` statements, as Trivy and Grype need to match a Go
    /// binary's findings: only for scans of this release's binaries alone
    /// (another program in the same image may embed the same version).
    #[arg(long)]
    pub package_products: bool,
    #[command(flatten)]
    pub go: crate::GorootArgs,
}

pub fn run(
    ctx: &Context,
    release: &str,
    out: Option<&Path>,
    timestamp: Option<&str>,
    author: Option<&str>,
    (package_products, go): (bool, &crate::GorootArgs),
) -> anyhow::Result<ExitCode> {
    // Published output: embargoed patches, releases and CVEs stay out.
    let (publication, coverage) = ctx.published_coverage(Some(release))?;
    let manifest = &publication.manifest;
    let author = author
        .map(String::from)
        .unwrap_or_else(|| "longhaul".into());
    let mut doc = longhaul::security::openvex::document(
        &coverage,
        release,
        manifest.product.as_deref(),
        &author,
        &Context::timestamp(timestamp)?,
    );
    // Dependency findings, when the Go vulnerability database is imported.
    if let Some(deps) = super::deps::published_release(ctx, &publication, release, go)? {
        let products = longhaul::security::openvex::products(manifest.product.as_deref(), release);
        doc.extend(
            release,
            longhaul::deps::vex::statements(&deps, &products, package_products),
        );
    }
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    match out {
        Some(path) => {
            longhaul::fs::write_atomic(path, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            eprintln!(
                "wrote {} ({} statements)",
                path.display(),
                doc.statements.len()
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
