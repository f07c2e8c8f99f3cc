//! longhaul: long-term support for Kubernetes releases after upstream ends them.
//!
//! The domain, one folder per concern, lowest layer first (nothing below knows
//! about anything above it):
//! - [`patch`]: what a patch says: `git format-patch` mboxes and unified diffs,
//!   paths as git keeps them; no repository;
//! - [`apply`]: applying patches: placing hunks in one file like `git apply`
//!   ([`apply::hunks`]), the three-way content merge ([`apply::merge3`]), and a git
//!   tree patched in memory ([`apply::tree`]);
//! - [`release`]: the manifest and its chains, lint, plans, the patch cache, and
//!   the two jobs, verify and build;
//! - [`security`]: advisories (the CVE feed), maintainers' statements, coverage,
//!   and the OpenVEX and OSV outputs;
//! - [`checks`]: the Go packages a release's patches reach, and the checks
//!   (typecheck, tests) run on its tree;
//! - [`deps`]: what a release ships (Go, modules, deployed components) and
//!   its findings against the Go vulnerability database;
//! - shared plumbing: [`repo`] (the upstream repository), [`fs`] (bounded reads,
//!   atomic writes), [`download`], [`time`], [`error`].
//!
//! Parsing a patch and placing its hunks, without any repository:
//!
//! ```
//! let patch = longhaul::patch::parse(
//!     b"--- a/notes.txt\n+++ b/notes.txt\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n",
//! )?;
//! let file = &patch.commits[0].files[0];
//! assert_eq!(file.path(), "notes.txt");
//!
//! // One extra line above the context: git applies this at an offset, and so do we.
//! let applied = longhaul::apply::hunks::apply_hunks(b"new\na\nb\nc\nd\ne\nf\n", &file.hunks, 0).unwrap();
//! assert_eq!(applied.content, b"new\na\nb\nc\nD\ne\nf\n");
//! assert_eq!(applied.placements, [longhaul::apply::hunks::Placement::Offset(1)]);
//!
//! // A hunk that starts at line 1 must match at the top of the file, as in git.
//! let top = longhaul::patch::parse(b"--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n")?;
//! assert!(longhaul::apply::hunks::apply_hunks(b"x\na\nb\n", &top.commits[0].files[0].hunks, 0).is_err());
//! # Ok::<(), longhaul::patch::ParseError>(())
//! ```
//!
//! Verifying a manifest's releases against an upstream clone is
//! [`release::manifest::Manifest::load`], [`release::plan::plan`] and
//! [`release::verify::verify_all`]; the
//! `longhaul` binary is a thin layer over exactly that.

pub mod apply;
pub mod checks;
pub mod deps;
pub mod download;
pub mod error;
pub mod fs;
pub mod lifecycle;
pub mod patch;
pub mod port;
pub mod publish;
pub mod release;
pub mod repo;
pub mod security;
pub mod time;

pub use error::{Error, Result};

/// The gitoxide version longhaul is built on, for callers that need its types.
pub use gix;
