//! longhaul: long-term support for Kubernetes releases after upstream ends them.
//!
//! The crates, each above the one before:
//! - `longhaul-patch`: the engine, an in-memory `git am -3` (re-exported here
//!   as [`patch`], [`apply`] and [`repo`]); it knows no manifest, advisory or CLI;
//! - `longhaul` (this crate): the domain;
//! - `longhaul-cli`: the `longhaul` binary, one module per command (parse, call
//!   one function of this crate, render).
//!
//! The domain, one folder per concern, lowest layer first (nothing below knows
//! about anything above it):
//! - [`gomod`]: the files Go's module system owns (`go.mod`, `go.sum`,
//!   `vendor/modules.txt`), read and edited as text;
//! - [`port`]: porting an upstream commit onto another tree: the ladder of rungs,
//!   the guard against silent wrong backports, `git format-patch` output;
//! - [`release`]: the manifest and its chains, lint, plans, the patch cache, and
//!   the two jobs, verify and build;
//! - [`security`]: advisories (the CVE feed), maintainers' statements, coverage,
//!   and the OpenVEX and OSV outputs;
//! - [`checks`]: the Go packages a release's patches reach, and the checks
//!   (typecheck, tests) run on its tree, with their result cache;
//! - [`deps`]: what a release ships (Go, modules, deployed components) and
//!   its findings against the Go vulnerability database;
//! - [`maintain`]: the workflows that combine a manifest with the engines
//!   (backport: port, typecheck, write the patch and edit the manifest; rebase,
//!   refresh, bump, and the manifest editor they share);
//! - [`lifecycle`]: dates, version skew, API removals and upgrade paths;
//! - [`publish`]: what users read: the published view (embargoes), release
//!   notes, the status site and its feed;
//! - shared plumbing, at the bottom: [`repo`] (the upstream repository),
//!   [`fs`] (bounded reads, atomic writes), [`confine`] (reads and writes that
//!   stay inside the LTS repository, symbolic links included), [`escape`]
//!   (untrusted text in YAML and Markdown), [`download`], [`time`], [`error`],
//!   [`hash`].
//!
//! The engine's own examples (a patch applied to a tree in memory) are in
//! `longhaul-patch`'s crate documentation.
//!
//! Verifying a manifest's releases against an upstream clone is
//! [`release::manifest::Manifest::load`], [`release::plan::plan`] and
//! [`release::verify::verify_all`]; the
//! `longhaul` binary is a thin layer over exactly that.

pub mod checks;
pub mod confine;
pub mod deps;
pub mod download;
pub mod error;
pub mod escape;
pub mod fs;
pub mod gomod;
pub mod hash;
pub mod lifecycle;
pub mod maintain;
pub mod port;
pub mod publish;
pub mod release;
pub mod security;
pub mod time;

pub use error::{Error, Result};

/// The engine, re-exported: [`patch`] (what a patch says), [`apply`] (hunks, the
/// three-way merge, trees patched in memory) and [`repo`] (the repository plumbing
/// they share), from the `longhaul-patch` crate.
pub use longhaul_patch::{apply, patch, repo};

/// The gitoxide version longhaul is built on, for callers that need its types.
pub use gix;
