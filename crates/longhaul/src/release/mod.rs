//! Releases: the manifest (KLTS's `releases.yml`) and its chains, its findings,
//! a release's loaded patch series, and the two jobs on it: verify (in memory)
//! and build (commits and a tag).

pub mod base_tags;
pub mod build;
pub mod edit;
pub mod line;
pub mod lint;
pub mod manifest;
pub mod name;
pub mod patch_cache;
pub mod plan;
pub mod rebase;
pub mod refresh;
pub mod trust;
pub mod upstream;
pub mod verify;
