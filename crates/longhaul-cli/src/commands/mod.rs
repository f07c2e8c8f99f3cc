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

use crate::context::Context;
use crate::{Cli, Command};
use std::process::ExitCode;

/// Run the command; `Err` is an input error (exit 2).
pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    // The conventions need no LTS repository.
    match &cli.command {
        Command::Completions { shell } => return completions::completions(*shell),
        Command::Man { out } => return completions::man(out.as_deref()),
        _ => {}
    }
    let ctx = Context::new(cli)?;
    let json = cli.json;
    match &cli.command {
        Command::Releases => releases::run(&ctx, json),
        Command::Lint { since } => lint::run(&ctx, json, since.as_deref()),
        Command::Verify { .. } => run_verify(&ctx, cli),
        Command::Build { .. } => run_build(&ctx, cli),
        Command::Apply { onto, files, apply } => {
            apply::run(&ctx, json, onto, files, apply.options())
        }
        Command::Advisories { action } => advisories::run(&ctx, json, action),
        Command::Statements { action } => statements::run(&ctx, json, action),
        Command::Coverage { .. } => run_coverage(&ctx, cli),
        Command::Deps {
            action: Some(action),
            ..
        } => deps_bump::run(&ctx, json, action),
        Command::Deps {
            releases, all, go, ..
        } => deps::run(&ctx, json, releases, *all, go),
        Command::Vex { .. } => run_vex(&ctx, cli),
        Command::Osv { out, timestamp } => osv::run(&ctx, json, out, timestamp.as_deref()),
        Command::Port {
            repo,
            onto,
            commits,
        } => port::run(&ctx, json, repo.as_deref(), onto, commits),
        Command::Backport { .. } => run_backport(&ctx, cli),
        Command::Refresh { files, check } => refresh::run(&ctx, json, files, *check),
        Command::Bump { lines } => bump::run(&ctx, json, lines),
        Command::Rebase { line, onto } => rebase::run(&ctx, json, line, onto),
        Command::Check { .. } => run_check(&ctx, cli),
        Command::Lifecycle => lifecycle::run(&ctx, json),
        Command::UpgradePath {
            from,
            to,
            manifests,
            go,
        } => upgrade_path::run(&ctx, json, from, to, manifests, go),
        Command::Notes { release, since, go } => {
            notes::run(&ctx, json, release, since.as_deref(), go)
        }
        Command::Site {
            out,
            title,
            base_url,
        } => site::run(&ctx, json, out, title.as_deref(), base_url.as_deref()),
        #[cfg(feature = "serve")]
        Command::Serve { port, out } => serve::run(&ctx, *port, out.as_deref()),
        Command::Ci { action } => run_ci(&ctx, json, action),
        Command::Affected { .. } => run_affected(&ctx, cli),
        Command::Completions { .. } | Command::Man { .. } => unreachable!("handled above"),
    }
}

fn run_verify(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Verify {
        releases,
        all,
        jobs,
        apply,
    } = &cli.command
    else {
        unreachable!("called for verify")
    };
    verify::run(ctx, cli.json, releases, *all, *jobs, apply.options())
}

fn run_build(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Build {
        releases,
        force,
        worktree,
        apply,
    } = &cli.command
    else {
        unreachable!("called for build")
    };
    build::run(
        ctx,
        cli.json,
        releases,
        *force,
        worktree.as_deref(),
        apply.options(),
    )
}

fn run_coverage(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Coverage {
        releases,
        all,
        markdown,
        wide,
        deps,
        go,
    } = &cli.command
    else {
        unreachable!("called for coverage")
    };
    let request = coverage::Request {
        releases,
        all: *all,
        markdown: *markdown,
        wide: *wide,
        deps: deps.then_some(go),
    };
    coverage::run(ctx, cli.json, &request)
}

fn run_vex(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Vex {
        release,
        out,
        timestamp,
        author,
        package_products,
        go,
    } = &cli.command
    else {
        unreachable!("called for vex")
    };
    vex::run(
        ctx,
        release,
        out.as_deref(),
        timestamp.as_deref(),
        author.as_deref(),
        (*package_products, go),
    )
}

fn run_backport(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Backport {
        commits,
        patches,
        name,
        to,
        maintained,
        write,
        drop_conflicting_tests,
        typecheck,
        go,
    } = &cli.command
    else {
        unreachable!("called for backport")
    };
    let request = backport::Request {
        commits,
        patches,
        name,
        to,
        maintained: *maintained,
        write: *write,
        drop_conflicting_tests: *drop_conflicting_tests,
        typecheck: *typecheck,
        go: go.as_deref(),
    };
    backport::run(ctx, cli.json, &request)
}

fn run_check(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Check {
        releases,
        all,
        checks,
        scope,
        go,
        junit,
        no_cache,
        since,
        trusted_checks_from,
        jobs,
        target,
    } = &cli.command
    else {
        unreachable!("called for check")
    };
    let request = check::Request {
        releases,
        all: *all,
        checks,
        scope: match scope {
            crate::ScopeArg::Affected => longhaul::checks::run::Scope::Affected,
            crate::ScopeArg::All => longhaul::checks::run::Scope::All,
        },
        go: go.as_deref(),
        junit: junit.as_deref(),
        no_cache: *no_cache,
        since: since.as_deref(),
        trusted_checks_from: trusted_checks_from.as_deref(),
        jobs: usize::from(*jobs),
        target: target.target(),
    };
    check::run(ctx, cli.json, &request)
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

fn run_affected(ctx: &Context, cli: &Cli) -> anyhow::Result<ExitCode> {
    let Command::Affected {
        release,
        since,
        target,
    } = &cli.command
    else {
        unreachable!("called for affected")
    };
    match since {
        Some(rev) => affected::since(ctx, cli.json, rev),
        None => affected::run(
            ctx,
            cli.json,
            release
                .as_deref()
                .expect("clap requires RELEASE without --since"),
            &target.target(),
        ),
    }
}
