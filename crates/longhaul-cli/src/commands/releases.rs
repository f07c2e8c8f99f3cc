//! `longhaul releases`: every release with its resolved chain and patch files.

use crate::context::Context;
use crate::ui;
use longhaul::release::manifest::{Manifest, PatchSource};
use serde::Serialize;
use std::process::ExitCode;

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
    let views: Vec<ReleaseView> = manifest
        .releases
        .iter()
        .map(|r| view(&manifest, &loader, r))
        .collect();
    if json {
        ui::print_json(&serde_json::json!({ "manifest": manifest.path, "releases": views }));
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = ui::table(&[
        "RELEASE",
        "MUST",
        "BASE",
        "CHAIN",
        "PATCHES",
        "NOT AVAILABLE",
    ]);
    for v in &views {
        let unavailable = v
            .patches
            .iter()
            .flat_map(|p| &p.items)
            .filter(|i| !i.available)
            .count();
        t.add_row(vec![
            v.name.clone(),
            if v.must { "yes".into() } else { "".into() },
            v.base
                .clone()
                .unwrap_or_else(|| ui::paint("?", ui::Color::Red)),
            v.chain.join(" > "),
            v.patches.len().to_string(),
            match (&v.error, unavailable) {
                (Some(e), _) => ui::paint(e, ui::Color::Red),
                (None, 0) => String::new(),
                (None, n) => ui::paint(&format!("{n} item(s)"), ui::Color::Yellow),
            },
        ]);
    }
    println!("{t}");
    println!(
        "{} releases ({} must) in {}",
        views.len(),
        views.iter().filter(|v| v.must).count(),
        manifest.path.display()
    );
    Ok(ExitCode::SUCCESS)
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
        error,
        extra: r.extra.clone(),
    }
}
