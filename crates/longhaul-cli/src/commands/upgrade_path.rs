//! `longhaul upgrade-path FROM --to TO`: control-plane and node hops through
//! patched releases, the API removals met on the way and the objects of
//! `--manifests` they break.

use crate::context::Context;
use crate::ui;
use longhaul::lifecycle::upgrade::{self, Plan, Stop};
use std::path::PathBuf;
use std::process::ExitCode;

/// Plan the upgrade from an old release to a newer line: control-plane hops
/// one minor at a time on patched releases, the fewest node upgrades the
/// version skew policy allows, the CVEs open at every stop, the API
/// versions removed on the way, and the objects of --manifests they break.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where the cluster is: a release, a version (1.18.20) or a line (1.18).
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The target: a line (1.28) or a version (1.28.15).
    #[arg(long, value_name = "TO")]
    pub to: String,
    /// YAML files or folders of manifests (multi-document, `helm template`
    /// and `kustomize build` output) to check for removed API versions.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub manifests: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub go: crate::GorootArgs,
}

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
    let (plan, skipped) = plan(&publication, from, to, manifests)?;
    let deps = super::deps::plan_stops(ctx, &publication, &plan, go)?;
    if json {
        ui::print_json(&serde_json::json!({
            "ok": true,
            "plan": plan,
            "removals": removals_json(&plan),
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

/// The plan from `from` to `to` with the built-in dates, skew policy and
/// removals, and the objects of `manifests`; also how many documents of
/// them were skipped.
fn plan(
    publication: &longhaul::publish::embargo::Publication,
    from: &str,
    to: &str,
    manifests: &[PathBuf],
) -> anyhow::Result<(Plan, usize)> {
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
    Ok((plan, skipped))
}

/// The list the text shows: every API version removed on the way, in hop
/// order, with what to use instead.
fn removals_json(plan: &Plan) -> Vec<serde_json::Value> {
    plan.control_plane
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
        .collect()
}

/// What the text says besides the plan.
struct Facts<'a> {
    no_manifests: bool,
    skipped: usize,
    missing: &'a [String],
    feed: Option<&'a longhaul::security::freshness::FeedAge>,
}

/// The text being written, wrapped to [`WIDTH`] columns.
#[derive(Default)]
struct Text(String);

impl Text {
    fn say(&mut self, text: &str, indent: usize) {
        self.0.push_str(&wrap(text, indent));
    }
}

/// The plan as text no wider than [`WIDTH`] columns.
fn render(plan: &Plan, facts: &Facts) -> String {
    let mut out = Text::default();
    say_header(&mut out, plan, facts);
    say_control_plane(&mut out, plan);
    say_nodes(&mut out, plan);
    say_removals(&mut out, plan);
    say_objects(&mut out, plan, facts);
    say_summary(&mut out, plan, facts);
    out.0
}

/// The first line, the missing inputs and the feed's age.
fn say_header(out: &mut Text, plan: &Plan, facts: &Facts) {
    let s = &plan.summary;
    out.say(
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
    for m in facts.missing {
        out.say(&format!("Missing input: {m}"), 2);
    }
    if let Some(f) = facts.feed {
        out.say(
            &format!("Open CVEs as of the advisory feed: {}.", f.summary()),
            2,
        );
        if let Some(w) = f.warning() {
            out.say(&format!("Warning: {w}"), 2);
        }
    }
    out.say("", 0);
}

/// The control plane's stops, one minor at a time.
fn say_control_plane(out: &mut Text, plan: &Plan) {
    out.say(
        "Control plane (kube-apiserver one minor at a time; kube-controller-manager and kube-scheduler right after it):",
        0,
    );
    out.say(&stop_line("now", &plan.from), 2);
    for h in &plan.control_plane {
        out.say(&stop_line(&h.stop.line.to_string(), &h.stop), 2);
    }
    out.say("", 0);
}

/// The node upgrades and why each is needed.
fn say_nodes(out: &mut Text, plan: &Plan) {
    out.say(
        "Nodes (kubelet and kube-proxy), as few upgrades as the skew policy allows:",
        0,
    );
    if plan.nodes.is_empty() {
        out.say("none needed", 2);
    }
    for (i, n) in plan.nodes.iter().enumerate() {
        out.say(
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
        out.say(&format!("why: {}", n.reason), 5);
    }
    out.say("", 0);
}

/// Every API version removed on the way, in hop order.
fn say_removals(out: &mut Text, plan: &Plan) {
    out.say("API versions removed on the way:", 0);
    let mut any = false;
    for h in &plan.control_plane {
        for r in &h.removals {
            any = true;
            out.say(
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
        out.say("none", 2);
    }
    out.say("", 0);
}

/// The objects of `--manifests` that stop working, or how to check them.
fn say_objects(out: &mut Text, plan: &Plan, facts: &Facts) {
    if facts.no_manifests {
        out.say(
            "Objects: pass --manifests DIR to check your YAML (helm template, kustomize build output).",
            0,
        );
        out.say("", 0);
        return;
    }
    let skipped = facts.skipped;
    out.say(
        &format!(
            "Objects of --manifests that stop working ({} objects read{}):",
            plan.summary.objects_scanned,
            if skipped > 0 {
                format!(", {skipped} documents without apiVersion and kind skipped")
            } else {
                String::new()
            }
        ),
        0,
    );
    if plan.breakages.is_empty() {
        out.say("none", 2);
    }
    for b in &plan.breakages {
        out.say(&breakage_line(b), 2);
    }
    out.say("", 0);
}

/// One object that breaks: where it is, what it is, and what to use.
fn breakage_line(b: &upgrade::Breakage) -> String {
    let o = &b.object;
    let name = match (&o.namespace, &o.name) {
        (Some(ns), Some(n)) => format!(" {ns}/{n}"),
        (None, Some(n)) => format!(" {n}"),
        _ => String::new(),
    };
    format!(
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
    )
}

/// The summary line: stops, the worst exposure, the first break.
fn say_summary(out: &mut Text, plan: &Plan, facts: &Facts) {
    let s = &plan.summary;
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
    out.say(
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
                None if facts.no_manifests => String::new(),
                None => "; your manifests work all the way".into(),
            }
        ),
        0,
    );
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
