//! One module per command.

mod advisories;
mod affected;
mod apply;
mod backport;
mod build;
mod bump;
mod check;
mod ci;
mod completions;
mod coverage;
mod deps;
pub mod deps_bump;
mod lifecycle;
mod lint;
mod notes;
mod osv;
mod port;
mod rebase;
mod refresh;
mod releases;
#[cfg(feature = "serve")]
mod serve;
mod site;
mod statements;
mod upgrade_path;
mod verify;
mod vex;

use crate::Cli;
use crate::context::Context;
use clap::Args as _;
use std::process::ExitCode;

/// Every command, each with its module's arguments (their doc comment is
/// the command's about text).
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    Releases(releases::Args),
    Lint(lint::Args),
    Verify(verify::Args),
    Build(build::Args),
    Advisories(advisories::Args),
    Statements(statements::Args),
    Coverage(coverage::Args),
    Deps(deps::Args),
    Vex(vex::Args),
    Osv(osv::Args),
    Apply(apply::Args),
    Port(port::Args),
    Backport(backport::Args),
    Refresh(refresh::Args),
    Rebase(rebase::Args),
    Bump(bump::Args),
    Check(check::Args),
    Lifecycle(lifecycle::Args),
    UpgradePath(upgrade_path::Args),
    Notes(notes::Args),
    Site(site::Args),
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    Ci(ci::Args),
    Affected(affected::Args),
    Completions(completions::Args),
    Man(completions::ManArgs),
}

/// What adds a command's arguments to its (empty) `clap::Command`.
type Augment = fn(clap::Command) -> clap::Command;

/// Each command's name and the builder of its arguments, in [`Command`]'s
/// order: what builds one command alone (see `crate::parse`).
const COMMANDS: &[(&str, Augment)] = &[
    ("releases", releases::Args::augment_args),
    ("lint", lint::Args::augment_args),
    ("verify", verify::Args::augment_args),
    ("build", build::Args::augment_args),
    ("advisories", advisories::Args::augment_args),
    ("statements", statements::Args::augment_args),
    ("coverage", coverage::Args::augment_args),
    ("deps", deps::Args::augment_args),
    ("vex", vex::Args::augment_args),
    ("osv", osv::Args::augment_args),
    ("apply", apply::Args::augment_args),
    ("port", port::Args::augment_args),
    ("backport", backport::Args::augment_args),
    ("refresh", refresh::Args::augment_args),
    ("rebase", rebase::Args::augment_args),
    ("bump", bump::Args::augment_args),
    ("check", check::Args::augment_args),
    ("lifecycle", lifecycle::Args::augment_args),
    ("upgrade-path", upgrade_path::Args::augment_args),
    ("notes", notes::Args::augment_args),
    ("site", site::Args::augment_args),
    #[cfg(feature = "serve")]
    ("serve", serve::Args::augment_args),
    ("ci", ci::Args::augment_args),
    ("affected", affected::Args::augment_args),
    ("completions", completions::Args::augment_args),
    ("man", completions::ManArgs::augment_args),
];

/// The command named `name` alone, built as [`Command`] builds it among all
/// the others; `None` for a name that is no command.
pub fn one(name: &str) -> Option<clap::Command> {
    let (name, augment) = COMMANDS.iter().find(|(n, _)| *n == name)?;
    Some(augment(clap::Command::new(*name)))
}

/// The names of [`COMMANDS`], for the test that they are [`Command`]'s.
#[cfg(test)]
pub fn names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|(n, _)| *n)
}

/// Run the command; `Err` is an input error (exit 2).
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    // The conventions need no LTS repository.
    match &cli.command {
        Command::Completions(a) => return completions::completions(a.shell),
        Command::Man(a) => return completions::man(a.out.as_deref()),
        _ => {}
    }
    let ctx = Context::new(&cli.global)?;
    let json = cli.global.json;
    match &cli.command {
        Command::Releases(_) => releases::run(&ctx, json),
        Command::Lint(a) => lint::run(&ctx, json, a.since.as_deref()),
        Command::Verify(a) => {
            verify::run(&ctx, json, &a.releases, a.all, a.jobs, a.apply.options())
        }
        Command::Build(a) => build::run(
            &ctx,
            json,
            &a.releases,
            a.force,
            a.worktree.as_deref(),
            a.apply.options(),
        ),
        Command::Apply(a) => apply::run(&ctx, json, &a.onto, &a.files, a.apply.options()),
        Command::Advisories(a) => advisories::run(&ctx, json, &a.action),
        Command::Statements(a) => statements::run(&ctx, json, &a.action),
        Command::Coverage(a) => run_coverage(&ctx, json, a),
        Command::Deps(deps::Args {
            action: Some(action),
            ..
        }) => deps_bump::run(&ctx, json, action),
        Command::Deps(a) => deps::run(&ctx, json, &a.releases, a.all, &a.go),
        Command::Vex(a) => vex::run(
            &ctx,
            &a.release,
            a.out.as_deref(),
            a.timestamp.as_deref(),
            a.author.as_deref(),
            (a.package_products, &a.go),
        ),
        Command::Osv(a) => osv::run(&ctx, json, &a.out, a.timestamp.as_deref()),
        Command::Port(a) => port::run(&ctx, json, a),
        Command::Backport(a) => run_backport(&ctx, json, a),
        Command::Refresh(a) => refresh::run(&ctx, json, &a.files, a.check),
        Command::Bump(a) => bump::run(&ctx, json, &a.lines),
        Command::Rebase(a) => rebase::run(&ctx, json, &a.line, &a.onto),
        Command::Check(a) => run_check(&ctx, json, a),
        Command::Lifecycle(_) => lifecycle::run(&ctx, json),
        Command::UpgradePath(a) => {
            upgrade_path::run(&ctx, json, &a.from, &a.to, &a.manifests, &a.go)
        }
        Command::Notes(a) => notes::run(&ctx, json, &a.release, a.since.as_deref(), &a.go),
        Command::Site(a) => site::run(
            &ctx,
            json,
            &a.out,
            a.title.as_deref(),
            a.base_url.as_deref(),
        ),
        #[cfg(feature = "serve")]
        Command::Serve(a) => serve::run(&ctx, a.port, a.out.as_deref()),
        Command::Ci(a) => run_ci(&ctx, json, &a.action),
        Command::Affected(a) => run_affected(&ctx, json, a),
        Command::Completions(_) | Command::Man(_) => unreachable!("handled above"),
    }
}

fn run_coverage(ctx: &Context, json: bool, a: &coverage::Args) -> anyhow::Result<ExitCode> {
    let request = coverage::Request {
        releases: &a.releases,
        all: a.all,
        markdown: a.markdown,
        wide: a.wide,
        deps: a.deps.then_some(&a.go),
    };
    coverage::run(ctx, json, &request)
}

fn run_backport(ctx: &Context, json: bool, a: &backport::Args) -> anyhow::Result<ExitCode> {
    let request = backport::Request {
        commits: &a.commits,
        patches: &a.patches,
        name: &a.name,
        to: &a.to,
        maintained: a.maintained,
        write: a.write,
        drop_conflicting_tests: a.drop_conflicting_tests,
        typecheck: a.typecheck,
        go: a.go.as_deref(),
    };
    backport::run(ctx, json, &request)
}

fn run_check(ctx: &Context, json: bool, a: &check::Args) -> anyhow::Result<ExitCode> {
    let request = check::Request {
        releases: &a.releases,
        all: a.all,
        checks: &a.checks,
        scope: match a.scope {
            crate::ScopeArg::Affected => longhaul::checks::run::Scope::Affected,
            crate::ScopeArg::All => longhaul::checks::run::Scope::All,
        },
        go: a.go.as_deref(),
        junit: a.junit.as_deref(),
        no_cache: a.no_cache,
        since: a.since.as_deref(),
        trusted_checks_from: a.trusted_checks_from.as_deref(),
        jobs: usize::from(a.jobs),
        target: a.target.target(),
    };
    check::run(ctx, json, &request)
}

fn run_ci(ctx: &Context, json: bool, action: &crate::CiAction) -> anyhow::Result<ExitCode> {
    match action {
        crate::CiAction::Github {
            out,
            check,
            install,
            branch,
        } => ci::github(ctx, json, out.as_deref(), *check, install, branch),
        crate::CiAction::Plan { since } => ci::plan(ctx, json, since.as_deref()),
    }
}

fn run_affected(ctx: &Context, json: bool, a: &affected::Args) -> anyhow::Result<ExitCode> {
    match &a.since {
        Some(rev) => affected::since(ctx, json, rev),
        None => affected::run(
            ctx,
            json,
            a.release
                .as_deref()
                .expect("clap requires RELEASE without --since"),
            &a.target.target(),
        ),
    }
}
