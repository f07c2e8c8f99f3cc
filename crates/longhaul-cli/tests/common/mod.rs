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

#[path = "../../../longhaul/tests/common/real_data.rs"]
mod real_data_impl;
#[allow(unused_imports)] // not every test binary uses it
pub use real_data_impl::real_data;
