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

pub mod apply;
pub mod build;
pub mod engine;
pub mod error;
pub mod lint;
pub mod manifest;
pub mod merge3;
pub mod patch;
pub mod patch_cache;
pub mod plan;
pub mod repo;
pub mod verify;

pub use error::{Error, Result};

/// The gitoxide version longhaul is built on, for callers that need its types.
pub use gix;
