//! `longhaul osv --out DIR`: OSV records of the LTS versions' status.

use crate::context::Context;
use crate::ui;
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    ctx: &Context,
    json: bool,
    out: &Path,
    timestamp: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (manifest, advisories, coverage) = ctx.coverage(&[])?;
    let records = longhaul::osv_export::records(
        &coverage,
        &advisories,
        manifest.product.as_deref(),
        &Context::timestamp(timestamp),
    );
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    let mut written = Vec::new();
    for r in &records {
        let path = out.join(format!("{}.json", r.id));
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, longhaul::advisory::store::render(r))
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        written.push(path);
    }
    if json {
        ui::print_json(&serde_json::json!({ "ok": true, "records": written }));
    } else {
        println!("wrote {} OSV records to {}", written.len(), out.display());
    }
    Ok(ExitCode::SUCCESS)
}
