//! Running the `longhaul` binary in tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `longhaul -C dir --offline ARGS…`, without colours or the user's git config.
pub fn longhaul(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_longhaul"))
        .arg("-C")
        .arg(dir)
        .arg("--offline")
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The real data folder (`LONGHAUL_REAL_DATA`, default `../shared/data`), or
/// `None` after printing why the test is skipped; a set but missing
/// `LONGHAUL_REAL_DATA` fails instead (CI sets it).
pub fn real_data(test: &str) -> Option<std::path::PathBuf> {
    let (dir, required) = match std::env::var_os("LONGHAUL_REAL_DATA") {
        Some(d) => (std::path::PathBuf::from(d), true),
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
