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
    match &cli.command {
        Command::Releases => releases::run(&ctx, cli.json),
        Command::Lint { since } => lint::run(&ctx, cli.json, since.as_deref()),
        Command::Verify {
            releases,
            all,
            jobs,
            apply,
        } => verify::run(&ctx, cli.json, releases, *all, *jobs, apply.options()),
        Command::Build {
            releases,
            force,
            worktree,
            apply,
        } => build::run(
            &ctx,
            cli.json,
            releases,
            *force,
            worktree.as_deref(),
            apply.options(),
        ),
        Command::Apply { onto, files, apply } => {
            apply::run(&ctx, cli.json, onto, files, apply.options())
        }
        Command::Advisories { action } => advisories::run(&ctx, cli.json, action),
        Command::Statements { action } => statements::run(&ctx, cli.json, action),
        Command::Coverage {
            releases,
            all,
            markdown,
            wide,
            deps,
            go,
        } => coverage::run(
            &ctx,
            cli.json,
            &coverage::Request {
                releases,
                all: *all,
                markdown: *markdown,
                wide: *wide,
                deps: deps.then_some(go),
            },
        ),
        Command::Deps {
            action: Some(action),
            ..
        } => deps_bump::run(&ctx, cli.json, action),
        Command::Deps {
            releases, all, go, ..
        } => deps::run(&ctx, cli.json, releases, *all, go),
        Command::Vex {
            release,
            out,
            timestamp,
            author,
            package_products,
            go,
        } => vex::run(
            &ctx,
            release,
            out.as_deref(),
            timestamp.as_deref(),
            author.as_deref(),
            (*package_products, go),
        ),
        Command::Osv { out, timestamp } => osv::run(&ctx, cli.json, out, timestamp.as_deref()),
        Command::Port {
            repo,
            onto,
            commits,
        } => port::run(&ctx, cli.json, repo.as_deref(), onto, commits),
        Command::Backport {
            commits,
            patches,
            name,
            to,
            maintained,
            write,
            drop_conflicting_tests,
            typecheck,
            go,
        } => backport::run(
            &ctx,
            cli.json,
            &backport::Request {
                commits,
                patches,
                name,
                to,
                maintained: *maintained,
                write: *write,
                drop_conflicting_tests: *drop_conflicting_tests,
                typecheck: *typecheck,
                go: go.as_deref(),
            },
        ),
        Command::Refresh { files, check } => refresh::run(&ctx, cli.json, files, *check),
        Command::Bump { lines } => bump::run(&ctx, cli.json, lines),
        Command::Rebase { line, onto } => rebase::run(&ctx, cli.json, line, onto),
        Command::Check {
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
        } => check::run(
            &ctx,
            cli.json,
            &check::Request {
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
            },
        ),
        Command::Lifecycle => lifecycle::run(&ctx, cli.json),
        Command::UpgradePath {
            from,
            to,
            manifests,
            go,
        } => upgrade_path::run(&ctx, cli.json, from, to, manifests, go),
        Command::Notes { release, since, go } => {
            notes::run(&ctx, cli.json, release, since.as_deref(), go)
        }
        Command::Site {
            out,
            title,
            base_url,
        } => site::run(&ctx, cli.json, out, title.as_deref(), base_url.as_deref()),
        #[cfg(feature = "serve")]
        Command::Serve { port, out } => serve::run(&ctx, *port, out.as_deref()),
        Command::Ci { action } => match action {
            crate::CiAction::Github {
                out,
                check,
                install,
                branch,
            } => ci::github(&ctx, cli.json, out.as_deref(), *check, install, branch),
            crate::CiAction::Plan { since } => ci::plan(&ctx, cli.json, since.as_deref()),
        },
        Command::Affected {
            release,
            since,
            target,
        } => match since {
            Some(rev) => affected::since(&ctx, cli.json, rev),
            None => affected::run(
                &ctx,
                cli.json,
                release
                    .as_deref()
                    .expect("clap requires RELEASE without --since"),
                &target.target(),
            ),
        },
        Command::Completions { .. } | Command::Man { .. } => unreachable!("handled above"),
    }
}
