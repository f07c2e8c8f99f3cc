//! Releases: the manifest (KLTS's `releases.yml`) and its chains, its findings,
//! a release's loaded patch series, and the jobs on it: verify (in memory),
//! build (commits and a tag), and its tip (the chain applied, to port onto).

pub mod base_tags;
pub mod build;
pub mod cve_links;
pub mod line;
pub mod lint;
pub mod manifest;
pub mod name;
pub mod patch_cache;
pub mod plan;
pub mod tip;
pub mod trust;
pub mod upstream;
pub mod verify;
