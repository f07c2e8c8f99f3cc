//! The library's error type: every variant names the file (and line) at fault.
//! It sits at the bottom and knows no domain type: each concern's error
//! converts into it from above.

use longhaul_patch::repo::RepoError;
use std::path::PathBuf;

/// Something in the input is wrong. Each message is one paragraph that names the
/// file, the line when known, and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manifest is malformed or inconsistent.
    #[error("{file}:{line}: {message}")]
    Manifest {
        /// Manifest path.
        file: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A patch file cannot be parsed.
    #[error("{file}:{line}: {message}")]
    Patch {
        /// Patch path (or URL).
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A release name that the manifest does not define.
    #[error("{file}: no release named `{name}`{hint}")]
    UnknownRelease {
        /// Manifest path.
        file: PathBuf,
        /// The name asked for.
        name: String,
        /// ` (did you mean …?)` or empty.
        hint: String,
    },
    /// The upstream repository.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// A data file (an advisory, a feed, a record) that is malformed; each
    /// concern converts its own error into this one.
    #[error("{file}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
    Data {
        /// The file or URL.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An input file that was refused or could not be read (see [`crate::fs`]).
    #[error(transparent)]
    Read(#[from] crate::fs::FileError),
    /// A tag exists already and `--force` was not given.
    #[error("tag {name} already exists (at {target}); pass --force to move it")]
    TagExists {
        /// Tag name.
        name: String,
        /// Where it points now.
        target: String,
    },
    /// An input from the environment or the command line is unusable.
    #[error("{0}")]
    Input(String),
    /// A release cannot be built because a patch does not apply.
    #[error("{release}: {message}")]
    Build {
        /// The release.
        release: String,
        /// What failed.
        message: String,
    },
}

/// Convenience alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
