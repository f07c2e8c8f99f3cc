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
