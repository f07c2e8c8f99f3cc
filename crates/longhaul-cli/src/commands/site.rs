//! `longhaul site --out DIR`: the static status site.

use crate::context::Context;
use crate::ui;
use std::path::Path;
use std::process::ExitCode;

/// Write the static status site (index of lines, a page per release and
/// CVE, the coverage matrix, JSON twins, OpenVEX, an Atom feed). Works
/// from any static host and from file://. Embargoed entries are left out.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output folder (replaced as a whole; refused if it holds other files).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// Page title (default: "NAME LTS status", NAME from the manifest's
    /// `product:` purl, else the LTS repository's folder).
    #[arg(long)]
    pub title: Option<String>,
    /// The URL the site is served from, for absolute links in the feed.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// Build the site into `out`; returns the number of files.
pub fn build(
    ctx: &Context,
    out: &Path,
    title: Option<&str>,
    base_url: Option<&str>,
) -> anyhow::Result<usize> {
    let now = longhaul::time::reproducible_now()?;
    let publication = ctx.publication(now)?;
    let manifest = &publication.manifest;
    let dates = longhaul::lifecycle::dates::Dates::for_manifest(manifest)?;
    // The site shows dates, not Go versions: no tree is read.
    let lifecycle = longhaul::lifecycle::support::lifecycle(
        manifest,
        &dates,
        &Default::default(),
        longhaul::time::Date::from_seconds(now),
    );
    let loader = ctx.offline_loader(manifest);
    let title = title
        .map(String::from)
        .unwrap_or_else(|| format!("{} LTS status", project_name(manifest)));
    let site = longhaul::publish::site::build(
        &publication,
        &lifecycle,
        &longhaul::publish::site::Options {
            title,
            base_url: base_url.map(String::from),
            dependencies: super::deps::site_dependencies(ctx, &publication)?,
        },
        &loader,
    )?;
    site.write(out)?;
    Ok(site.files.len())
}

/// What the site is about: the name in the manifest's `product:` purl
/// (`pkg:github/example/kubernetes-lts` → `kubernetes-lts`), else the name of
/// the folder holding the manifest (the LTS repository: `klts`).
fn project_name(manifest: &longhaul::release::manifest::Manifest) -> String {
    let purl_name = manifest.product.as_deref().and_then(|p| {
        let path = p.strip_prefix("pkg:")?.split(['@', '?', '#']).next()?;
        // type/namespace…/name: the name is the last of two or more segments.
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        (segments.len() >= 2).then(|| segments[segments.len() - 1])
    });
    if let Some(name) = purl_name {
        return name.to_string();
    }
    std::path::absolute(manifest.dir())
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "longhaul".into())
}

pub fn run(
    ctx: &Context,
    json: bool,
    out: &Path,
    title: Option<&str>,
    base_url: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let files = build(ctx, out, title, base_url)?;
    if json {
        ui::print_json(&serde_json::json!({"ok": true, "out": out, "files": files}));
    } else {
        println!(
            "wrote {} ({files} files) in {:.0} ms; open {}",
            out.display(),
            started.elapsed().as_secs_f64() * 1000.0,
            out.join("index.html").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
