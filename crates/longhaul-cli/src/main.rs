//! `longhaul`: the command-line front end. Parsing, output and exit codes live
//! here; every decision is made by the `longhaul` library.

mod commands;
mod context;
mod parse;
mod ui;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Long-term support for Kubernetes releases: verify and build LTS releases
/// from an upstream base plus an ordered patch list.
#[derive(Parser, Debug)]
#[command(name = "longhaul", version, about, long_about = None)]
pub struct Cli {
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
    #[command(subcommand)]
    pub command: Command,
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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List releases with their resolved chains and patch files.
    Releases,
    /// Report manifest problems (exit 1 when any is an error).
    Lint {
        /// Also report what changed since REV (a pull request's base) that
        /// moves authority: `upstream:`, `base:`, `checks:`, tolerated lists.
        #[arg(long, value_name = "REV")]
        since: Option<String>,
    },
    /// Apply releases in memory and report (exit 1 if any fails).
    Verify {
        /// Releases to verify (default: those with `must: true`).
        releases: Vec<String>,
        /// Verify every release.
        #[arg(long, conflicts_with = "releases")]
        all: bool,
        /// Worker threads (default: the number of CPUs).
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Write each release's commits and annotated tag into the upstream repository.
    Build {
        /// Releases to build.
        #[arg(required = true)]
        releases: Vec<String>,
        /// Move an existing tag.
        #[arg(long)]
        force: bool,
        /// Also check the result out into a new linked worktree DIR (one release only).
        #[arg(long, value_name = "DIR")]
        worktree: Option<PathBuf>,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Manage the advisories (the Kubernetes CVE feed) stored in the LTS repository.
    Advisories {
        #[command(subcommand)]
        action: AdvisoriesAction,
    },
    /// Maintainers' statements (statements.yml).
    Statements {
        #[command(subcommand)]
        action: StatementsAction,
    },
    /// CVE x release matrix: which CVE is fixed, by what, and which is still
    /// exposed; one column per line (its newest release), newest first,
    /// fitted to the terminal.
    Coverage {
        /// Releases (columns); default every shipped release (intermediate bases
        /// such as KLTS's `-ci` entries left out).
        releases: Vec<String>,
        /// Show every release, intermediate bases included.
        #[arg(long, conflicts_with = "releases")]
        all: bool,
        /// Print a Markdown table (for a status page or a pull request).
        #[arg(long)]
        markdown: bool,
        /// Per CVE, the releases fixed by each patch, stated, exposed and
        /// not assessed, instead of the matrix of short words.
        #[arg(long, conflicts_with = "markdown")]
        wide: bool,
        /// Also the dependency findings (Go vulnerability database) of the
        /// same releases; reads their trees from the upstream repository.
        #[arg(long)]
        deps: bool,
        #[command(flatten)]
        go: GorootArgs,
    },
    /// What each release ships (Go, the modules of vendor/modules.txt, the
    /// components kubeadm deploys) against the Go vulnerability database:
    /// each finding with its reachability tier and evidence, and the smallest
    /// upgrade that clears them.
    #[command(args_conflicts_with_subcommands = true)]
    Deps {
        /// `deps bump`, `deps remedy`.
        #[command(subcommand)]
        action: Option<commands::deps_bump::DepsAction>,
        /// Releases (default: the `must: true` releases).
        releases: Vec<String>,
        /// Every release of the manifest.
        #[arg(long, conflicts_with = "releases")]
        all: bool,
        #[command(flatten)]
        go: GorootArgs,
    },
    /// Write an OpenVEX 0.2.0 document for a release.
    Vex {
        /// The release.
        release: String,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Document timestamp, RFC 3339 (default: SOURCE_DATE_EPOCH or now).
        #[arg(long)]
        timestamp: Option<String>,
        /// Document author (default: "longhaul").
        #[arg(long)]
        author: Option<String>,
        /// Also name each dependency itself as a product of its
        /// `not_affected` statements, as Trivy and Grype need to match a Go
        /// binary's findings: only for scans of this release's binaries alone
        /// (another program in the same image may embed the same version).
        #[arg(long)]
        package_products: bool,
        #[command(flatten)]
        go: GorootArgs,
    },
    /// Write OSV records that tell scanners which LTS versions are still affected.
    Osv {
        /// Output folder (one file per CVE).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// `modified` time, RFC 3339 (default: SOURCE_DATE_EPOCH or now).
        #[arg(long)]
        timestamp: Option<String>,
    },
    /// Apply patch files onto any commit in memory; print the resulting tree id.
    Apply {
        /// The commit or tag to start from.
        #[arg(long, value_name = "REV")]
        onto: String,
        /// Patch files, applied in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Port upstream commits onto any commit in memory (three-way merge with the
    /// commit's parent, as cherry-pick does, checked by the guard); print the
    /// status and the resulting tree id. Writes nothing.
    Port {
        /// The repository holding the commits (default: the upstream repository).
        #[arg(long, value_name = "REPO")]
        repo: Option<PathBuf>,
        /// The commit or tag to port onto.
        #[arg(long, value_name = "REV")]
        onto: String,
        /// Commits to port, in order (each onto the result of the previous one).
        #[arg(long = "commit", value_name = "SHA", required = true, num_args = 1..)]
        commits: Vec<String>,
    },
    /// Port upstream commits onto the tip of each target release (its whole
    /// chain applied in memory) and report per release; `--write` saves each
    /// successful port as a canonical patch and adds it to the manifest.
    Backport {
        /// Upstream commits, in order.
        #[arg(long = "commit", value_name = "SHA", num_args = 1.., required_unless_present = "patches", conflicts_with = "patches")]
        commits: Vec<String>,
        /// Patch files (`git format-patch` mails) instead of commits; the
        /// `index` lines' blobs, when the upstream repository has them, are
        /// the merge base.
        #[arg(long = "patch", value_name = "FILE", num_args = 1..)]
        patches: Vec<PathBuf>,
        /// Patch name: files are patches/NAME.patch (or NAME.<minor>.patch per line).
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Target releases.
        #[arg(long = "to", value_name = "RELEASE", num_args = 1.., conflicts_with = "maintained")]
        to: Vec<String>,
        /// Target the newest shipped release of every line.
        #[arg(long)]
        maintained: bool,
        /// Write the patches, the manifest entries and review files for conflicts.
        #[arg(long)]
        write: bool,
        /// When only test files (`_test.go`, `testdata/`) conflict, port the
        /// commit without them; the report and the patch's message say so.
        #[arg(long)]
        drop_conflicting_tests: bool,
        /// Build each successful port's affected packages on its line (the
        /// manifest's `typecheck` check, or `go build`): a port that does not
        /// compile there is a conflict with the compiler's message.
        #[arg(long)]
        typecheck: bool,
        /// The `go` command for --typecheck (default: `go` on PATH).
        #[arg(long, value_name = "PATH", requires = "typecheck")]
        go: Option<PathBuf>,
    },
    /// Rewrite patch files in KLTS's canonical form (`git format-patch -N
    /// --abbrev=11 --zero-commit --no-signature` of the commits as built on the
    /// chain of the first release that uses the patch).
    Refresh {
        /// Patch files (default: every local patch file the manifest uses).
        #[arg(value_name = "PATCH")]
        files: Vec<PathBuf>,
        /// Write nothing; exit 1 naming each file that is not canonical.
        #[arg(long)]
        check: bool,
    },
    /// Port a release's whole patch chain onto a newer upstream tag (a line's
    /// new base) in memory: each patch is re-ported, dropped when the new tag
    /// already contains it, or reported as a conflict. Writes nothing.
    Rebase {
        /// The release (or line, such as 1.23: its newest shipped release).
        #[arg(value_name = "LINE")]
        line: String,
        /// The newer upstream tag.
        #[arg(long, value_name = "TAG")]
        onto: String,
    },
    /// Add the next `-lts.N` release entry for each given line (`1.28` or a
    /// release name), stacked on the line's newest release.
    Bump {
        /// Lines or releases.
        #[arg(value_name = "LINE", required = true)]
        lines: Vec<String>,
    },
    /// Run each release's checks (default: build the affected Go packages) on
    /// its tree, written to a temporary folder: passed, failed, tolerated,
    /// flaky or skipped, per check. Results are cached per tree and toolchain.
    Check {
        /// Releases (default: the `must: true` releases).
        #[arg(value_name = "RELEASE")]
        releases: Vec<String>,
        /// Every release of the manifest.
        #[arg(long, conflicts_with = "releases")]
        all: bool,
        /// Only the checks with these names (repeatable).
        #[arg(long = "check", value_name = "NAME")]
        checks: Vec<String>,
        /// The packages the release's patches reach, or every package.
        #[arg(long, value_enum, default_value_t = ScopeArg::Affected)]
        scope: ScopeArg,
        /// The `go` command (default: `go` on PATH).
        #[arg(long, value_name = "PATH")]
        go: Option<PathBuf>,
        /// Also write the results as JUnit XML.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Run everything again, ignoring cached results (and cache the new ones).
        #[arg(long)]
        no_cache: bool,
        /// Say which check commands and tolerated lists changed since REV (a
        /// pull request's base): `checks:` runs code.
        #[arg(long, value_name = "REV")]
        since: Option<String>,
        /// Run the `checks:` map of the manifest at REV (the base branch)
        /// instead of the working tree's, so that a pull request cannot
        /// choose the commands its own gate runs.
        #[arg(long, value_name = "REV")]
        trusted_checks_from: Option<String>,
        /// Check up to N releases at once (each in its own folder; Go itself
        /// already uses every core).
        #[arg(short = 'j', long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        jobs: u16,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// One row per release line: upstream release and end of life, last
    /// upstream patch, LTS end of life, newest LTS release, whether it is
    /// maintained, and its Go with that Go's end of support; contradictions
    /// are flagged. Dates are built in (with sources) and overridable with
    /// the manifest's `lifecycle:`.
    Lifecycle,
    /// Plan the upgrade from an old release to a newer line: control-plane hops
    /// one minor at a time on patched releases, the fewest node upgrades the
    /// version skew policy allows, the CVEs open at every stop, the API
    /// versions removed on the way, and the objects of --manifests they break.
    UpgradePath {
        /// Where the cluster is: a release, a version (1.18.20) or a line (1.18).
        #[arg(value_name = "FROM")]
        from: String,
        /// The target: a line (1.28) or a version (1.28.15).
        #[arg(long, value_name = "TO")]
        to: String,
        /// YAML files or folders of manifests (multi-document, `helm template`
        /// and `kustomize build` output) to check for removed API versions.
        #[arg(long, value_name = "PATH", num_args = 1..)]
        manifests: Vec<PathBuf>,
        #[command(flatten)]
        go: GorootArgs,
    },
    /// Release notes for a release (Markdown; --json for the structure): its
    /// base, every patch of its chain newest release first (commits, authors,
    /// upstream references), the CVEs it fixes, what changed since the
    /// previous release of its line, and the CVEs still open.
    Notes {
        /// The release.
        release: String,
        /// Compare with this release instead of the previous one of the line.
        #[arg(long, value_name = "RELEASE")]
        since: Option<String>,
        #[command(flatten)]
        go: GorootArgs,
    },
    /// Write the static status site (index of lines, a page per release and
    /// CVE, the coverage matrix, JSON twins, OpenVEX, an Atom feed). Works
    /// from any static host and from file://. Embargoed entries are left out.
    Site {
        /// Output folder (replaced as a whole; refused if it holds other files).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Page title (default: "NAME LTS status", NAME from the manifest's
        /// `product:` purl, else the LTS repository's folder).
        #[arg(long)]
        title: Option<String>,
        /// The URL the site is served from, for absolute links in the feed.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Preview the status site on 127.0.0.1, rebuilt when the manifest,
    /// patches, advisories or statements change.
    #[cfg(feature = "serve")]
    Serve {
        /// The port (0: any free one).
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Where to build the site (default: a temporary folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Continuous integration for the LTS repository.
    Ci {
        #[command(subcommand)]
        action: CiAction,
    },
    /// The Go packages a release's patches change, every package that imports
    /// them (transitively), and the packages whose tests import those; read
    /// from the release's tree, without Go. With --since, the releases whose
    /// chain uses a patch file or manifest entry changed since a git revision.
    Affected {
        /// The release.
        #[arg(
            value_name = "RELEASE",
            required_unless_present = "since",
            conflicts_with = "since"
        )]
        release: Option<String>,
        /// List the releases a change to the LTS repository (since REV) can affect.
        #[arg(long, value_name = "REV")]
        since: Option<String>,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Print the shell completion script (e.g. `longhaul completions bash >
    /// /etc/bash_completion.d/longhaul`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page longhaul.1 (roff); with --out, write it and a page
    /// per command into DIR.
    Man {
        /// Folder to write longhaul.1 and longhaul-COMMAND.1 into.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
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

/// The command line as parsed, completed and documented: `vex` always
/// prints JSON, so its help does not offer `--json`.
pub fn command() -> clap::Command {
    // A hidden `--json` of its own stands in for the global one.
    Cli::command().mut_subcommand("vex", |vex| {
        vex.arg(
            clap::Arg::new("json")
                .long("json")
                .action(clap::ArgAction::SetTrue)
                .hide(true),
        )
    })
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
    let mut command = parse::command_for(command(), &args);
    let matches = command.try_get_matches_from_mut(args);
    let cli = matches
        .and_then(|m| Cli::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit());
    // The parser is not needed again, and dropping it costs more than it holds.
    std::mem::forget(command);
    ui::set_color(cli.color);
    match commands::run(&cli) {
        Ok(code) => code,
        Err(e) => {
            let text = ui::error_text(&e);
            if cli.json {
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
