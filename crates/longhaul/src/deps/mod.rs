//! Dependency coverage: what a release ships (the Go toolchain, the modules
//! of `vendor/modules.txt`, the components kubeadm deploys), matched against
//! the Go vulnerability database, with how far each finding can reach the
//! release's binaries and the smallest upgrade that clears it.
//!
//! Lowest first:
//! - [`version`], [`module`], [`range`]: Go versions, modules and OSV ranges
//!   as the Go toolchain compares them;
//! - [`modules_txt`], [`go_mod`], [`components`], [`ships`]: what a tree ships;
//! - [`record`], [`database`], [`age`]: the Go vulnerability database;

pub mod age;
pub mod components;
pub mod database;
pub mod finding;
pub mod go_mod;
pub mod import;
pub mod lint;
pub mod matrix;
pub mod module;
pub mod modules_txt;
pub mod notes;
pub mod range;
pub mod reach;
pub mod record;
pub mod remedy;
pub mod report;
pub mod ships;
pub mod status;
pub mod stdlib;
pub mod stops;
pub mod suggest;
pub mod symbols;
pub mod version;
pub mod vex;
