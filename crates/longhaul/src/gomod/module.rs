//! A Go module at a version, and what a `=>` replacement points it to, as
//! `go.mod` and `vendor/modules.txt` write them: the identity that version
//! matching, remedies and dependency bumps share.

use super::valid_module_path;
use super::version::Version;
use serde::Serialize;
use std::fmt;

/// An import path inside module `module` (the module's own root package or
/// one below it).
pub fn within(package: &str, module: &str) -> bool {
    package == module
        || package
            .strip_prefix(module)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A module at a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Module {
    /// The module path.
    pub path: String,
    /// Its version.
    pub version: Version,
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.path, self.version)
    }
}

/// Where a `=>` replacement points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Replacement {
    /// Another module version (`=> golang.org/x/net v0.0.0-…`), which may be
    /// the same path at another version (a pin).
    Module {
        /// The module path.
        path: String,
        /// Its version.
        version: Version,
    },
    /// A folder of the tree (`=> ./staging/src/k8s.io/api`): the release's
    /// own code, not a dependency.
    Local {
        /// The folder, as written.
        dir: String,
    },
}

impl Replacement {
    /// `golang.org/x/net v0.1.0` or `./staging/src/k8s.io/api`, as modules.txt writes it.
    pub fn display(&self) -> String {
        match self {
            Replacement::Module { path, version } => format!("{path} {version}"),
            Replacement::Local { dir } => dir.clone(),
        }
    }

    /// Parse the text after `=>`: `PATH VERSION` or a local folder (`./x`,
    /// `../x`, or an absolute path, as `go.mod` allows).
    pub fn parse(fields: &[&str]) -> Option<Replacement> {
        match fields {
            [dir] if dir.starts_with("./") || dir.starts_with("../") || dir.starts_with('/') => {
                Some(Replacement::Local {
                    dir: dir.to_string(),
                })
            }
            [path, version] if valid_module_path(path) => Some(Replacement::Module {
                path: path.to_string(),
                version: Version::parse_module(version)?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_replacements() {
        assert!(within("golang.org/x/net/http2", "golang.org/x/net"));
        assert!(within("golang.org/x/net", "golang.org/x/net"));
        assert!(!within("golang.org/x/network", "golang.org/x/net"));
        assert_eq!(
            Replacement::parse(&["./staging/src/k8s.io/api"]),
            Some(Replacement::Local {
                dir: "./staging/src/k8s.io/api".into()
            })
        );
        let r = Replacement::parse(&["golang.org/x/net", "v0.1.0"]).unwrap();
        assert_eq!(r.display(), "golang.org/x/net v0.1.0");
        assert_eq!(Replacement::parse(&["golang.org/x/net", "0.1.0"]), None);
        assert_eq!(Replacement::parse(&["x"]), None);
    }
}
