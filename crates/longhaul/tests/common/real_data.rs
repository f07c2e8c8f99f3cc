//! Finding the real data for tests, shared by the library's and the CLI's tests.

use std::path::{Path, PathBuf};

/// The real data (KLTS's manifest and patches, the Kubernetes CVE feed, the
/// OpenVEX and OSV schemas): `LONGHAUL_REAL_DATA`, by default `../shared/data`
/// beside the project. `None`, after saying that the test is skipped and why,
/// when it is absent; when `LONGHAUL_REAL_DATA` is set (as CI sets it) a missing
/// folder fails the test instead, so CI never skips silently.
pub fn real_data(test: &str) -> Option<PathBuf> {
    let (dir, required) = match std::env::var_os("LONGHAUL_REAL_DATA") {
        Some(d) => (PathBuf::from(d), true),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
            false,
        ),
    };
    if dir.join("klts/releases.yml").is_file() {
        return Some(dir);
    }
    assert!(
        !required,
        "{test}: LONGHAUL_REAL_DATA={} has no klts/releases.yml",
        dir.display()
    );
    // Straight to stderr, past the test harness's capture, so that a passing
    // run still says what it skipped.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "skipped: {test}: real data not found at {} (set LONGHAUL_REAL_DATA to the shared data folder)\n",
            dir.display()
        )
        .as_bytes(),
    );
    None
}

/// An external tool the test needs (`go`, `node`): its path when `which` finds
/// it. `None`, after saying that the test is skipped and why, when it is
/// missing; with `LONGHAUL_REQUIRE_TOOLS=1` (as CI sets it) a missing tool fails
/// the test instead.
pub fn tool(test: &str, name: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_some() {
        return found;
    }
    tool_missing(test, &format!("`{name}` not found on PATH"), install)
}

/// A tool the test needs is missing (`what` says how): `None`, after saying
/// that the test is skipped and why; with `LONGHAUL_REQUIRE_TOOLS=1`, a failure.
pub fn tool_missing<T>(test: &str, what: &str, install: &str) -> Option<T> {
    assert!(
        std::env::var_os("LONGHAUL_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
        "{test}: {what} and LONGHAUL_REQUIRE_TOOLS=1 (install it: {install})"
    );
    // Straight to stderr, past the test harness's capture.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("skipped: {test}: {what} (install it: {install})\n").as_bytes(),
    );
    None
}
