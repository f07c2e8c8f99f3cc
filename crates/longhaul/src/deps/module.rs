//! The pseudo-modules of the Go vulnerability database; modules themselves
//! ([`Module`], [`Replacement`]) are [`crate::gomod`]'s.

pub use crate::gomod::module::{Module, Replacement, within};

/// The pseudo-module the Go vulnerability database uses for the standard library.
pub const STDLIB: &str = "stdlib";
/// The pseudo-module the Go vulnerability database uses for the `go` command.
pub const TOOLCHAIN: &str = "toolchain";
