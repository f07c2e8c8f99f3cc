//! longhaul: long-term support for Kubernetes releases after upstream ends them.
//!
//! The domain, one concept per module:
//! - [`manifest`]: the release manifest (KLTS `releases.yml` format) and chain resolution;
//! - [`lint`]: manifest problems;
//! - [`patch`]: parsing `git format-patch` mboxes and unified diffs;
//! - [`apply`]: placing hunks in one file's content, exactly like `git apply`;
//! - [`merge3`]: the three-way content merge behind the `git am -3` fallback;
//! - [`engine`]: applying patches to a git tree in memory;
//! - [`patch_cache`]: patch files and cached/downloaded URL items;
//! - [`plan`]: from a release name to its loaded patch series;
//! - [`verify`] and [`build`]: the two main jobs;
//! - [`repo`]: opening and resolving things in the upstream repository.
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
//! let applied = longhaul::apply::apply_hunks(b"new\na\nb\nc\nd\ne\nf\n", &file.hunks, 0).unwrap();
//! assert_eq!(applied.content, b"new\na\nb\nc\nD\ne\nf\n");
//! assert_eq!(applied.placements, [longhaul::apply::Placement::Offset(1)]);
//!
//! // A hunk that starts at line 1 must match at the top of the file, as in git.
//! let top = longhaul::patch::parse(b"--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n")?;
//! assert!(longhaul::apply::apply_hunks(b"x\na\nb\n", &top.commits[0].files[0].hunks, 0).is_err());
//! # Ok::<(), longhaul::patch::ParseError>(())
//! ```
//!
//! Verifying a manifest's releases against an upstream clone is
//! [`manifest::Manifest::load`], [`plan::plan`] and [`verify::verify_all`]; the
//! `longhaul` binary is a thin layer over exactly that.

pub mod advisory;
pub mod apply;
pub mod build;
pub mod coverage;
pub mod download;
pub mod engine;
pub mod error;
pub mod fs;
pub mod lint;
pub mod manifest;
pub mod merge3;
pub mod openvex;
pub mod osv_export;
pub mod patch;
pub mod patch_cache;
pub mod plan;
pub mod repo;
pub mod statements;
pub mod suggest;
pub mod time;
pub mod verify;

pub use error::{Error, Result};

/// The gitoxide version longhaul is built on, for callers that need its types.
pub use gix;
