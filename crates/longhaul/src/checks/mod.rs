//! Checks per release: what a release's patches reach in the Go package graph,
//! and (with a Go toolchain) whether it typechecks and its tests pass.
//!
//! - [`build_constraints`]: which files a build for one GOOS/GOARCH sees;
//! - [`go_packages`]: the packages of a tree and their imports, read from the
//!   tree itself, and the packages a change reaches;
//! - [`affected`]: a release's changed and affected packages (`longhaul
//!   affected`), and the releases a change to the LTS repository touches.

pub mod affected;
pub mod build_constraints;
pub mod cache;
pub mod config;
pub mod github_workflow;
pub mod go_output;
pub mod go_packages;
pub mod junit;
pub mod materialize;
pub mod plan;
pub mod run;
pub mod toolchain;
