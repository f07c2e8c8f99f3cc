//! `longhaul releases`: every release with its resolved chain and patch files.

use crate::context::Context;
use crate::ui;
use longhaul::release::manifest::{Manifest, PatchSource};
use serde::Serialize;
use std::process::ExitCode;

/// List releases with their resolved chains and patch files.
#[derive(clap::Args, Debug)]
pub struct Args {}

#[derive(Serialize)]
struct ReleaseView {
    name: String,
    must: bool,
    base_release: String,
    base: Option<String>,
    chain: Vec<String>,
    patches: Vec<PatchView>,
    test_failures_tolerated: Vec<String>,
    test_integration_failures_tolerated: Vec<String>,
    /// Whether the upstream repository has the base tag (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    base_in_upstream: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extra: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
struct PatchView {
    name: String,
    from_release: String,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    kind: &'static str,
    source: String,
    available: bool,
}

pub fn run(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let loader = ctx.loader(Some(&manifest));
    let mut views: Vec<ReleaseView> = manifest
        .releases
        .iter()
        .map(|r| view(&manifest, &loader, r))
        .collect();
    let missing = missing_bases(ctx, &manifest);
    if let Some((missing, _)) = &missing {
        for v in views.iter_mut().filter(|v| v.base.is_some()) {
            v.base_in_upstream = Some(!missing.iter().any(|m| m.release == v.name));
        }
    }
    let fetch = missing.as_ref().and_then(|(_, f)| f.clone());
    if json {
        ui::print_json(
            &serde_json::json!({ "manifest": manifest.path, "releases": views, "fetch": fetch }),
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", table(&views));
    println!(
        "{} release{} ({} must) in {}",
        views.len(),
        if views.len() == 1 { "" } else { "s" },
        views.iter().filter(|v| v.must).count(),
        manifest.path.display()
    );
    if let Some((missing, Some(fetch))) = &missing {
        print_missing(missing, fetch);
    }
    Ok(ExitCode::SUCCESS)
}

/// The releases as a table: base, chain, patches and what is not available.
fn table(views: &[ReleaseView]) -> ui::Table {
    let mut t = ui::table(&[
        "RELEASE",
        "MUST",
        "BASE",
        "CHAIN",
        "PATCHES",
        "NOT AVAILABLE",
    ]);
    for v in views {
        let unavailable: Vec<&str> = v
            .patches
            .iter()
            .flat_map(|p| &p.items)
            .filter(|i| !i.available)
            .map(|i| i.source.as_str())
            .collect();
        t.add_row(vec![
            v.name.clone(),
            if v.must { "yes".into() } else { "".into() },
            match (&v.base, v.base_in_upstream) {
                (Some(b), Some(false)) => {
                    ui::paint(&format!("{b} (not in upstream)"), ui::Color::Red)
                }
                (Some(b), _) => b.clone(),
                (None, _) => ui::paint("?", ui::Color::Red),
            },
            v.chain.join(" > "),
            v.patches.len().to_string(),
            match &v.error {
                Some(e) => ui::paint(e, ui::Color::Red),
                None => ui::paint(&unavailable.join("\n"), ui::Color::Yellow),
            },
        ]);
    }
    t
}

/// The base tags the clone lacks and the command that fetches them.
fn print_missing(missing: &[longhaul::release::base_tags::MissingBase], fetch: &str) {
    let tags = longhaul::release::base_tags::tags(missing);
    println!(
        "{} {} base tag{} not in the upstream repository ({} release{} unverifiable); fetch exactly those:\n  {fetch}",
        ui::paint("!", ui::Color::Yellow),
        tags.len(),
        if tags.len() == 1 { " is" } else { "s are" },
        missing.len(),
        if missing.len() == 1 { "" } else { "s" },
    );
}

/// With an upstream repository: the releases whose base tag it lacks, and
/// how to fetch those tags. `None` without one (nothing to say).
fn missing_bases(
    ctx: &Context,
    manifest: &Manifest,
) -> Option<(
    Vec<longhaul::release::base_tags::MissingBase>,
    Option<String>,
)> {
    use longhaul::release::base_tags;
    let repo = ctx.upstream(Some(manifest)).ok()?.to_thread_local();
    let names: Vec<String> = manifest.releases.iter().map(|r| r.name.clone()).collect();
    let missing = base_tags::missing_bases(&repo, manifest, &names);
    let tags = base_tags::tags(&missing);
    let fetch = (!tags.is_empty()).then(|| base_tags::fetch_advice(&repo, manifest, &tags));
    Some((missing, fetch))
}

fn view(
    manifest: &Manifest,
    loader: &longhaul::release::patch_cache::PatchLoader,
    r: &longhaul::release::manifest::Release,
) -> ReleaseView {
    let mut error = None;
    let chain = match manifest.chain(&r.name) {
        Ok(c) => c,
        Err(e) => {
            error = Some(e.to_string());
            vec![r]
        }
    };
    let mut patches = Vec::new();
    for link in &chain {
        for p in &link.patches {
            let items = match manifest.patch_sources(&p.value, p.line) {
                Ok(sources) => sources
                    .into_iter()
                    .map(|s| match &s {
                        PatchSource::File(path) => ItemView {
                            kind: "file",
                            source: path.display().to_string(),
                            available: path.is_file(),
                        },
                        PatchSource::Url(url) => ItemView {
                            kind: "url",
                            source: url.clone(),
                            available: loader.is_cached(url),
                        },
                    })
                    .collect(),
                Err(e) => {
                    error.get_or_insert_with(|| format!("unknown patch `{}`", p.value));
                    let _ = e;
                    Vec::new()
                }
            };
            patches.push(PatchView {
                name: p.value.clone(),
                from_release: link.name.clone(),
                items,
            });
        }
    }
    ReleaseView {
        name: r.name.clone(),
        must: r.must,
        base_release: r.base_release.value.clone(),
        base: error.is_none().then(|| chain[0].base_release.value.clone()),
        chain: chain.iter().map(|r| r.name.clone()).collect(),
        patches,
        test_failures_tolerated: r.test_failures_tolerated.clone(),
        test_integration_failures_tolerated: r.test_integration_failures_tolerated.clone(),
        base_in_upstream: None,
        error,
        extra: r.extra.clone(),
    }
}
