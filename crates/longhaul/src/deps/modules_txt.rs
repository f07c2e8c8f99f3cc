//! `vendor/modules.txt`: the modules a vendored tree builds with, their
//! versions and `=>` replacements, `## explicit` and `## go` annotations, and
//! the packages vendored for each.
//!
//! The format, as `go mod vendor` writes it and `cmd/go` reads it:
//! ```text
//! # golang.org/x/net v0.0.0-20201110031124-69a78807bb2b => golang.org/x/net v0.0.0-20201110031124-69a78807bb2b
//! ## explicit; go 1.17
//! golang.org/x/net/http2
//! # golang.org/x/net => golang.org/x/net v0.0.0-20201110031124-69a78807bb2b
//! # k8s.io/api v0.0.0 => ./staging/src/k8s.io/api
//! ```
//! A `# PATH VERSION` line names a module version; `# PATH => …` without a
//! version records a wildcard replacement of `go.mod` (the module may not be
//! in the build at all). A package line belongs to the module that contains
//! it: `cmd/go` assigns it to the module line above it, but Kubernetes sorts
//! the file (`hack/update-vendor.sh`), which puts `cloud.google.com/go/compute/metadata`
//! below `# cloud.google.com/go/bigquery => …`, so the longest module path
//! that contains the package decides when the line above does not.

use super::module::{Replacement, is_module_path, within};
use super::version::Version;
use serde::Serialize;
use std::collections::BTreeMap;

/// One module the file names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendoredModule {
    /// The module path.
    pub path: String,
    /// The version of its `# PATH VERSION` line; `None` when the file names
    /// it only in a wildcard replacement (`# PATH => …`).
    pub version: Option<Version>,
    /// Where `=>` points it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<Replacement>,
    /// `## explicit`: required by the main module's `go.mod`.
    pub explicit: bool,
    /// `## go 1.17`: the module's own `go` directive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go: Option<String>,
    /// The packages vendored from it, in file order.
    pub packages: Vec<String>,
    /// The 1-based line of its first `#` line.
    pub line: usize,
}

/// What `vendor/modules.txt` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorList {
    /// Every module path the file names, in order of first appearance.
    pub modules: Vec<VendoredModule>,
    /// Package import path → index into `modules`.
    pub packages: BTreeMap<String, usize>,
}

/// A line of the file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl VendorList {
    /// The module named `path`.
    pub fn module(&self, path: &str) -> Option<&VendoredModule> {
        self.modules.iter().find(|m| m.path == path)
    }

    /// The module that provides `package`, when the file vendors it.
    pub fn module_of(&self, package: &str) -> Option<&VendoredModule> {
        self.packages.get(package).map(|&i| &self.modules[i])
    }

    /// Parse the file's text. Unknown `##` annotations are ignored (they are
    /// reserved for future use, as `cmd/go` treats them); anything else that
    /// is not a module line, an annotation, a package or an empty line is an
    /// error, as is a package that no module of the file contains.
    pub fn parse(text: &str) -> Result<VendorList, ParseError> {
        let mut list = VendorList::default();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut current: Option<usize> = None;
        let mut pending: Vec<(usize, String)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |message: String| ParseError { line, message };
            let trimmed = raw.trim_end_matches('\r');
            if trimmed.trim().is_empty() {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("## ") {
                let m = current
                    .ok_or_else(|| err("`##` annotation before any `# MODULE` line".into()))?;
                annotate(&mut list.modules[m], rest);
            } else if let Some(rest) = trimmed.strip_prefix("# ") {
                let (module, replacement) = module_line(rest).map_err(err)?;
                let slot = *index.entry(module.path.clone()).or_insert_with(|| {
                    list.modules.push(VendoredModule {
                        path: module.path.clone(),
                        version: None,
                        replacement: None,
                        explicit: false,
                        go: None,
                        packages: Vec::new(),
                        line,
                    });
                    list.modules.len() - 1
                });
                let m = &mut list.modules[slot];
                if let Some(v) = module.version {
                    if m.version.as_ref().is_some_and(|old| *old != v) {
                        return Err(err(format!(
                            "module {} is listed at {} and at {v}: expected one version per module",
                            m.path,
                            m.version.as_ref().expect("checked")
                        )));
                    }
                    m.version = Some(v);
                }
                if replacement.is_some() {
                    m.replacement = replacement;
                }
                current = Some(slot);
            } else {
                let package = trimmed.trim();
                if current.is_none() {
                    return Err(err(format!(
                        "package `{package}` before any `# MODULE VERSION` line"
                    )));
                }
                if package.contains(char::is_whitespace) || !is_module_path(package) {
                    return Err(err(format!(
                        "`{}` is not a package import path (expected `# MODULE VERSION`, `## explicit` or one import path per line)",
                        package.escape_debug()
                    )));
                }
                pending.push((line, package.to_string()));
            }
        }
        list.assign(pending, &index)?;
        Ok(list)
    }

    /// Give each package line to the module that contains it.
    fn assign(
        &mut self,
        pending: Vec<(usize, String)>,
        index: &BTreeMap<String, usize>,
    ) -> Result<(), ParseError> {
        for (line, package) in pending {
            let owner = self
                .modules
                .iter()
                .enumerate()
                .filter(|(_, m)| m.version.is_some() && within(&package, &m.path))
                .max_by_key(|(_, m)| m.path.len())
                .map(|(i, _)| i)
                .or_else(|| {
                    // A module named only by a wildcard replacement.
                    index
                        .iter()
                        .filter(|(p, _)| within(&package, p))
                        .max_by_key(|(p, _)| p.len())
                        .map(|(_, &i)| i)
                });
            let Some(owner) = owner else {
                return Err(ParseError {
                    line,
                    message: format!(
                        "package `{package}` is in no module the file lists (expected it below the `# MODULE VERSION` line of the module that contains it)"
                    ),
                });
            };
            self.modules[owner].packages.push(package.clone());
            self.packages.insert(package, owner);
        }
        Ok(())
    }
}

struct ModuleLine {
    path: String,
    version: Option<Version>,
}

/// `PATH VERSION [=> TARGET]` or `PATH => TARGET`.
fn module_line(rest: &str) -> Result<(ModuleLine, Option<Replacement>), String> {
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let expected =
        "expected `# MODULE VERSION`, `# MODULE VERSION => TARGET` or `# MODULE => TARGET`";
    let (path, after) = match fields.as_slice() {
        [path, rest @ ..] => (*path, rest),
        [] => return Err(format!("empty module line ({expected})")),
    };
    if !is_module_path(path) {
        return Err(format!(
            "`{}` is not a module path ({expected})",
            path.escape_debug()
        ));
    }
    let (version, after) = match after {
        ["=>", ..] => (None, after),
        [v, rest @ ..] => match Version::parse_module(v) {
            Some(v) => (Some(v), rest),
            None => {
                return Err(format!(
                    "`{}` is not a module version for {path} (expected `vMAJOR.MINOR.PATCH`, e.g. v1.2.3 or a pseudo-version)",
                    v.escape_debug()
                ));
            }
        },
        [] => return Err(format!("module {path} has no version ({expected})")),
    };
    let replacement = match after {
        [] => None,
        ["=>", target @ ..] => Some(Replacement::parse(target).ok_or_else(|| {
            format!(
                "replacement `{}` of {path} is neither `MODULE VERSION` nor a local folder (`./…`)",
                target.join(" ").escape_debug()
            )
        })?),
        _ => {
            return Err(format!(
                "unexpected `{}` after module {path} ({expected})",
                after.join(" ")
            ));
        }
    };
    if version.is_none() && replacement.is_none() {
        return Err(format!("module {path} has no version ({expected})"));
    }
    Ok((
        ModuleLine {
            path: path.to_string(),
            version,
        },
        replacement,
    ))
}

/// `explicit`, `go 1.17`, separated by `;`.
fn annotate(m: &mut VendoredModule, text: &str) {
    for entry in text.split(';').map(str::trim) {
        if entry == "explicit" {
            m.explicit = true;
        } else if let Some(go) = entry.strip_prefix("go ") {
            m.go = Some(go.trim().to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORTED: &str = "\
# cloud.google.com/go v0.54.0 => cloud.google.com/go v0.54.0
# cloud.google.com/go => cloud.google.com/go v0.54.0
# cloud.google.com/go/bigquery => cloud.google.com/go/bigquery v1.4.0
cloud.google.com/go/compute/metadata
# golang.org/x/net v0.0.0-20201110031124-69a78807bb2b
## explicit; go 1.17
golang.org/x/net/http2
golang.org/x/net/http2/hpack
# k8s.io/api v0.0.0 => ./staging/src/k8s.io/api
## explicit
k8s.io/api/core/v1
";

    #[test]
    fn modules_replacements_and_packages() {
        let l = VendorList::parse(SORTED).unwrap();
        let paths: Vec<&str> = l.modules.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "cloud.google.com/go",
                "cloud.google.com/go/bigquery",
                "golang.org/x/net",
                "k8s.io/api"
            ]
        );
        // Sorted below bigquery's replacement line, but cloud.google.com/go's package.
        assert_eq!(
            l.module_of("cloud.google.com/go/compute/metadata")
                .unwrap()
                .path,
            "cloud.google.com/go"
        );
        let bq = l.module("cloud.google.com/go/bigquery").unwrap();
        assert_eq!((bq.version.as_ref(), bq.packages.len()), (None, 0));
        let net = l.module("golang.org/x/net").unwrap();
        assert!(net.explicit);
        assert_eq!(net.go.as_deref(), Some("1.17"));
        assert_eq!(
            net.packages,
            ["golang.org/x/net/http2", "golang.org/x/net/http2/hpack"]
        );
        assert_eq!(
            l.module("k8s.io/api").unwrap().replacement,
            Some(Replacement::Local {
                dir: "./staging/src/k8s.io/api".into()
            })
        );
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line, want) in [
            ("golang.org/x/net\n", 1, "before any"),
            ("# golang.org/x/net v1.0\n", 1, "is not a module version"),
            ("# golang.org/x/net\n", 1, "has no version"),
            (
                "# a.org/m v1.0.0\na.org/m\nnot a path\n",
                3,
                "not a package import path",
            ),
            ("# a.org/m v1.0.0 => b.org/m\n", 1, "replacement"),
            ("\n## explicit\n", 2, "annotation before"),
            ("# a.org/m v1.0.0\nb.org/other\n", 2, "in no module"),
            (
                "# a.org/m v1.0.0\n# a.org/m v1.1.0\n",
                2,
                "one version per module",
            ),
        ] {
            let e = VendorList::parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(want), "{text:?}: {e}");
        }
    }
}
