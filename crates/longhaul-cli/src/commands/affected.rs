//! `longhaul affected RELEASE` and `longhaul affected --since REV`.

use crate::context::Context;
use crate::ui;
use longhaul::checks::affected::{ReleaseTree, Revision, changed_since};
use longhaul::checks::build_constraints::Target;
use std::process::ExitCode;

/// The Go packages a release's patches change, every package that imports
/// them (transitively), and the packages whose tests import those; read
/// from the release's tree, without Go. With --since, the releases whose
/// chain uses a patch file or manifest entry changed since a git revision.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The release.
    #[arg(
        value_name = "RELEASE",
        required_unless_present = "since",
        conflicts_with = "since"
    )]
    pub release: Option<String>,
    /// List the releases a change to the LTS repository (since REV) can affect.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    #[command(flatten)]
    pub target: crate::TargetArgs,
}

pub fn run(ctx: &Context, json: bool, release: &str, target: &Target) -> anyhow::Result<ExitCode> {
    let manifest = ctx.manifest()?;
    manifest.release(release)?;
    let repo = ctx.upstream(Some(&manifest))?;
    let memory = longhaul::repo::in_memory(&repo);
    let loader = ctx.loader(Some(&manifest));
    let built = ReleaseTree::build(&memory, &manifest, release, &loader, target)?;
    let report = built.affected(&memory, release, target)?;
    if json {
        ui::print_json(&report);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{release} ({}/{}): {} files changed in {} packages; {} packages affected; {} more packages' tests import them",
        report.goos,
        report.goarch,
        report.files.len(),
        report.changed.len(),
        report.affected.len(),
        report.tests.len()
    );
    for (title, list) in [
        ("changed", &report.changed),
        ("affected (changed and their importers)", &report.affected),
        (
            "tests (only their tests import an affected package)",
            &report.tests,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        println!("\n{title}:");
        for p in list {
            println!("  {p}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn since(ctx: &Context, json: bool, rev: &str) -> anyhow::Result<ExitCode> {
    let now = ctx.manifest()?;
    let revision = Revision::open(&now.path, rev)?;
    let then = revision.manifest(&now)?;
    let touched = changed_since(&then, &now, &|p| revision.changed(p))?;
    // What moved authority rather than data: the upstream, check commands.
    let authority: Vec<String> = longhaul::release::trust::findings_since(&then, &now)
        .into_iter()
        .map(|f| format!("{}:{}: {}", now.path.display(), f.line, f.message))
        .collect();
    if json {
        ui::print_json(
            &serde_json::json!({ "since": rev, "releases": touched, "authority": authority }),
        );
        return Ok(ExitCode::SUCCESS);
    }
    for a in &authority {
        println!("{} {a}", ui::paint("!", ui::Color::Yellow));
    }
    if touched.is_empty() {
        println!("no release uses anything changed since {rev}");
    }
    for t in &touched {
        println!("{}: {}", t.release, t.reasons.join("; "));
    }
    Ok(ExitCode::SUCCESS)
}
