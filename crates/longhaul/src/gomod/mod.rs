//! The files Go's module system owns, read and edited without a Go toolchain:
//! `go.mod` ([`go_mod`]), `go.sum` ([`go_sum`]) and `vendor/modules.txt`
//! ([`modules_txt`]), with Go's module version order ([`version`]) and
//! modules at versions ([`module`]).
//!
//! Pure text in, text out: no repository, no I/O. The one reader of these
//! files: the porter's module rung (`port::modules`) edits them as text,
//! dependency coverage (`deps`) reads them as typed modules ([`module`]).
//!
//! Module paths come from trees a pull request can change, and name folders
//! under `vendor/`: [`valid_module_path`] refuses any that could name a
//! folder outside it.

pub mod go_mod;
pub mod go_sum;
pub mod module;
pub mod modules_txt;
pub mod version;

/// A problem reading one of these files: the line (1-based) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// The line, 1-based.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

/// Whether `path` is a module or package path that is safe as a folder under
/// `vendor/`: at most 512 bytes of `/`-separated elements, none empty, `.` or
/// `..`, of letters, digits and `-._~+` only (Go's own rule is stricter
/// still: see `golang.org/x/mod/module.CheckPath`).
pub fn valid_module_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 512
        && path.split('/').all(|e| {
            !e.is_empty()
                && e != "."
                && e != ".."
                && e.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~+".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::valid_module_path;

    #[test]
    fn module_paths_that_would_leave_vendor_are_refused() {
        assert!(valid_module_path("github.com/foo/bar/v2"));
        assert!(valid_module_path("gopkg.in/yaml.v3"));
        for bad in [
            "", "../etc", "a/../b", "/abs", "a//b", "a/./b", "a\\b", "a b", "a/", "a\nb",
        ] {
            assert!(!valid_module_path(bad), "{bad:?}");
        }
    }
}
