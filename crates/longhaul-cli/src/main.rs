//! `longhaul`: the command-line front end. Parsing, output and exit codes live
//! here; every decision is made by the `longhaul` library.

mod commands;
mod context;
mod parse;
mod ui;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// What `longhaul --help` says first.
pub const ABOUT: &str = "Long-term support for Kubernetes releases: verify and build LTS releases from an upstream base plus an ordered patch list.";

/// The command line: the global options and one command.
#[derive(Parser, Debug)]
#[command(name = "longhaul", version, about = ABOUT, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: commands::Command,
}

/// The options every command takes.
#[derive(clap::Args, Debug)]
pub struct GlobalOptions {
    /// Run as if started in DIR (the LTS repository).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The manifest (default: longhaul.yml or releases.yml in DIR).
    #[arg(long, global = true, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// The upstream git repository (default: the manifest's `upstream:`).
    #[arg(long, global = true, value_name = "REPO", env = "LONGHAUL_UPSTREAM")]
    pub upstream: Option<PathBuf>,
    /// Folder of downloaded URL patch items (default: .longhaul/patch-cache beside the manifest).
    #[arg(long, global = true, value_name = "DIR")]
    pub patch_cache: Option<PathBuf>,
    /// Folder of OSV advisory files (default: advisories/ beside the manifest).
    #[arg(long, global = true, value_name = "DIR")]
    pub advisories: Option<PathBuf>,
    /// Maintainers' statements (default: statements.yml beside the manifest).
    #[arg(long, global = true, value_name = "FILE")]
    pub statements: Option<PathBuf>,
    /// Folder of Go vulnerability database records, read in place (default:
    /// advisories/go-vulndb/, where `advisories import` stores them).
    #[arg(long, global = true, value_name = "DIR")]
    pub go_vulndb: Option<PathBuf>,
    /// Folder of longhaul's own caches, such as check results (default:
    /// $XDG_CACHE_HOME/longhaul or ~/.cache/longhaul); never inside the LTS
    /// repository, where a pull request could write it.
    #[arg(long, global = true, value_name = "DIR", env = "LONGHAUL_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Never download URL patch items; use only the patch cache
    /// (`LONGHAUL_OFFLINE`: 1, true, yes or on; 0, false, no or off).
    #[arg(
        long,
        global = true,
        env = "LONGHAUL_OFFLINE",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub offline: bool,
    /// Print one JSON document instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Colour the output: auto (a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ui::ColorChoice::Auto)]
    pub color: ui::ColorChoice,
}

/// Options shared by the commands that apply patches.
#[derive(clap::Args, Debug, Clone)]
pub struct ApplyArgs {
    /// Allow GNU-patch-style fuzz: ignore up to N context lines at each hunk end.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub fuzz: usize,
    /// Do not fall back to a three-way merge.
    #[arg(long)]
    pub no_3way: bool,
}

impl ApplyArgs {
    fn options(&self) -> longhaul::apply::tree::ApplyOptions {
        longhaul::apply::tree::ApplyOptions {
            fuzz: self.fuzz,
            three_way: !self.no_3way,
        }
    }
}

/// `check --scope`.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum ScopeArg {
    /// The packages the release's patches change and reach.
    Affected,
    /// Every package of the tree.
    All,
}

/// Go installations whose standard library `deps` may read.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GorootArgs {
    /// A Go installation (GOROOT) whose standard library's own imports decide
    /// the closure for releases of its minor (repeatable; default: the Go on PATH).
    #[arg(long, value_name = "DIR")]
    pub goroot: Vec<PathBuf>,
}

/// The platform whose build constraints apply.
#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// GOOS whose files a build sees.
    #[arg(long, default_value = "linux", value_name = "GOOS")]
    pub goos: String,
    /// GOARCH whose files a build sees.
    #[arg(long, default_value = "amd64", value_name = "GOARCH")]
    pub goarch: String,
}

impl TargetArgs {
    fn target(&self) -> longhaul::checks::build_constraints::Target {
        longhaul::checks::build_constraints::Target {
            goos: self.goos.clone(),
            goarch: self.goarch.clone(),
            ..Default::default()
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum CiAction {
    /// Write the GitHub Actions workflow: lint and verify, plan the check
    /// matrix at run time (`ci plan`), then one `check` job per planned
    /// release with the Go it needs.
    Github {
        /// Where to write it (default: .github/workflows/longhaul.yml in the
        /// repository that holds the manifest).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write nothing; exit 1 when the file differs from what would be written.
        #[arg(long)]
        check: bool,
        /// The command that installs longhaul on the runner.
        #[arg(
            long,
            value_name = "CMD",
            default_value = "cargo install --locked longhaul-cli"
        )]
        install: String,
        /// The branch whose pushes check every release.
        #[arg(long, value_name = "BRANCH", default_value = "main")]
        branch: String,
    },
    /// The check matrix the workflow runs, computed now: every maintained
    /// release, or with --since only those a change touches, each with the
    /// Go version its tree names (JSON for `strategy.matrix` with --json).
    Plan {
        /// Only the releases a change since REV (a pull request's base) touches.
        #[arg(long, value_name = "REV")]
        since: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum StatementsAction {
    /// Draft statements (commented-out YAML for statements.yml) for the
    /// `not_assessed` cells of the maintained releases, grouped by CVE and
    /// line, and for their open dependency findings when the Go
    /// vulnerability database is imported.
    Suggest {
        #[command(flatten)]
        go: GorootArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdvisoriesAction {
    /// Import OSV records or the native JSON feed from files, folders or URLs.
    Import {
        /// Files, folders of *.json, or http(s) URLs.
        #[arg(required = true)]
        sources: Vec<String>,
    },
    /// List the stored advisories.
    List,
}

/// The command line as parsed, completed and documented (every command).
pub fn command() -> clap::Command {
    Cli::command().mut_subcommand("vex", vex_json)
}

/// `vex` always prints JSON, so its help does not offer `--json`: a hidden
/// `--json` of its own stands in for the global one.
pub fn vex_json(vex: clap::Command) -> clap::Command {
    vex.arg(
        clap::Arg::new("json")
            .long("json")
            .action(clap::ArgAction::SetTrue)
            .hide(true),
    )
}

fn main() -> ExitCode {
    // A closed pipe (`longhaul releases | head`) ends the process quietly, as
    // for other Unix tools, instead of a panic on the next write.
    #[cfg(unix)]
    // SAFETY: called first, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = parse::command_for(&args);
    let matches = command.try_get_matches_from_mut(args);
    let cli = matches
        .and_then(|m| Cli::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit());
    // The parser is not needed again, and dropping it costs more than it holds.
    std::mem::forget(command);
    ui::set_color(cli.global.color);
    match commands::run(&cli) {
        Ok(code) => code,
        Err(e) => {
            let text = ui::error_text(&e);
            if cli.global.json {
                let doc = serde_json::json!({ "ok": false, "error": text });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&doc).expect("serializable")
                );
            }
            eprintln!("{} {text}", ui::paint_stderr("error:", ui::Color::Red));
            ExitCode::from(2)
        }
    }
}
