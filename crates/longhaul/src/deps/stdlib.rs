//! The standard library's own imports, read from a Go installation's source
//! (`GOROOT/src`) with the same header reader as the tree: which standard
//! packages a binary reaches through other standard packages. Only a Go of the
//! release's minor version may answer for it; without one, a standard package
//! the tree does not import directly is `unknown`.

use crate::checks::build_constraints::{Header, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A Go installation whose standard library can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goroot {
    /// `GOROOT`.
    pub dir: PathBuf,
    /// Its version (`GOROOT/VERSION`'s first line, `go1.19.8`).
    pub version: String,
}

impl Goroot {
    /// `dir` when it holds a Go installation (a `VERSION` file naming a Go
    /// release and a `src` folder).
    pub fn at(dir: &Path) -> Result<Goroot, String> {
        let text = std::fs::read_to_string(dir.join("VERSION")).map_err(|e| {
            format!(
                "{}: not a Go installation (no VERSION file: {e})",
                dir.display()
            )
        })?;
        let version = text.lines().next().unwrap_or("").trim().to_string();
        if crate::gomod::version::Version::parse_go(&version).is_none() || !dir.join("src").is_dir()
        {
            return Err(format!(
                "{}: not a Go installation (VERSION says `{version}`, expected a Go release such as go1.19.8, and a src folder)",
                dir.display()
            ));
        }
        Ok(Goroot {
            dir: dir.to_path_buf(),
            version,
        })
    }

    /// The installation of `go` on PATH (`go env GOROOT`), if there is one.
    pub fn from_path() -> Option<Goroot> {
        let out = Command::new("go")
            .args(["env", "GOROOT"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .ok()?;
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !dir.is_empty())
            .then(|| Goroot::at(Path::new(&dir)).ok())
            .flatten()
    }

    /// `(major, minor)` of its version.
    pub fn minor(&self) -> Option<(u64, u64)> {
        crate::gomod::version::Version::parse_go(&self.version).map(|v| v.minor_line())
    }
}

/// The standard library's packages and their imports, per file, read once.
#[derive(Debug, Clone, Default)]
pub struct StdSources {
    /// The installation's version.
    pub version: String,
    /// Package import path (`net/http`; std's vendored copies as
    /// `vendor/golang.org/x/net/...`) → its files' names and headers.
    folders: BTreeMap<String, Vec<(String, Header)>>,
}

/// The standard library as one target sees it: package → non-test imports.
#[derive(Debug, Clone, Default)]
pub struct StdGraph {
    /// The installation's version.
    pub version: String,
    /// Package → the standard packages it imports.
    pub imports: BTreeMap<String, BTreeSet<String>>,
}

impl StdSources {
    /// Read `GOROOT/src` (without `cmd`, `testdata` and `.`/`_` folders).
    pub fn read(goroot: &Goroot) -> Result<StdSources, String> {
        let src = goroot.dir.join("src");
        let mut out = StdSources {
            version: goroot.version.clone(),
            folders: BTreeMap::new(),
        };
        let mut stack = vec![(src.clone(), String::new())];
        while let Some((dir, name)) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let mut files = Vec::new();
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                let path = entry.path();
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    let skip = file == "testdata"
                        || file.starts_with(['.', '_'])
                        || (name.is_empty() && file == "cmd");
                    if !skip {
                        let sub = if name.is_empty() {
                            file
                        } else {
                            format!("{name}/{file}")
                        };
                        stack.push((path, sub));
                    }
                } else if file.ends_with(".go")
                    && !file.ends_with("_test.go")
                    && !file.starts_with(['.', '_'])
                {
                    let data =
                        crate::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    files.push((file, Header::parse(&data)));
                }
            }
            if !files.is_empty() && !name.is_empty() {
                out.folders.insert(name, files);
            }
        }
        Ok(out)
    }

    /// The graph for `target`. Imports of `golang.org/x/…` resolve to the
    /// standard library's own vendored copies, as the go command resolves them.
    pub fn graph(&self, target: &Target) -> StdGraph {
        let mut imports = BTreeMap::new();
        for (package, files) in &self.folders {
            let mut set = BTreeSet::new();
            let mut any = false;
            for (name, header) in files {
                if !target.matches_file_name(name)
                    || header.package.is_empty()
                    || header.package == "documentation"
                    || !target.matches_constraints(header)
                    || (!target.cgo && header.imports.iter().any(|i| i == "C"))
                {
                    continue;
                }
                any = true;
                for i in header.imports.iter().filter(|i| *i != "C") {
                    let vendored = format!("vendor/{i}");
                    set.insert(if self.folders.contains_key(&vendored) {
                        vendored
                    } else {
                        i.clone()
                    });
                }
            }
            if any {
                imports.insert(package.clone(), set);
            }
        }
        StdGraph {
            version: self.version.clone(),
            imports,
        }
    }
}

impl StdGraph {
    /// Whether `package` is part of this standard library (for this target).
    pub fn has(&self, package: &str) -> bool {
        self.imports.contains_key(package)
    }
}

/// Whether an import path names a standard package: its first element has
/// no dot, as the go command decides.
pub fn is_std(path: &str) -> bool {
    let first = path.split('/').next().unwrap_or(path);
    !first.contains('.') && path != "C"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_goroot() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("VERSION"), "go1.19.8\ntime 2023-03-30\n").unwrap();
        for (file, text) in [
            (
                "src/net/http/server.go",
                "package http\n\nimport (\n\t\"fmt\"\n\t\"golang.org/x/net/http/httpguts\"\n)\n",
            ),
            (
                "src/net/http/windows.go",
                "//go:build windows\n\npackage http\n\nimport \"syscall\"\n",
            ),
            ("src/fmt/print.go", "package fmt\n\nimport \"os\"\n"),
            (
                "src/vendor/golang.org/x/net/http/httpguts/guts.go",
                "package httpguts\n",
            ),
            ("src/cmd/go/main.go", "package main\n"),
            ("src/fmt/testdata/x.go", "package x\n"),
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), text).unwrap();
        }
        let goroot = Goroot::at(root).unwrap();
        assert_eq!(goroot.minor(), Some((1, 19)));
        let g = StdSources::read(&goroot).unwrap().graph(&Target::default());
        assert_eq!(
            g.imports["net/http"],
            ["fmt", "vendor/golang.org/x/net/http/httpguts"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        assert!(g.has("fmt") && !g.has("cmd/go") && !g.has("fmt/testdata"));
        assert!(Goroot::at(&root.join("src")).is_err());
        assert!(is_std("net/http") && !is_std("golang.org/x/net") && !is_std("C"));
    }
}
