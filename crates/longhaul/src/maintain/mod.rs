//! The workflows: what combines a manifest with the engines (porting, applying,
//! checks) and returns a report a front end renders. The CLI, `serve` or a test
//! call one function here; nothing here prints.
//!
//! - [`backport`]: port upstream commits or patch mails onto maintained
//!   releases, typecheck the ports, and (with `write`) add them to the manifest;
//! - [`rebase`]: a line's patch chain ported onto a newer upstream tag;
//! - [`bump`]: the next `-lts.N` release of a line added to the manifest;
//! - [`refresh`]: patch files rewritten in their canonical form;
//! - [`check`]: the checks of many releases, run in parallel;
//! - [`go_bump`], [`deps_bump`]: a Go toolchain or a module moved to a fixed
//!   version on releases, as canonical `reason: security` patches;
//! - [`deps_remedy`]: a release's dependency backlog: for each reachable
//!   vulnerable module, the upstream commit that fixes it and whether it ports;
//! - [`edit`]: line edits to the manifest that keep everything else.

pub mod backport;
pub mod bump;
pub mod check;
pub mod deps_bump;
pub mod deps_remedy;
pub mod edit;
pub mod go_bump;
pub mod rebase;
pub mod refresh;
mod write;

use crate::release::manifest::Manifest;
use crate::release::patch_cache::PatchLoader;
use std::path::{Path, PathBuf};

/// Any error of a front end (its manifest or upstream lookup), kept whole.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error of a workflow. Its message (and chain of causes) is the one of the
/// step that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the library below.
    #[error(transparent)]
    Longhaul(#[from] crate::Error),
    /// A file that could not be written (nothing after it was written).
    #[error("cannot write {}", file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: crate::confine::Refused,
    },
    /// Any other error (a front end's input, or git's).
    #[error(transparent)]
    Other(BoxError),
}

impl From<crate::repo::RepoError> for Error {
    fn from(e: crate::repo::RepoError) -> Self {
        Error::Longhaul(e.into())
    }
}

impl From<crate::fs::FileError> for Error {
    fn from(e: crate::fs::FileError) -> Self {
        Error::Longhaul(e.into())
    }
}

impl Error {
    /// An error of another kind, its message and causes kept.
    pub fn other(e: impl Into<BoxError>) -> Self {
        Error::Other(e.into())
    }
}

/// Where a workflow finds its inputs, each opened only when the workflow
/// needs it (so that an error in the request is reported before, say, a
/// missing upstream).
pub trait Inputs {
    /// The manifest.
    fn manifest(&self) -> Result<Manifest, BoxError>;
    /// The upstream repository of `manifest`.
    fn upstream(&self, manifest: &Manifest) -> Result<gix::ThreadSafeRepository, BoxError>;
    /// The patch loader for `manifest`'s patches.
    fn loader(&self, manifest: &Manifest) -> PatchLoader;
    /// The folder of the check result cache, if any.
    fn check_cache_dir(&self) -> Option<PathBuf>;
}

/// Progress of a long workflow, shown by the front end (or not at all).
pub trait Progress {
    /// A phase of `total` steps begins (`porting`, `typechecking`).
    fn start(&self, phase: &str, total: usize);
    /// One step of the phase is done.
    fn step(&self);
    /// The phase is over.
    fn finish(&self);
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: usize) {}
    fn step(&self) {}
    fn finish(&self) {}
}

/// The path of `file` as shown to a user: its file name.
fn shown_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
