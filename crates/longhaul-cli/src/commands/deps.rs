//! `longhaul deps`: what each release ships against the Go vulnerability
//! database. Also the inputs other commands need for their dependency
//! sections (`coverage --deps`, `vex`, `notes`, `site`, `upgrade-path`).

use crate::GorootArgs;
use crate::context::{Context, select_releases};
use crate::ui;
use anyhow::Result;
use longhaul::deps::database::Database;
use longhaul::deps::report::{Analyzer, Options, ReleaseDeps, Report};
use longhaul::deps::stdlib::Goroot;
use longhaul::release::manifest::Manifest;
use longhaul::release::patch_cache::PatchLoader;
use longhaul::security::advisory::Advisory;
use longhaul::security::statements::Statement;
use std::process::ExitCode;

/// What each release ships (Go, the modules of vendor/modules.txt, the
/// components kubeadm deploys) against the Go vulnerability database:
/// each finding with its reachability tier and evidence, and the smallest
/// upgrade that clears them.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// `deps bump`, `deps remedy`.
    #[command(subcommand)]
    pub action: Option<super::deps_bump::DepsAction>,
    /// Releases (default: the `must: true` releases).
    pub releases: Vec<String>,
    /// Every release of the manifest.
    #[arg(long, conflicts_with = "releases")]
    pub all: bool,
    #[command(flatten)]
    pub go: crate::GorootArgs,
}

/// What a dependency analysis reads: the Go vulnerability database, the
/// statements and the Kubernetes advisories (for own-code records).
pub struct Inputs {
    /// The database.
    pub db: Database,
    /// The statements in force.
    pub statements: Vec<Statement>,
    /// The Kubernetes feed.
    pub advisories: Vec<Advisory>,
    /// The Go installations to read standard libraries from.
    pub options: Options,
}

/// The Go installations: `--goroot` (each must be one), else the Go on PATH.
pub fn goroots(args: &GorootArgs) -> Result<Vec<Goroot>> {
    if args.goroot.is_empty() {
        return Ok(Goroot::from_path().into_iter().collect());
    }
    args.goroot
        .iter()
        .map(|d| Goroot::at(d).map_err(anyhow::Error::msg))
        .collect()
}

/// Read the database and the statements for `manifest` (statements naming
/// Go vulndb ids are checked against the database).
pub fn inputs(ctx: &Context, manifest: &Manifest, go: &GorootArgs) -> Result<Inputs> {
    let loader = ctx.offline_loader(manifest);
    let k8s = longhaul::security::coverage::load_inputs(
        manifest,
        &ctx.advisories_dir(Some(manifest)),
        &ctx.statements_file(manifest),
        &loader,
    )?;
    let db = ctx.go_vulndb(Some(manifest))?;
    longhaul::deps::report::check_statements(&k8s.statements, &db, &ctx.statements_file(manifest))?;
    Ok(Inputs {
        db,
        statements: k8s.statements,
        advisories: k8s.advisories,
        options: Options {
            goroots: goroots(go)?,
        },
    })
}

/// Analyse `releases` of `manifest` (the upstream repository must hold their bases).
pub fn analyse(
    ctx: &Context,
    manifest: &Manifest,
    inputs: &Inputs,
    releases: &[String],
    statements: &[Statement],
) -> Result<Report> {
    let repo = ctx.upstream(Some(manifest))?;
    with_analyzer(ctx, manifest, inputs, &repo, |analyzer| {
        let bar = ui::progress(releases.len(), "deps");
        let report = longhaul::deps::report::report(
            analyzer,
            releases,
            statements,
            &inputs.advisories,
            longhaul::time::reproducible_now()?,
            &|_| bar.inc(1),
        );
        bar.finish_and_clear();
        Ok(report?)
    })
}

/// Run `f` with an analyzer of `manifest`'s releases over `repo`, in memory
/// and offline (patch items from the cache only).
fn with_analyzer<T>(
    ctx: &Context,
    manifest: &Manifest,
    inputs: &Inputs,
    repo: &longhaul::gix::ThreadSafeRepository,
    f: impl FnOnce(&mut Analyzer) -> Result<T>,
) -> Result<T> {
    let memory = longhaul::repo::in_memory(repo);
    let loader: PatchLoader = ctx.offline_loader(manifest);
    let mut analyzer = Analyzer::new(
        &memory,
        manifest,
        &loader,
        &inputs.db,
        inputs.options.clone(),
    )?;
    f(&mut analyzer)
}

/// The Go vulnerability database's age, by `manifest`'s limit, now.
fn freshness(inputs: &Inputs, manifest: &Manifest) -> Result<longhaul::deps::report::Freshness> {
    Ok(longhaul::deps::report::Freshness::of(
        &inputs.db,
        Some(manifest),
        longhaul::time::reproducible_now()?,
    ))
}

pub fn run(
    ctx: &Context,
    json: bool,
    releases: &[String],
    all: bool,
    go: &GorootArgs,
) -> Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let releases = select_releases(&manifest, releases, all, "analyse")?;
    let inputs = inputs(ctx, &manifest, go)?;
    let report = analyse(ctx, &manifest, &inputs, &releases, &inputs.statements)?;
    if json {
        ui::print_json(&report);
    } else {
        for r in &report.releases {
            print_release(r);
        }
        print_freshness(&report.freshness);
    }
    Ok(ExitCode::SUCCESS)
}

/// The database's age, and the warning when it is stale or missing, as
/// `coverage` says the Kubernetes feed's.
pub fn print_freshness(f: &longhaul::deps::report::Freshness) {
    let skipped = f.skipped.values().sum::<usize>();
    println!(
        "{}{}",
        f.description,
        match skipped {
            0 => String::new(),
            n => format!(
                "; {n} record(s) of other ecosystems skipped ({})",
                f.skipped
                    .iter()
                    .map(|(e, n)| format!("{e}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    );
    if let Some(w) = &f.warning {
        println!("{} {w}", ui::paint("warning:", ui::Color::Yellow));
    }
}

/// `coverage --deps --markdown`'s section: the rows, the database's age and
/// its warning.
pub fn rows_markdown(
    rows: &[longhaul::deps::matrix::Row],
    freshness: &longhaul::deps::report::Freshness,
    releases: &[String],
) -> String {
    let mut s = format!(
        "\n### Dependencies\n\n{}.\n\n",
        longhaul::escape::markdown(&freshness.description)
    );
    if let Some(w) = &freshness.warning {
        s.push_str(&format!(
            "> **Warning:** {}.\n\n",
            longhaul::escape::markdown(w)
        ));
    }
    s.push_str(&longhaul::deps::matrix::to_markdown(rows, releases));
    s
}

fn print_release(r: &ReleaseDeps) {
    let t = &r.tree;
    let go = r
        .go()
        .map(|g| format!("Go {} ({})", g.version, g.source))
        .unwrap_or_else(|| "Go unknown".into());
    println!(
        "{}  tree {}  {go}",
        ui::paint(&r.name, ui::Color::Green),
        &t.tree[..12]
    );
    for line in &r.summary {
        println!("  {line}");
    }
    let shown: Vec<&str> = t
        .binaries
        .iter()
        .map(|b| b.folder.as_str())
        .take(6)
        .collect();
    println!(
        "  binaries: {} ({}{}); standard library closure: {}",
        t.binaries.len(),
        shown.join(", "),
        if t.binaries.len() > shown.len() {
            ", …"
        } else {
            ""
        },
        t.stdlib_read
            .as_deref()
            .map(|v| format!("read from {v}"))
            .unwrap_or_else(|| format!("not read: {}", t.stdlib_unread.as_deref().unwrap_or("?")))
    );
    if !r.vulnerabilities.is_empty() {
        println!("{}", vulnerability_table(r));
    }
    print_remedies(&t.remedy);
    let not_in_feed: Vec<&str> = r
        .own_code
        .iter()
        .filter(|o| o.in_feed.is_none())
        .map(|o| o.record.id.as_str())
        .collect();
    if !r.own_code.is_empty() {
        println!(
            "  own code: {} Go vulndb record(s) concern the release's own modules; {} are in the Kubernetes feed (counted by `coverage`){}",
            r.own_code.len(),
            r.own_code.len() - not_in_feed.len(),
            if not_in_feed.is_empty() {
                String::new()
            } else {
                format!("; not in the feed: {}", not_in_feed.join(", "))
            }
        );
    }
    println!();
}

/// One row per vulnerability: id, CVE, subject, tier, status, fix.
fn vulnerability_table(r: &ReleaseDeps) -> ui::Table {
    use longhaul::deps::status::DepStatus;
    let mut table = ui::table(&["ID", "ALIASES", "SUBJECT", "TIER", "STATUS", "FIXED IN"]);
    for v in &r.vulnerabilities {
        let fix = r
            .findings()
            .iter()
            .find(|f| f.id == v.id && f.fixed_in.is_some())
            .and_then(|f| f.fixed_in.clone())
            .unwrap_or_else(|| "-".into());
        let color = match v.decision.status {
            DepStatus::Affected => ui::Color::Red,
            DepStatus::UnderInvestigation => ui::Color::Yellow,
            DepStatus::NotAffected => ui::Color::Dim,
        };
        let by = if v.decision.source == "statement" {
            " (statement)"
        } else {
            ""
        };
        table.add_row(vec![
            v.id.clone(),
            v.aliases
                .iter()
                .find(|a| a.starts_with("CVE-"))
                .cloned()
                .unwrap_or_default(),
            v.subject.clone(),
            v.tier.as_str().to_string(),
            ui::paint(&format!("{}{by}", v.decision.status.as_str()), color),
            fix,
        ]);
    }
    table
}

fn print_remedies(remedy: &longhaul::deps::remedy::Remedy) {
    let up = |u: &Option<longhaul::deps::remedy::Upgrade>| {
        u.as_ref()
            .map(|u| format!("{} ({}, fixes {})", u.version, u.step.as_str(), u.fixes))
            .unwrap_or_else(|| "-".into())
    };
    for m in &remedy.modules {
        println!(
            "  remedy {} {}: reachable → {}; all → {}{}",
            m.path,
            m.current,
            up(&m.reachable),
            up(&m.all),
            if m.unfixed.is_empty() {
                String::new()
            } else {
                format!("; no fix for {}", m.unfixed.join(", "))
            }
        );
    }
}

/// The dependency section of `release`'s notes, compared with `since`;
/// `None` when no Go vulnerability database is imported or the upstream
/// repository is missing (stderr says so then).
pub fn published_notes(
    ctx: &Context,
    publication: &longhaul::publish::embargo::Publication,
    release: &str,
    since: Option<&str>,
    go: &GorootArgs,
) -> Result<Option<longhaul::deps::notes::DepsNotes>> {
    let manifest = &publication.manifest;
    let inputs = inputs(ctx, manifest, go)?;
    if inputs.db.records.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = std::iter::once(release)
        .chain(since)
        .map(String::from)
        .collect();
    match analyse(ctx, manifest, &inputs, &names, &publication.statements) {
        Ok(report) => Ok(Some(longhaul::deps::notes::notes(
            &report.releases[0],
            report.releases.get(1),
            &report.freshness,
        ))),
        Err(e) if ctx.upstream(Some(manifest)).is_err() => {
            eprintln!(
                "{} no dependency section: {e:#}",
                ui::paint("warning:", ui::Color::Yellow)
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The dependency report of one published release, with the published
/// statements; `None` when no Go vulnerability database is imported. Without
/// the upstream repository the dependency part is left out, and stderr says so.
pub fn published_release(
    ctx: &Context,
    publication: &longhaul::publish::embargo::Publication,
    release: &str,
    go: &GorootArgs,
) -> Result<Option<ReleaseDeps>> {
    let manifest = &publication.manifest;
    let mut inputs = inputs(ctx, manifest, go)?;
    if inputs.db.records.is_empty() {
        return Ok(None);
    }
    inputs.statements = publication.statements.clone();
    match analyse(
        ctx,
        manifest,
        &inputs,
        &[release.to_string()],
        &publication.statements,
    ) {
        Ok(mut report) => Ok(report.releases.pop()),
        Err(e) if ctx.upstream(Some(manifest)).is_err() => {
            eprintln!(
                "{} no dependency statements: {e:#}",
                ui::paint("warning:", ui::Color::Yellow)
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The dependency rows of `coverage --deps` for `releases`, and the database's age.
pub fn coverage_rows(
    ctx: &Context,
    manifest: &Manifest,
    releases: &[String],
    go: &GorootArgs,
) -> Result<(
    Vec<longhaul::deps::matrix::Row>,
    longhaul::deps::report::Freshness,
)> {
    let inputs = inputs(ctx, manifest, go)?;
    let report = analyse(ctx, manifest, &inputs, releases, &inputs.statements)?;
    Ok((
        longhaul::deps::matrix::matrix(&report.releases),
        report.freshness,
    ))
}

/// The dependency rows as a table: per id, the releases by status.
pub fn print_rows(rows: &[longhaul::deps::matrix::Row]) {
    use longhaul::deps::status::DepStatus;
    let mut t = ui::table(&[
        "GO VULNDB",
        "CVE",
        "SUBJECT",
        "AFFECTED",
        "UNDER INVESTIGATION",
        "NOT AFFECTED",
    ]);
    for row in rows {
        let of = |s: DepStatus| {
            row.cells
                .iter()
                .filter(|c| c.status == s)
                .map(|c| {
                    format!(
                        "{} ({})",
                        c.release,
                        if c.source == "statement" {
                            "statement"
                        } else {
                            c.tier.as_str()
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        t.add_row(vec![
            row.id.clone(),
            row.aliases
                .iter()
                .find(|a| a.starts_with("CVE-"))
                .cloned()
                .unwrap_or_default(),
            row.subject.clone(),
            ui::paint(&of(DepStatus::Affected), ui::Color::Red),
            ui::paint(&of(DepStatus::UnderInvestigation), ui::Color::Yellow),
            of(DepStatus::NotAffected),
        ]);
    }
    println!("{t}");
}

/// Drafts for the open dependency findings of `releases`; `None` when no Go
/// vulnerability database is imported.
pub fn suggestions(
    ctx: &Context,
    manifest: &Manifest,
    releases: &[String],
    go: &GorootArgs,
) -> Result<Option<Vec<longhaul::deps::suggest::Suggestion>>> {
    let inputs = inputs(ctx, manifest, go)?;
    if inputs.db.records.is_empty() {
        return Ok(None);
    }
    let report = analyse(ctx, manifest, &inputs, releases, &inputs.statements)?;
    Ok(Some(longhaul::deps::suggest::suggestions(&report.releases)))
}

/// The site's dependency sections and statements for every published
/// release; `None` without a Go vulnerability database. Without the
/// upstream repository, the pages say why they have none.
pub fn site_dependencies(
    ctx: &Context,
    publication: &longhaul::publish::embargo::Publication,
) -> Result<Option<longhaul::publish::site::Dependencies>> {
    let manifest = &publication.manifest;
    let inputs = inputs(ctx, manifest, &GorootArgs::default())?;
    if inputs.db.records.is_empty() {
        return Ok(None);
    }
    let lines = longhaul::release::line::lines(manifest);
    let repo = match ctx.upstream(Some(manifest)) {
        Ok(r) => r,
        Err(e) => {
            return Ok(Some(longhaul::publish::site::Dependencies {
                missing: Some(format!("{e:#}")),
                ..Default::default()
            }));
        }
    };
    // A release whose chain does not build has no section; the others do.
    let releases = with_analyzer(ctx, manifest, &inputs, &repo, |analyzer| {
        let mut releases = Vec::new();
        for r in lines.iter().flat_map(|l| l.releases.iter()) {
            if let Ok(mut d) = analyzer.release(&r.name, &publication.statements) {
                d.own_code = longhaul::deps::report::join_own_code(
                    &d.tree.matches.own_code,
                    &inputs.advisories,
                );
                releases.push(d);
            }
        }
        Ok(releases)
    })?;
    let report = Report {
        freshness: freshness(&inputs, manifest)?,
        releases,
    };
    Ok(Some(longhaul::publish::site::Dependencies::of_report(
        &report, manifest,
    )))
}

/// Open dependency vulnerabilities at each stop of `plan`; `None` without a
/// Go vulnerability database or an upstream repository.
pub fn plan_stops(
    ctx: &Context,
    publication: &longhaul::publish::embargo::Publication,
    plan: &longhaul::lifecycle::upgrade::Plan,
    go: &GorootArgs,
) -> Result<
    Option<(
        Vec<longhaul::deps::stops::StopDeps>,
        longhaul::deps::report::Freshness,
    )>,
> {
    let manifest = &publication.manifest;
    let inputs = inputs(ctx, manifest, go)?;
    if inputs.db.records.is_empty() {
        return Ok(None);
    }
    let Ok(repo) = ctx.upstream(Some(manifest)) else {
        eprintln!(
            "{} no dependency exposure per stop: no upstream repository",
            ui::paint("warning:", ui::Color::Yellow)
        );
        return Ok(None);
    };
    let stops = with_analyzer(ctx, manifest, &inputs, &repo, |analyzer| {
        Ok(longhaul::deps::stops::stops(
            analyzer,
            plan,
            &publication.statements,
        ))
    })?;
    Ok(Some((stops, freshness(&inputs, manifest)?)))
}

/// `lint`'s dependency findings. Inputs that cannot be read are left to
/// the commands that need them (which say why).
pub fn lint_findings(ctx: &Context, manifest: &Manifest) -> Vec<longhaul::release::lint::Finding> {
    let Ok(db) = ctx.go_vulndb(Some(manifest)) else {
        return Vec::new();
    };
    let loader = ctx.offline_loader(manifest);
    let (advisories, statements) = match longhaul::security::coverage::load_inputs(
        manifest,
        &ctx.advisories_dir(Some(manifest)),
        &ctx.statements_file(manifest),
        &loader,
    ) {
        Ok(i) => (i.advisories, i.statements),
        Err(_) => (Vec::new(), Vec::new()),
    };
    longhaul::deps::lint::findings(manifest, &advisories, &db, &statements)
}
