//! Lifecycle: how long each release line lives, upstream and as LTS.
//!
//! - [`dates`]: upstream Kubernetes and Go dates, kept as data in the
//!   repository (`data/lifecycle.yml`, with its sources) and overridable from
//!   the manifest's `lifecycle:`;
//! - [`support`]: one row per line (upstream and LTS end of life, newest LTS
//!   release, the Go it builds with) and the contradictions worth a look;
//! - [`skew`]: the version skew policy as data;
//! - [`removals`]: the API versions each minor stopped serving, as data, and
//!   the objects in YAML manifests that use them;
//! - [`upgrade`]: the upgrade path from an old release to a newer line.

pub mod dates;
pub mod removals;
pub mod skew;
pub mod support;
pub mod upgrade;
