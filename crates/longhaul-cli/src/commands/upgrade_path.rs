//! `longhaul upgrade-path FROM --to TO`: control-plane and node hops through
//! patched releases, the API removals met on the way and the objects of
//! `--manifests` they break.

use crate::context::Context;
use crate::ui;
use longhaul::lifecycle::upgrade::{self, Plan, Stop};
use std::path::PathBuf;
use std::process::ExitCode;

/// The human output's width.
const WIDTH: usize = 100;

pub fn run(
    ctx: &Context,
    json: bool,
    from: &str,
    to: &str,
    manifests: &[PathBuf],
    go: &crate::GorootArgs,
) -> anyhow::Result<ExitCode> {
    let publication = ctx.publication(longhaul::time::reproducible_now()?)?;
    if let Some(why) = publication.withheld_release(from) {
        anyhow::bail!("{why}");
    }
    let dates = longhaul::lifecycle::dates::Dates::for_manifest(&publication.manifest)?;
    let skew = longhaul::lifecycle::skew::Skew::built_in();
    let removals = longhaul::lifecycle::removals::built_in();
    let (objects, skipped) = longhaul::lifecycle::removals::scan(manifests)?;
    let plan = upgrade::plan(
        &upgrade::Inputs {
            manifest: &publication.manifest,
            dates: &dates,
            skew: &skew,
            removals: &removals,
            advisories: &publication.advisories,
            coverage: publication.coverage.as_ref(),
            objects: &objects,
        },
        from,
        to,
    )
    .map_err(anyhow::Error::msg)?;
    let deps = super::deps::plan_stops(ctx, &publication, &plan, go)?;
    if json {
        // The list the text shows: every API version removed on the way, in
        // hop order, with what to use instead.
        let removals: Vec<serde_json::Value> = plan
            .control_plane
            .iter()
            .flat_map(|h| {
                h.removals.iter().map(|r| {
                    serde_json::json!({
                        "line": h.stop.line,
                        "api_version": r.api_version(),
                        "kind": r.kind,
                        "instead": r.instead(),
                        "replacement": r.replacement,
                    })
                })
            })
            .collect();
        ui::print_json(&serde_json::json!({
            "ok": true,
            "plan": plan,
            "removals": removals,
            "documents_skipped": skipped,
            "missing": publication.missing,
            "feed": publication.feed,
            "dependencies": deps.as_ref().map(|(stops, freshness)| serde_json::json!({"stops": stops, "freshness": freshness})),
        }));
    } else {
        let facts = Facts {
            no_manifests: manifests.is_empty(),
            skipped,
            missing: &publication.missing,
            feed: publication.feed.as_ref(),
        };
        print!("{}", render(&plan, &facts));
        if let Some((stops, freshness)) = &deps {
            print_dep_stops(stops, freshness);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What the text says besides the plan.
struct Facts<'a> {
    no_manifests: bool,
    skipped: usize,
    missing: &'a [String],
    feed: Option<&'a longhaul::security::freshness::FeedAge>,
}

/// The plan as text no wider than [`WIDTH`] columns.
fn render(plan: &Plan, facts: &Facts) -> String {
    let (no_manifests, skipped, missing) = (facts.no_manifests, facts.skipped, facts.missing);
    let mut out = String::new();
    let mut say = |text: &str, indent: usize| out.push_str(&wrap(text, indent));
    let s = &plan.summary;
    say(
        &format!(
            "Upgrade path from {} ({}) to {}: {}, {}.",
            plan.from.name(),
            plan.from.line,
            plan.to,
            count(s.control_plane_stops, "control-plane stop"),
            count(s.node_stops, "node upgrade")
        ),
        0,
    );
    for m in missing {
        say(&format!("Missing input: {m}"), 2);
    }
    if let Some(f) = facts.feed {
        say(
            &format!("Open CVEs as of the advisory feed: {}.", f.summary()),
            2,
        );
        if let Some(w) = f.warning() {
            say(&format!("Warning: {w}"), 2);
        }
    }
    say("", 0);
    say(
        "Control plane (kube-apiserver one minor at a time; kube-controller-manager and kube-scheduler right after it):",
        0,
    );
    say(&stop_line("now", &plan.from), 2);
    for h in &plan.control_plane {
        say(&stop_line(&h.stop.line.to_string(), &h.stop), 2);
    }
    say("", 0);
    say(
        "Nodes (kubelet and kube-proxy), as few upgrades as the skew policy allows:",
        0,
    );
    if plan.nodes.is_empty() {
        say("none needed", 2);
    }
    for (i, n) in plan.nodes.iter().enumerate() {
        say(
            &format!(
                "{}. while the control plane is at {}: nodes {} -> {} on {}, {}",
                i + 1,
                n.control_plane,
                n.from,
                n.stop.line,
                n.stop.name(),
                exposure(&n.stop)
            ),
            2,
        );
        say(&format!("why: {}", n.reason), 5);
    }
    say("", 0);
    say("API versions removed on the way:", 0);
    let mut any = false;
    for h in &plan.control_plane {
        for r in &h.removals {
            any = true;
            say(
                &format!(
                    "{}: {} {} -> {}",
                    h.stop.line,
                    r.api_version(),
                    r.kind,
                    r.instead()
                ),
                2,
            );
        }
    }
    if !any {
        say("none", 2);
    }
    say("", 0);
    if no_manifests {
        say(
            "Objects: pass --manifests DIR to check your YAML (helm template, kustomize build output).",
            0,
        );
    } else {
        say(
            &format!(
                "Objects of --manifests that stop working ({} objects read{}):",
                s.objects_scanned,
                if skipped > 0 {
                    format!(", {skipped} documents without apiVersion and kind skipped")
                } else {
                    String::new()
                }
            ),
            0,
        );
        if plan.breakages.is_empty() {
            say("none", 2);
        }
        for b in &plan.breakages {
            let o = &b.object;
            let name = match (&o.namespace, &o.name) {
                (Some(ns), Some(n)) => format!(" {ns}/{n}"),
                (None, Some(n)) => format!(" {n}"),
                _ => String::new(),
            };
            say(
                &format!(
                    "{}:{}: {}{} ({}) {} {}; {}",
                    o.file.display(),
                    o.line,
                    o.kind,
                    name,
                    o.api_version,
                    if b.already {
                        "is already not served at"
                    } else {
                        "breaks at"
                    },
                    b.breaks_at,
                    advice(&b.replacement)
                ),
                2,
            );
        }
    }
    say("", 0);
    let worst = match &s.worst_exposure {
        Some(w) => format!(
            "worst open CVE on the way: {} ({}, {}) at {}",
            w.cve.id,
            w.cve
                .score
                .map(|x| format!("{x:.1}"))
                .unwrap_or_else(|| "unscored".into()),
            w.cve.status.as_words(),
            w.stop
        ),
        None if s.stops_with_unknown_exposure > 0 => "exposure unknown (no advisories)".into(),
        None => format!(
            "no open CVE at any stop among the {} advisories known{}",
            s.advisories,
            if facts.feed.is_some_and(|f| f.stale) {
                " (the feed may be out of date)"
            } else {
                ""
            }
        ),
    };
    say(
        &format!(
            "Summary: {}, {}; {worst}{}{}.",
            count(s.control_plane_stops, "control-plane stop"),
            count(s.node_stops, "node upgrade"),
            if s.stops_with_unknown_exposure > 0 {
                format!(
                    "; {} stops with unknown exposure",
                    s.stops_with_unknown_exposure
                )
            } else {
                String::new()
            },
            match s.first_breaking_stop {
                Some(m) => format!("; your manifests first break at {m}"),
                None if no_manifests => String::new(),
                None => "; your manifests work all the way".into(),
            }
        ),
        0,
    );
    out
}

/// `use apps/v1` for a replacement API version; a note (what to do when
/// there is none: "no replacement API: use Pod Security Admission…") as it is.
fn advice(instead: &str) -> String {
    if instead.contains(' ') {
        instead.to_string()
    } else {
        format!("use {instead}")
    }
}

/// `1 node upgrade`, `5 node upgrades`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn stop_line(label: &str, stop: &Stop) -> String {
    format!(
        "{label:>4}  {}{} ({}), {}",
        stop.name(),
        if stop.version_final {
            ""
        } else {
            " (newest known patch)"
        },
        match stop.source {
            upgrade::Source::Lts => "LTS release",
            upgrade::Source::Upstream => "upstream, no LTS release",
        },
        exposure(stop)
    )
}

fn exposure(stop: &Stop) -> String {
    if let Some(why) = &stop.exposure_unknown {
        return format!("open CVEs unknown ({why})");
    }
    match stop.worst() {
        None => "no open CVE".into(),
        Some(w) => format!(
            "{} open CVE{}, worst {} {}",
            stop.open.len(),
            if stop.open.len() == 1 { "" } else { "s" },
            w.id,
            w.score
                .map(|x| format!("{x:.1}"))
                .unwrap_or_else(|| "unscored".into())
        ),
    }
}

/// `text` indented by `indent` and wrapped at [`WIDTH`] columns on spaces
/// (a word longer than a line stays whole), continuation lines two deeper.
fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = " ".repeat(indent);
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent + 2);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The open dependency vulnerabilities at each stop, and the database's age.
fn print_dep_stops(
    stops: &[longhaul::deps::stops::StopDeps],
    freshness: &longhaul::deps::report::Freshness,
) {
    println!("\nDependency vulnerabilities open at each stop (Go vulnerability database):");
    for s in stops {
        match &s.unknown {
            Some(why) => println!("  {}: unknown ({why})", s.stop),
            None => println!(
                "  {}: Go {}, {} open ({} in the standard library){}",
                s.stop,
                s.go.as_deref().unwrap_or("?"),
                s.open,
                s.open_stdlib,
                if s.open == 0 && freshness.go_vulndb.stale {
                    " (the database may be out of date)"
                } else {
                    ""
                }
            ),
        }
    }
    super::deps::print_freshness(freshness);
}
