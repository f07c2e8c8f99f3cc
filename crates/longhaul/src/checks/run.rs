//! `longhaul check`: build a release in memory, write its tree into a
//! temporary folder, run its checks there, and judge each one: passed,
//! failed, tolerated, flaky (failed, then passed on a retry) or skipped.

use crate::checks::affected::ReleaseTree;
use crate::checks::build_constraints::Target;
use crate::checks::config::{CheckSpec, PackageSet, Tolerated};
use crate::checks::go_output::{self, PackageFailure, Parser};
use crate::checks::toolchain::{self, GoMode, GoNeeded, Toolchain};
use crate::error::{Error, Result};
use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Which packages the checks cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The packages the release's patches reach (see [`crate::checks::affected`]).
    Affected,
    /// Every package (`./...`).
    All,
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It ran and passed on the first attempt.
    Passed,
    /// It did not run, for the reason given.
    Skipped,
    /// It failed, then passed when the failing packages ran again.
    Flaky,
    /// It failed only in packages the release's tolerated list names.
    Tolerated,
    /// It failed in a package that is not tolerated.
    Failed,
}

impl CheckStatus {
    /// The word reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Skipped => "skipped",
            CheckStatus::Flaky => "flaky",
            CheckStatus::Tolerated => "tolerated",
            CheckStatus::Failed => "failed",
        }
    }
}

/// One check's result on one release.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check.
    pub name: String,
    /// The verdict.
    pub status: CheckStatus,
    /// The command as configured (placeholders not expanded).
    pub run: String,
    /// The packages `{packages}` named (`./...` with --scope all).
    pub packages: Vec<String>,
    /// How many times the command ran.
    pub attempts: u32,
    /// Failures that decide a `failed` verdict (from the last attempt).
    pub failures: Vec<PackageFailure>,
    /// Failures the tolerated list covers.
    pub tolerated: Vec<PackageFailure>,
    /// Failures that passed on a retry.
    pub flaky: Vec<PackageFailure>,
    /// Why it was skipped, or what went wrong when no package could be named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time of the runs, in milliseconds (of the original run when cached).
    pub duration_ms: u64,
    /// Whether this result came from the cache (nothing ran).
    #[serde(default)]
    pub cached: bool,
}

/// Every check of one release.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseChecks {
    /// The release.
    pub release: String,
    /// Its tree (base plus chain, built in memory).
    pub tree: String,
    /// The Go version the tree asks for.
    pub go_needed: Option<GoNeeded>,
    /// The Go that ran the checks.
    pub go: String,
    /// Module or GOPATH mode (absent when everything came from the cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<GoMode>,
    /// Warnings: a toolchain other than the release's, tolerated entries that
    /// name no package of the tree.
    pub warnings: Vec<String>,
    /// How many packages the release's patches change and reach.
    pub changed: usize,
    /// See `changed`.
    pub affected: usize,
    /// The checks, in configured order.
    pub checks: Vec<CheckResult>,
    /// No check failed (tolerated, flaky and skipped do not fail a release).
    pub ok: bool,
}

impl ReleaseChecks {
    /// The report of a release whose base tag the upstream repository lacks:
    /// every check skipped, and the release not ok (nothing was checked).
    /// `advice` (how to fetch the missing tags) joins its warning.
    pub fn unverifiable(
        missing: &crate::release::base_tags::MissingBase,
        manifest: &Manifest,
        checks: &[CheckSpec],
        toolchain: &Toolchain,
        advice: Option<&str>,
    ) -> ReleaseChecks {
        let why = format!(
            "base tag {} is not in the upstream repository ({}:{})",
            missing.tag,
            manifest.path.display(),
            missing.line
        );
        ReleaseChecks {
            release: missing.release.clone(),
            tree: String::new(),
            go_needed: None,
            go: toolchain.version.clone(),
            mode: None,
            warnings: vec![match advice {
                Some(a) => format!("unverifiable: {why}; fetch the missing tags with `{a}`"),
                None => format!("unverifiable: {why}"),
            }],
            changed: 0,
            affected: 0,
            checks: checks
                .iter()
                .map(|c| CheckResult::skipped(c, &why))
                .collect(),
            ok: false,
        }
    }
}

/// What every release's checks share.
pub struct Checker<'a> {
    /// The upstream repository, in memory (see [`crate::repo::in_memory`]).
    pub repo: &'a gix::Repository,
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Its patches.
    pub loader: &'a PatchLoader,
    /// The platform.
    pub target: Target,
    /// The Go that runs the checks.
    pub toolchain: Toolchain,
    /// Which packages.
    pub scope: Scope,
    /// The cache folder (`None`: no cache); see [`crate::checks::cache`]:
    /// never a folder a pull request can write.
    pub cache_dir: Option<PathBuf>,
    /// Told what is happening (`"v1.0.3-lts.1: unit (attempt 2)"`).
    pub progress: &'a (dyn Fn(&str) + Sync),
}

impl Checker<'_> {
    /// Run `checks` on `release`.
    pub fn check_release(&self, release: &str, checks: &[CheckSpec]) -> Result<ReleaseChecks> {
        (self.progress)(&format!("{release}: building in memory"));
        let built =
            ReleaseTree::build(self.repo, self.manifest, release, self.loader, &self.target)?;
        let lists = [
            (
                Tolerated::TestFailuresTolerated,
                self.tolerated(release, Tolerated::TestFailuresTolerated)?,
            ),
            (
                Tolerated::TestIntegrationFailuresTolerated,
                self.tolerated(release, Tolerated::TestIntegrationFailuresTolerated)?,
            ),
        ];
        let mut report = self.check_tree(release, &built, &lists, checks)?;
        // Tolerated entries that name no package: a typo, or a package the line
        // no longer has. Named with the manifest line of the release that lists it.
        for r in self.manifest.chain(release)? {
            for (field, entries) in [
                ("test_failures_tolerated", &r.test_failures_tolerated),
                (
                    "test_integration_failures_tolerated",
                    &r.test_integration_failures_tolerated,
                ),
            ] {
                for e in entries {
                    if !built
                        .graph
                        .packages
                        .contains_key(built.graph.module_mode_name(e))
                    {
                        report.warnings.push(format!(
                            "{}:{}: {field} of release {} names `{e}`, which is no package of {release}'s tree",
                            self.manifest.path.display(),
                            r.line,
                            r.name
                        ));
                    }
                }
            }
        }
        Ok(report)
    }

    /// Run `checks` on `built.tree`, for the packages its change from
    /// `built.base` reaches; `release` names it in reports, `tolerated_lists`
    /// gives each tolerated list's entries.
    pub fn check_tree(
        &self,
        release: &str,
        built: &ReleaseTree,
        tolerated_lists: &[(Tolerated, Vec<String>)],
        checks: &[CheckSpec],
    ) -> Result<ReleaseChecks> {
        let affected = built.affected(self.repo, release, &self.target)?;
        let go_needed = toolchain::needed(self.repo, built.tree)?;
        let warnings: Vec<String> = go_needed
            .as_ref()
            .and_then(|n| self.toolchain.mismatch(n))
            .into_iter()
            .collect();
        let module = built.graph.module.clone();
        let normalize = |p: &str| built.graph.module_mode_name(p).to_string();
        let tested: Vec<String> = {
            let mut s: BTreeSet<String> = affected.affected.iter().cloned().collect();
            s.extend(affected.tests.iter().cloned());
            s.into_iter().collect()
        };
        let mut workspace: Option<Workspace> = None;
        // A cache that cannot be opened (no home folder, a read-only disk) only
        // costs a run.
        let cache = self
            .cache_dir
            .as_deref()
            .and_then(|d| crate::checks::cache::CheckCache::open(d).ok());
        let mut results = Vec::new();
        for spec in checks {
            let packages: Vec<String> = match (self.scope, spec.packages) {
                (Scope::All, _) => vec!["./...".into()],
                (Scope::Affected, PackageSet::Affected) => affected.affected.clone(),
                (Scope::Affected, PackageSet::Tested) => tested.clone(),
            };
            let tolerated: Vec<String> = spec
                .tolerated
                .and_then(|list| tolerated_lists.iter().find(|(l, _)| *l == list))
                .map(|(_, entries)| entries.clone())
                .unwrap_or_default();
            if packages.is_empty() {
                results.push(CheckResult::skipped(
                    spec,
                    "no Go package of the tree is affected by the release's patches",
                ));
                continue;
            }
            let key = cache_key(
                &built.tree.to_string(),
                spec,
                &packages,
                &self.toolchain,
                &self.target,
                &tolerated,
            );
            if let Some(mut hit) = cache.as_ref().and_then(|c| c.read(&key)) {
                hit.cached = true;
                results.push(hit);
                continue;
            }
            if workspace.is_none() {
                (self.progress)(&format!("{release}: writing the tree"));
                workspace = Some(Workspace::create(
                    self.repo,
                    built.tree,
                    module.as_deref(),
                    &self.toolchain,
                )?);
            }
            let ws = workspace.as_ref().expect("created above");
            let names = |ps: &[String]| -> Vec<String> {
                match &ws.mode {
                    GoMode::Module { .. } => ps.to_vec(),
                    GoMode::Gopath { .. } => ps
                        .iter()
                        .map(|p| match built.graph.packages.get(p) {
                            Some(pkg) if p != "./..." => format!("./{}", pkg.folder)
                                .trim_end_matches('/')
                                .to_string(),
                            _ => p.clone(),
                        })
                        .collect(),
                }
            };
            let result = match self.setup(release, spec, ws)? {
                Some(failed) => failed,
                None => {
                    self.run_check(release, spec, &packages, &names, &tolerated, ws, &normalize)?
                }
            };
            // A failure is not cached: the next run looks again (after a fix to
            // the environment, say); passed, tolerated and flaky results are.
            if let Some(c) = &cache
                && result.status != CheckStatus::Failed
            {
                c.write(&key, &result);
            }
            results.push(result);
        }
        let ok = results.iter().all(|r| r.status != CheckStatus::Failed);
        Ok(ReleaseChecks {
            release: release.to_string(),
            tree: built.tree.to_string(),
            go_needed,
            go: self.toolchain.version.clone(),
            mode: workspace.map(|w| w.mode),
            warnings,
            changed: affected.changed.len(),
            affected: affected.affected.len(),
            checks: results,
            ok,
        })
    }

    /// Run `spec`'s setup command in the workspace, once per workspace: `None`
    /// when there is none or it succeeded, else the check's failed result.
    fn setup(
        &self,
        release: &str,
        spec: &CheckSpec,
        ws: &Workspace,
    ) -> Result<Option<CheckResult>> {
        let Some(setup) = &spec.setup else {
            return Ok(None);
        };
        let known = ws
            .setups
            .borrow()
            .iter()
            .find(|(s, _)| s == setup)
            .map(|(_, r)| r.clone());
        let outcome = match known {
            Some(outcome) => outcome,
            None => {
                (self.progress)(&format!("{release}: {} (setup: {setup})", spec.name));
                let start = Instant::now();
                let (success, output) = ws.run(&spec.setup_command(release), &self.target)?;
                let outcome = SetupRun {
                    success,
                    tail: last_lines(&output, 12),
                    ms: start.elapsed().as_millis() as u64,
                };
                ws.setups
                    .borrow_mut()
                    .push((setup.clone(), outcome.clone()));
                outcome
            }
        };
        let SetupRun { success, tail, ms } = outcome;
        if success {
            return Ok(None);
        }
        let mut result = CheckResult::skipped(spec, "");
        result.status = CheckStatus::Failed;
        result.reason = Some(format!("setup `{setup}` failed, so the check did not run"));
        result.failures = vec![PackageFailure {
            package: String::new(),
            tests: Vec::new(),
            message: tail,
        }];
        result.duration_ms = ms;
        Ok(Some(result))
    }

    /// The tolerated list of `release`: the entries of every release of its
    /// chain, as KLTS's CI inherits them.
    fn tolerated(&self, release: &str, list: Tolerated) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for r in self.manifest.chain(release)? {
            let entries = match list {
                Tolerated::TestFailuresTolerated => &r.test_failures_tolerated,
                Tolerated::TestIntegrationFailuresTolerated => {
                    &r.test_integration_failures_tolerated
                }
            };
            for e in entries {
                if !out.contains(e) {
                    out.push(e.clone());
                }
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn run_check(
        &self,
        release: &str,
        spec: &CheckSpec,
        packages: &[String],
        names: &dyn Fn(&[String]) -> Vec<String>,
        tolerated: &[String],
        ws: &Workspace,
        normalize: &dyn Fn(&str) -> String,
    ) -> Result<CheckResult> {
        let start = Instant::now();
        let tolerated: BTreeSet<String> = tolerated.iter().map(|t| normalize(t)).collect();
        let mut run_on: Vec<String> = packages.to_vec();
        let mut earlier: Vec<PackageFailure> = Vec::new();
        let mut tolerated_seen: Vec<PackageFailure> = Vec::new();
        let mut attempts = 0;
        loop {
            attempts += 1;
            (self.progress)(&if attempts == 1 {
                format!("{release}: {}", spec.name)
            } else {
                format!(
                    "{release}: {} (attempt {attempts}, {} packages)",
                    spec.name,
                    run_on.len()
                )
            });
            let command = spec.command(&names(&run_on), release);
            let (success, output) = ws.run(&command, &self.target)?;
            let mut result = CheckResult {
                name: spec.name.clone(),
                status: CheckStatus::Passed,
                run: spec.run.clone(),
                packages: packages.to_vec(),
                attempts,
                failures: Vec::new(),
                tolerated: Vec::new(),
                flaky: Vec::new(),
                reason: None,
                duration_ms: 0,
                cached: false,
            };
            if success {
                if !earlier.is_empty() {
                    result.status = CheckStatus::Flaky;
                    result.flaky = earlier;
                }
                // Tolerated failures of an earlier attempt still count: the
                // retry ran only the other packages.
                if !tolerated_seen.is_empty() {
                    result.status = CheckStatus::Tolerated;
                    result.tolerated = tolerated_seen;
                }
                result.duration_ms = start.elapsed().as_millis() as u64;
                return Ok(result);
            }
            let mut failures = go_output::parse(spec.parser, &output).failures;
            if failures.is_empty() {
                // Nothing to name: the whole command failed.
                failures.push(PackageFailure {
                    package: String::new(),
                    tests: Vec::new(),
                    message: last_lines(&output, 12),
                });
                if spec.parser != Parser::ExitCode {
                    result.reason = Some(format!(
                        "`{}` failed and its output names no failing package",
                        command.first().map(String::as_str).unwrap_or_default()
                    ));
                }
            }
            let (ok_to_fail, blocking): (Vec<_>, Vec<_>) = failures
                .into_iter()
                .partition(|f| !f.package.is_empty() && tolerated.contains(&normalize(&f.package)));
            for f in ok_to_fail {
                if !tolerated_seen.contains(&f) {
                    tolerated_seen.push(f);
                }
            }
            result.tolerated = tolerated_seen.clone();
            if blocking.is_empty() {
                result.status = CheckStatus::Tolerated;
                result.flaky = earlier;
                result.duration_ms = start.elapsed().as_millis() as u64;
                return Ok(result);
            }
            if attempts > spec.retries {
                result.status = CheckStatus::Failed;
                result.failures = blocking;
                result.duration_ms = start.elapsed().as_millis() as u64;
                return Ok(result);
            }
            // Retry only the failing packages, when each is one we named.
            let failing: Vec<String> = blocking.iter().map(|f| normalize(&f.package)).collect();
            if packages.iter().any(|p| p == "./...")
                || failing.iter().any(|f| !packages.contains(f))
            {
                run_on = packages.to_vec();
            } else {
                run_on = failing;
            }
            earlier = blocking;
        }
    }
}

impl CheckResult {
    fn skipped(spec: &CheckSpec, reason: &str) -> CheckResult {
        CheckResult {
            name: spec.name.clone(),
            status: CheckStatus::Skipped,
            run: spec.run.clone(),
            packages: Vec::new(),
            attempts: 0,
            failures: Vec::new(),
            tolerated: Vec::new(),
            flaky: Vec::new(),
            reason: Some(reason.to_string()),
            duration_ms: 0,
            cached: false,
        }
    }
}

/// How a setup command went: success, its last lines, milliseconds.
#[derive(Clone)]
struct SetupRun {
    success: bool,
    tail: String,
    ms: u64,
}

/// A release's tree written out, and how `go` runs there.
struct Workspace {
    _tmp: tempfile::TempDir,
    /// Setup commands run here, and how each went.
    setups: std::cell::RefCell<Vec<(String, SetupRun)>>,
    gopath: PathBuf,
    dir: PathBuf,
    mode: GoMode,
    go: Toolchain,
}

impl Workspace {
    fn create(
        repo: &gix::Repository,
        tree: gix::ObjectId,
        module: Option<&str>,
        go: &Toolchain,
    ) -> Result<Workspace> {
        let tmp = tempfile::Builder::new()
            .prefix("longhaul-check-")
            .tempdir()
            .map_err(|e| Error::Input(format!("cannot create a temporary folder: {e}")))?;
        let gopath = tmp.path().join("gopath");
        // Under GOPATH/src/<module path>, so that GOPATH mode works as it is.
        let dir = gopath.join("src").join(module.unwrap_or("tree"));
        crate::checks::materialize::write_tree(repo, tree, &dir)?;
        let mode = GoMode::detect(&dir, go, module).map_err(Error::Input)?;
        Ok(Workspace {
            _tmp: tmp,
            setups: Default::default(),
            gopath,
            dir,
            mode,
            go: go.clone(),
        })
    }

    /// Run `command` in the tree; its exit status and its output (stdout and
    /// stderr interleaved, as a terminal shows them).
    fn run(&self, command: &[String], target: &Target) -> Result<(bool, String)> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| Error::Input("empty command".into()))?;
        let program = if program == "go" {
            self.go.path.display().to_string()
        } else {
            program.clone()
        };
        let (mut reader, writer) =
            std::io::pipe().map_err(|e| Error::Input(format!("cannot make a pipe: {e}")))?;
        let mut cmd = Command::new(&program);
        cmd.args(args)
            .current_dir(&self.dir)
            .env("GOOS", &target.goos)
            .env("GOARCH", &target.goarch)
            .env("CGO_ENABLED", if target.cgo { "1" } else { "0" })
            .stdin(std::process::Stdio::null())
            .stdout(
                writer
                    .try_clone()
                    .map_err(|e| Error::Input(e.to_string()))?,
            )
            .stderr(writer);
        for (k, v) in self.mode.env(&self.gopath) {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::Input(format!("cannot run `{program}`: {e}")))?;
        drop(cmd);
        let mut output = Vec::new();
        reader
            .read_to_end(&mut output)
            .map_err(|e| Error::Input(format!("reading `{program}`'s output: {e}")))?;
        let status = child
            .wait()
            .map_err(|e| Error::Input(format!("waiting for `{program}`: {e}")))?;
        Ok((
            status.success(),
            String::from_utf8_lossy(&output).into_owned(),
        ))
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The cache key: everything the result depends on, as text (the cache
/// authenticates it with its secret key).
fn cache_key(
    tree: &str,
    spec: &CheckSpec,
    packages: &[String],
    go: &Toolchain,
    target: &Target,
    tolerated: &[String],
) -> String {
    format!(
        "longhaul check v2\0{tree}\0{}\0{}\0{:?}\0{:?}\0{}\0{}\0{}/{}/{}\0{}\0{}",
        spec.name,
        spec.run,
        spec.setup,
        spec.parser,
        spec.retries,
        go.version,
        target.goos,
        target.goarch,
        target.cgo,
        packages.join(" "),
        tolerated.join(" "),
    )
}
