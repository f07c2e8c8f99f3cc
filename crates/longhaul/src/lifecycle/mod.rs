//! Lifecycle: how long each release line lives, upstream and as LTS.
//!
//! - [`dates`]: upstream Kubernetes and Go dates, kept as data in the
//!   repository (`data/lifecycle.yml`, with its sources) and overridable from
//!   the manifest's `lifecycle:`;
//! - [`support`]: one row per line (upstream and LTS end of life, newest LTS
//!   release, the Go it builds with) and the contradictions worth a look.

pub mod dates;
pub mod support;
