//! Dependency coverage: what a release ships (the Go toolchain, the modules
//! of `vendor/modules.txt`, the components kubeadm deploys), matched against
//! the Go vulnerability database, with how far each finding can reach the
//! release's binaries and the smallest upgrade that clears it.
//!
//! Lowest first:
//! - [`version`] (Go's version order, [`crate::gomod`]'s), [`module`],
//!   [`range`]: Go versions, modules and OSV ranges as the Go toolchain
//!   compares them;
//! - [`components`], [`ships`]: what a tree ships (`go.mod` and
//!   `vendor/modules.txt` read by [`crate::gomod`]);
//! - [`record`], [`database`], [`import`]: the Go vulnerability database
//!   (its age is a [`crate::security::freshness::FeedAge`], as the
//!   Kubernetes feed's is);
//! - [`stdlib`], [`reach`], [`symbols`]: the binaries' import closures on
//!   every shipped platform, and where vulnerable symbols are named;
//! - [`finding`], [`status`], [`remedy`]: findings with their tiers, their
//!   statuses, and the smallest upgrades that clear them;
//! - [`report`]: the per-tree analysis of releases (cached by tree id);
//! - [`matrix`], [`vex`], [`notes`], [`suggest`], [`stops`], [`lint`]: what
//!   the other outputs take from it.

pub use crate::gomod::version;

pub mod components;
pub mod database;
pub mod finding;
pub mod import;
pub mod lint;
pub mod matrix;
pub mod module;
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
pub mod vex;
