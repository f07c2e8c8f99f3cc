//! `vendor/modules.txt`: one block per vendored module, as `go mod vendor`
//! writes it and `cmd/go` reads it:
//! ```text
//! # golang.org/x/net v0.0.0-20201110031124-69a78807bb2b => golang.org/x/net v0.0.0-20201110031124-69a78807bb2b
//! ## explicit; go 1.17
//! golang.org/x/net/http2
//! # golang.org/x/net => golang.org/x/net v0.0.0-20201110031124-69a78807bb2b
//! # k8s.io/api v0.0.0 => ./staging/src/k8s.io/api
//! ```
//! A `# PATH VERSION` line names a module version; `# PATH => …` without a
//! version records a wildcard replacement of `go.mod` (the module may not be
//! in the build at all); `##` lines annotate the module above; the other
//! lines are its vendored packages.
//!
//! One reader, two readings: [`ModulesTxt`] keeps the blocks as written, for
//! editing (a package must sit in its own module's block, as the porter
//! copies `vendor/PACKAGE` from that module); [`VendorList`] reads them as
//! typed modules for dependency coverage, where a package belongs to the
//! module that contains it: `cmd/go` assigns it to the module line above it,
//! but Kubernetes sorts the file (`hack/update-vendor.sh`), which puts
//! `cloud.google.com/go/compute/metadata` below
//! `# cloud.google.com/go/bigquery => …`, so the longest module path that
//! contains the package decides when the line above does not.
//!
//! Module and package paths name folders under `vendor/`: any that could name
//! a folder outside it is refused ([`valid_module_path`]).

use super::module::{Replacement, within};
use super::version::Version;
use super::{ParseError, valid_module_path};
use serde::Serialize;
use std::collections::BTreeMap;

/// One module's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Module path.
    pub path: String,
    /// Version (none for a replacement-only line `# path => …`).
    pub version: Option<String>,
    /// The replacement after `=>`, as written.
    pub replacement: Option<String>,
    /// The `##` lines, as written.
    pub meta: Vec<String>,
    /// Vendored packages.
    pub packages: Vec<String>,
}

impl Block {
    /// Marked `## explicit` (required in go.mod).
    pub fn explicit(&self) -> bool {
        self.annotations().any(|a| a == "explicit")
    }

    /// The module's `go` version, from `## …; go 1.x`.
    pub fn go_version(&self) -> Option<&str> {
        self.annotations()
            .find_map(|a| a.strip_prefix("go "))
            .map(str::trim)
    }

    fn annotations(&self) -> impl Iterator<Item = &str> {
        self.meta
            .iter()
            .flat_map(|m| m.trim_start_matches('#').split(';'))
            .map(str::trim)
    }

    fn text(&self, out: &mut String) {
        out.push_str("# ");
        out.push_str(&self.path);
        if let Some(v) = &self.version {
            out.push(' ');
            out.push_str(v);
        }
        if let Some(r) = &self.replacement {
            out.push_str(" => ");
            out.push_str(r);
        }
        out.push('\n');
        for l in self.meta.iter().chain(&self.packages) {
            out.push_str(l);
            out.push('\n');
        }
    }
}

/// A parsed `vendor/modules.txt`, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModulesTxt {
    /// Lines before the first block (none from `go mod vendor`).
    pub preamble: Vec<String>,
    /// The blocks, in file order.
    pub blocks: Vec<Block>,
}

impl ModulesTxt {
    /// Parse `text`. Module and package paths must be safe as folders under
    /// `vendor/` (see [`valid_module_path`]); a package must be in the module
    /// of its block. Empty lines after the first block are not kept.
    pub fn parse(text: &str) -> Result<ModulesTxt, ParseError> {
        let read = read(text)?;
        for (b, lines) in read.txt.blocks.iter().zip(&read.package_lines) {
            if let Some((p, &line)) = b
                .packages
                .iter()
                .zip(lines)
                .find(|(p, _)| !within(p, &b.path))
            {
                return Err(ParseError::new(
                    line,
                    format!("package `{p}` is not a package path of module {}", b.path),
                ));
            }
        }
        Ok(read.txt)
    }

    /// The file's text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for l in &self.preamble {
            out.push_str(l);
            out.push('\n');
        }
        for b in &self.blocks {
            b.text(&mut out);
        }
        out
    }

    /// The block of module `path` (with a version: a vendored module).
    pub fn block(&self, path: &str) -> Option<&Block> {
        self.blocks
            .iter()
            .find(|b| b.path == path && b.version.is_some())
    }

    /// Put `block` in place of the module's block, or where `go mod vendor`
    /// puts a new one: before the first versioned block whose path sorts
    /// after it (replacement-only lines stay last).
    pub fn set_block(&mut self, block: Block) {
        if let Some(b) = self
            .blocks
            .iter_mut()
            .find(|b| b.path == block.path && b.version.is_some())
        {
            *b = block;
            return;
        }
        let at = self
            .blocks
            .iter()
            .position(|b| b.version.is_none() || b.path > block.path)
            .unwrap_or(self.blocks.len());
        self.blocks.insert(at, block);
    }

    /// Remove the block of module `path`.
    pub fn remove_block(&mut self, path: &str) {
        self.blocks
            .retain(|b| !(b.path == path && b.version.is_some()));
    }
}

/// One module the file names, read as a typed module.
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

/// What `vendor/modules.txt` says, module by module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorList {
    /// Every module path the file names, in order of first appearance.
    pub modules: Vec<VendoredModule>,
    /// Package import path → index into `modules`.
    pub packages: BTreeMap<String, usize>,
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
        let read = read(text)?;
        let mut list = VendorList::default();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for (b, h) in read.txt.blocks.iter().zip(&read.headers) {
            let slot = *index.entry(b.path.clone()).or_insert_with(|| {
                list.modules.push(VendoredModule {
                    path: b.path.clone(),
                    version: None,
                    replacement: None,
                    explicit: false,
                    go: None,
                    packages: Vec::new(),
                    line: h.line,
                });
                list.modules.len() - 1
            });
            let m = &mut list.modules[slot];
            m.version = h.version.clone().or(m.version.take());
            m.replacement = h.replacement.clone().or(m.replacement.take());
            m.explicit |= b.explicit();
            m.go = b.go_version().map(str::to_string).or(m.go.take());
        }
        let pending = read
            .txt
            .blocks
            .iter()
            .zip(&read.package_lines)
            .flat_map(|(b, lines)| lines.iter().copied().zip(b.packages.iter().cloned()));
        list.assign(pending, &index)?;
        Ok(list)
    }

    /// Give each package line to the module that contains it.
    fn assign(
        &mut self,
        pending: impl Iterator<Item = (usize, String)>,
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
                return Err(ParseError::new(
                    line,
                    format!(
                        "package `{package}` is in no module the file lists (expected it below the `# MODULE VERSION` line of the module that contains it)"
                    ),
                ));
            };
            self.modules[owner].packages.push(package.clone());
            self.packages.insert(package, owner);
        }
        Ok(())
    }
}

/// A block's `#` line, read as types.
struct Header {
    version: Option<Version>,
    replacement: Option<Replacement>,
    line: usize,
}

/// The file read line by line: the blocks as written, each block's typed
/// header, and the line of each of its packages.
struct Read {
    txt: ModulesTxt,
    headers: Vec<Header>,
    package_lines: Vec<Vec<usize>>,
}

/// The one pass over the file's lines both readings share.
fn read(text: &str) -> Result<Read, ParseError> {
    let mut out = Read {
        txt: ModulesTxt::default(),
        headers: Vec::new(),
        package_lines: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| ParseError::new(line, message);
        let trimmed = raw.trim_end_matches('\r');
        if trimmed.trim().is_empty() {
            if out.txt.blocks.is_empty() {
                out.txt.preamble.push(trimmed.to_string());
            }
        } else if trimmed.starts_with("## ") {
            let b = out
                .txt
                .blocks
                .last_mut()
                .ok_or_else(|| err("`##` annotation before any `# MODULE` line".into()))?;
            b.meta.push(trimmed.to_string());
        } else if let Some(rest) = trimmed.strip_prefix("# ") {
            let (block, header) = module_line(rest, line).map_err(err)?;
            if let Some(v) = &header.version {
                let other = out.txt.blocks.iter().zip(&out.headers).find_map(|(b, h)| {
                    h.version
                        .as_ref()
                        .filter(|old| b.path == block.path && *old != v)
                });
                if let Some(old) = other {
                    return Err(err(format!(
                        "module {} is listed at {old} and at {v}: expected one version per module",
                        block.path
                    )));
                }
            }
            out.txt.blocks.push(block);
            out.headers.push(header);
            out.package_lines.push(Vec::new());
        } else {
            let package = trimmed.trim();
            let Some(b) = out.txt.blocks.last_mut() else {
                return Err(err(format!(
                    "package `{package}` before any `# MODULE VERSION` line"
                )));
            };
            if package.contains(char::is_whitespace) || !valid_module_path(package) {
                return Err(err(format!(
                    "`{}` is not a package import path (expected `# MODULE VERSION`, `## explicit` or one import path per line)",
                    package.escape_debug()
                )));
            }
            b.packages.push(package.to_string());
            out.package_lines.last_mut().expect("a block").push(line);
        }
    }
    Ok(out)
}

/// `PATH VERSION [=> TARGET]` or `PATH => TARGET`.
fn module_line(rest: &str, line: usize) -> Result<(Block, Header), String> {
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let expected =
        "expected `# MODULE VERSION`, `# MODULE VERSION => TARGET` or `# MODULE => TARGET`";
    let (path, after) = match fields.as_slice() {
        [path, rest @ ..] => (*path, rest),
        [] => return Err(format!("empty module line ({expected})")),
    };
    if !valid_module_path(path) {
        return Err(format!(
            "`{}` is not a module path ({expected})",
            path.escape_debug()
        ));
    }
    let (version, after) = match after {
        ["=>", ..] => (None, after),
        [v, rest @ ..] => match Version::parse_module(v) {
            Some(parsed) => (Some((*v, parsed)), rest),
            None => {
                return Err(format!(
                    "`{}` is not a module version for {path} (expected `vMAJOR.MINOR.PATCH`, e.g. v1.2.3 or a pseudo-version)",
                    v.escape_debug()
                ));
            }
        },
        [] => return Err(format!("module {path} has no version ({expected})")),
    };
    let replacement = replacement_of(path, after, expected)?;
    if version.is_none() && replacement.is_none() {
        return Err(format!("module {path} has no version ({expected})"));
    }
    let block = Block {
        path: path.to_string(),
        version: version.as_ref().map(|(v, _)| v.to_string()),
        replacement: replacement.as_ref().map(|(r, _)| r.clone()),
        meta: Vec::new(),
        packages: Vec::new(),
    };
    let header = Header {
        version: version.map(|(_, v)| v),
        replacement: replacement.map(|(_, r)| r),
        line,
    };
    Ok((block, header))
}

/// The `=> TARGET` part of a module line, as written and read.
fn replacement_of(
    path: &str,
    after: &[&str],
    expected: &str,
) -> Result<Option<(String, Replacement)>, String> {
    match after {
        [] => Ok(None),
        ["=>", target @ ..] => Ok(Some((
            target.join(" "),
            Replacement::parse(target).ok_or_else(|| {
                format!(
                    "replacement `{}` of {path} is neither `MODULE VERSION` nor a local folder (`./…`)",
                    target.join(" ").escape_debug()
                )
            })?,
        ))),
        _ => Err(format!(
            "unexpected `{}` after module {path} ({expected})",
            after.join(" ").escape_debug()
        )),
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

    const TEXT: &str = "# example.com/a v1.0.0\n## explicit; go 1.17\nexample.com/a\nexample.com/a/sub\n# example.com/c v0.2.0 => example.com/c2 v0.2.1\n## explicit\nexample.com/c\n# example.com/local => ./local\n";

    #[test]
    fn blocks_are_read_and_written_back() {
        let m = ModulesTxt::parse(TEXT).unwrap();
        let a = m.block("example.com/a").unwrap();
        assert!(a.explicit());
        assert_eq!(a.go_version(), Some("1.17"));
        assert_eq!(a.packages, ["example.com/a", "example.com/a/sub"]);
        assert_eq!(
            m.block("example.com/c").unwrap().replacement.as_deref(),
            Some("example.com/c2 v0.2.1")
        );
        assert!(m.block("example.com/local").is_none());
        assert_eq!(m.text(), TEXT);
        let mut m2 = m.clone();
        let mut b = a.clone();
        b.path = "example.com/b".into();
        b.packages = vec!["example.com/b".into()];
        m2.set_block(b);
        assert_eq!(m2.blocks[1].path, "example.com/b");
        m2.remove_block("example.com/a");
        assert_eq!(m2.blocks[0].path, "example.com/b");
    }

    /// Paths that would name a folder outside vendor/, or a package of another
    /// module, are refused with the line.
    #[test]
    fn hostile_paths_are_refused() {
        for bad in [
            "# ../../etc v1.0.0\n",
            "# example.com/a v1.0.0\nexample.com/a/../../../go.mod\n",
            "# example.com/a v1.0.0\nexample.com/other\n",
            "example.com/a\n",
            "## explicit\n",
        ] {
            let e = ModulesTxt::parse(bad).unwrap_err();
            assert!(e.line >= 1, "{bad:?}");
        }
    }
}
