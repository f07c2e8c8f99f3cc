//! Applying patches: placing one file's hunks exactly like `git apply`
//! ([`hunks`]), the three-way content merge behind `git am -3` ([`merge3`]),
//! and a git tree patched in memory, commit by commit ([`tree`]).

pub mod hunks;
pub mod merge3;
pub mod tree;
