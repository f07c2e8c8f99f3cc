//! `longhaul osv --out DIR`: OSV records of the LTS versions' status.

use crate::context::Context;
use crate::ui;
use std::path::Path;
use std::process::ExitCode;

/// Write OSV records that tell scanners which LTS versions are still affected.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output folder (one file per CVE).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// `modified` time, RFC 3339 (default: SOURCE_DATE_EPOCH or now).
    #[arg(long)]
    pub timestamp: Option<String>,
}

pub fn run(
    ctx: &Context,
    json: bool,
    out: &Path,
    timestamp: Option<&str>,
) -> anyhow::Result<ExitCode> {
    // Published output: embargoed patches, releases and CVEs stay out.
    let (publication, coverage) = ctx.published_coverage(None)?;
    let records = longhaul::security::osv_export::records(
        &coverage,
        &publication.advisories,
        publication.manifest.product.as_deref(),
        &Context::timestamp(timestamp)?,
    );
    let written = longhaul::security::osv_export::write_records(out, &records)?;
    if json {
        ui::print_json(&serde_json::json!({ "ok": true, "records": written }));
    } else {
        println!("wrote {} OSV records to {}", written.len(), out.display());
    }
    Ok(ExitCode::SUCCESS)
}
