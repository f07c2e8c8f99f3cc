//! A check's result on one release: its verdict and what decided it. Shared by
//! the runner ([`crate::checks::run`]) and the result cache ([`crate::checks::cache`]).

use crate::checks::config::CheckSpec;
use crate::checks::go_output::PackageFailure;
use serde::{Deserialize, Serialize};

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

impl CheckResult {
    /// A check that did not run, for `reason`.
    pub(crate) fn skipped(spec: &CheckSpec, reason: &str) -> CheckResult {
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
