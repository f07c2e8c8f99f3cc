//! `longhaul vex RELEASE`: an OpenVEX 0.2.0 document.

use crate::context::Context;
use std::path::Path;
use std::process::ExitCode;

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
