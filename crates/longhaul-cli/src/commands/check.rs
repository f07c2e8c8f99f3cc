//! `longhaul check`: run each release's checks on its tree.

use crate::context::Context;
use crate::ui;
use longhaul::checks::affected::Revision;
use longhaul::checks::build_constraints::Target;
use longhaul::checks::run::{CheckStatus, ReleaseChecks, Scope};
use longhaul::checks::toolchain::Toolchain;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// Run each release's checks (default: build the affected Go packages) on
/// its tree, written to a temporary folder: passed, failed, tolerated,
/// flaky or skipped, per check. Results are cached per tree and toolchain.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Releases (default: the `must: true` releases).
    #[arg(value_name = "RELEASE")]
    pub releases: Vec<String>,
    /// Every release of the manifest.
    #[arg(long, conflicts_with = "releases")]
    pub all: bool,
    /// Only the checks with these names (repeatable).
    #[arg(long = "check", value_name = "NAME")]
    pub checks: Vec<String>,
    /// The packages the release's patches reach, or every package.
    #[arg(long, value_enum, default_value_t = crate::ScopeArg::Affected)]
    pub scope: crate::ScopeArg,
    /// The `go` command (default: `go` on PATH).
    #[arg(long, value_name = "PATH")]
    pub go: Option<std::path::PathBuf>,
    /// Also write the results as JUnit XML.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<std::path::PathBuf>,
    /// Run everything again, ignoring cached results (and cache the new ones).
    #[arg(long)]
    pub no_cache: bool,
    /// Say which check commands and tolerated lists changed since REV (a
    /// pull request's base): `checks:` runs code.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Run the `checks:` map of the manifest at REV (the base branch)
    /// instead of the working tree's, so that a pull request cannot
    /// choose the commands its own gate runs.
    #[arg(long, value_name = "REV")]
    pub trusted_checks_from: Option<String>,
    /// Check up to N releases at once (each in its own folder; Go itself
    /// already uses every core).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    #[command(flatten)]
    pub target: crate::TargetArgs,
}

pub struct Request<'a> {
    pub releases: &'a [String],
    pub all: bool,
    pub checks: &'a [String],
    pub scope: Scope,
    pub go: Option<&'a Path>,
    pub junit: Option<&'a Path>,
    pub no_cache: bool,
    pub since: Option<&'a str>,
    pub trusted_checks_from: Option<&'a str>,
    pub jobs: usize,
    pub target: Target,
}

pub fn run(ctx: &Context, json: bool, req: &Request) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    let authority = authority_changes(&manifest, req.since)?;
    let trusted = req
        .trusted_checks_from
        .map(|rev| trusted_manifest(&manifest, rev))
        .transpose()?;
    let checks = longhaul::checks::config::checks(trusted.as_ref().unwrap_or(&manifest))?;
    let checks = longhaul::checks::config::select(checks, req.checks, &manifest)?;
    let selected = crate::context::select_releases(&manifest, req.releases, req.all, "check")?;
    let toolchain = Toolchain::find(req.go).map_err(longhaul::Error::Input)?;
    let repo = ctx.upstream(Some(&manifest))?;
    let (missing, advice) = missing_bases(&repo, &manifest, &selected);
    let loader = ctx.loader(Some(&manifest));
    let cache_dir = ctx.check_cache_dir();
    let spinner = spinner(json);
    let progress = |msg: &str| spinner.set_message(msg.to_string());
    let batch = longhaul::maintain::check::Batch {
        repo: &repo,
        manifest: &manifest,
        loader: &loader,
        target: req.target.clone(),
        toolchain,
        scope: req.scope,
        cache_dir: if req.no_cache { None } else { cache_dir },
        progress: &progress,
        jobs: req.jobs,
    };
    let reports = longhaul::maintain::check::check_releases(
        &batch,
        &selected,
        &checks,
        &missing,
        advice.as_deref(),
    )?;
    spinner.finish_and_clear();
    if let Some(path) = req.junit {
        longhaul::fs::write_atomic(path, longhaul::checks::junit::to_junit(&reports).as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let ok = reports.iter().all(|r| r.ok);
    if json {
        ui::print_json(&serde_json::json!({
            "ok": ok,
            "releases": reports,
            "checks_from": req.trusted_checks_from,
            "changed_since": authority,
        }));
    } else {
        print_text(&authority, req.trusted_checks_from, &reports);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `manifest` with the `checks:` of its revision `rev` (`--trusted-checks-from`).
fn trusted_manifest(
    manifest: &longhaul::release::manifest::Manifest,
    rev: &str,
) -> anyhow::Result<longhaul::release::manifest::Manifest> {
    let then = Revision::open(&manifest.path, rev)?.manifest(manifest)?;
    let mut m = manifest.clone();
    m.checks = then.checks;
    Ok(m)
}

/// A spinner on stderr with the current step, hidden for JSON or when stderr
/// is no terminal.
fn spinner(json: bool) -> indicatif::ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        // Cleared when dropped, so an error is never printed after a stale spinner.
        let s =
            indicatif::ProgressBar::new_spinner().with_finish(indicatif::ProgressFinish::AndClear);
        s.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .expect("valid template"),
        );
        s.enable_steady_tick(std::time::Duration::from_millis(120));
        s
    }
}

/// The text report: the authority warnings, where the checks come from, and
/// the results.
fn print_text(authority: &[String], trusted_from: Option<&str>, reports: &[ReleaseChecks]) {
    for w in authority {
        println!("{} {w}", ui::paint("!", ui::Color::Yellow));
    }
    if let Some(rev) = trusted_from {
        println!("checks: as defined at {rev} (--trusted-checks-from)");
    }
    print_human(reports);
}

/// The check commands and tolerated lists that changed since `since`, as
/// sentences naming the manifest line (nothing without `--since`).
fn authority_changes(
    manifest: &longhaul::release::manifest::Manifest,
    since: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let Some(rev) = since else {
        return Ok(Vec::new());
    };
    let then = Revision::open(&manifest.path, rev)?.manifest(manifest)?;
    Ok(longhaul::release::trust::findings_since(&then, manifest)
        .into_iter()
        .filter(|f| f.code != "upstream-changed")
        .map(|f| {
            format!(
                "{}:{}: since {rev}: {}",
                manifest.path.display(),
                f.line,
                f.message
            )
        })
        .collect())
}

/// The releases whose base tag the clone lacks (they are reported, not
/// checked), and the git commands that fetch exactly those tags.
fn missing_bases(
    repo: &longhaul::gix::ThreadSafeRepository,
    manifest: &longhaul::release::manifest::Manifest,
    selected: &[String],
) -> (
    Vec<longhaul::release::base_tags::MissingBase>,
    Option<String>,
) {
    use longhaul::release::base_tags;
    let local = repo.to_thread_local();
    let missing = base_tags::missing_bases(&local, manifest, selected);
    let tags = base_tags::tags(&missing);
    let advice = (!tags.is_empty()).then(|| base_tags::fetch_advice(&local, manifest, &tags));
    (missing, advice)
}

fn status_cell(status: CheckStatus) -> String {
    let color = match status {
        CheckStatus::Passed => ui::Color::Green,
        CheckStatus::Failed => ui::Color::Red,
        _ => ui::Color::Yellow,
    };
    ui::paint(status.as_str(), color)
}

fn print_human(reports: &[ReleaseChecks]) {
    print_table(reports);
    for r in reports {
        print_release(r);
    }
    let failed = reports.iter().filter(|r| !r.ok).count();
    println!(
        "{} of {} releases pass their checks",
        reports.len() - failed,
        reports.len()
    );
}

fn print_table(reports: &[ReleaseChecks]) {
    let mut t = ui::table(&["RELEASE", "CHECK", "RESULT", "PACKAGES", "TIME"]);
    for r in reports {
        for c in &r.checks {
            let time = if c.cached {
                format!("cached ({:.1} s)", c.duration_ms as f64 / 1000.0)
            } else {
                format!("{:.1} s", c.duration_ms as f64 / 1000.0)
            };
            let attempts = if c.attempts > 1 {
                format!(", {} runs", c.attempts)
            } else {
                String::new()
            };
            t.add_row(vec![
                r.release.clone(),
                c.name.clone(),
                status_cell(c.status),
                format!("{}{attempts}", c.packages.len()),
                time,
            ]);
        }
    }
    println!("{t}");
}

/// A release's summary line, its warnings, and each check's reason and findings.
fn print_release(r: &ReleaseChecks) {
    let mode = match &r.mode {
        Some(longhaul::checks::toolchain::GoMode::Gopath { .. }) => ", GOPATH mode",
        Some(longhaul::checks::toolchain::GoMode::Module { vendor: true }) => {
            ", module mode, -mod=vendor"
        }
        Some(longhaul::checks::toolchain::GoMode::Module { vendor: false }) => ", module mode",
        None => "",
    };
    let needed = r
        .go_needed
        .as_ref()
        .map(|n| format!("needs Go {} ({})", n.version, n.source))
        .unwrap_or_else(|| "no Go version found in the tree".into());
    // An unverifiable release has no tree: its warning says why.
    if !r.tree.is_empty() {
        println!(
            "{}: {} changed, {} affected packages; {needed}; ran with {}{mode}",
            r.release, r.changed, r.affected, r.go
        );
    }
    for w in &r.warnings {
        println!("{} {}: {w}", ui::paint("!", ui::Color::Yellow), r.release);
    }
    for c in &r.checks {
        if let Some(reason) = &c.reason {
            println!("  {} {}: {reason}", c.name, c.status.as_str());
        }
        for (word, list) in [
            ("failed", &c.failures),
            ("tolerated", &c.tolerated),
            ("flaky", &c.flaky),
        ] {
            for f in list {
                print_finding(&c.name, word, f);
            }
        }
    }
}

/// One failed, tolerated or flaky package of check `check`.
fn print_finding(check: &str, word: &str, f: &longhaul::checks::go_output::PackageFailure) {
    let what = if f.package.is_empty() {
        "(no package named)".to_string()
    } else {
        f.package.clone()
    };
    let tests = if f.tests.is_empty() {
        String::new()
    } else {
        format!(" {}", f.tests.join(", "))
    };
    println!("  {check} {word}: {what}{tests}");
    if word == "failed" {
        for line in f.message.lines().take(6) {
            println!("      {line}");
        }
    }
}
