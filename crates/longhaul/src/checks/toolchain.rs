//! The Go toolchain: which Go a release's tree asks for, which one runs, and
//! whether the tree builds in module mode or (old Kubernetes) GOPATH mode.

use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Go version a tree asks for, and the file that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoNeeded {
    /// The version, without a leading `go` or `v` (`1.15.5`, `1.21`).
    pub version: String,
    /// The file it was read from.
    pub source: String,
}

/// Read the Go version `tree` needs, from the first of these that exists:
/// `.go-version` (Kubernetes 1.27 on), `build/build-image/cross/VERSION`
/// (the cross-build image of older minors: `v1.15.5-1`, or
/// `v1.21.0-go1.16.15-buster.0` from 1.21 on), the `toolchain` directive of
/// `go.mod`, its `go` directive (a language version, such as `1.19`).
pub fn needed(repo: &gix::Repository, tree: ObjectId) -> Result<Option<GoNeeded>, RepoError> {
    let tree = repo.find_tree(tree).map_err(git_err)?;
    let read = |path: &str| -> Result<Option<String>, RepoError> {
        Ok(crate::repo::blob_at(repo, &tree, path.as_bytes())?
            .map(|data| data.to_str_lossy().into_owned()))
    };
    if let Some(text) = read(".go-version")? {
        let v = text.trim().trim_start_matches("go").to_string();
        if !v.is_empty() {
            return Ok(Some(GoNeeded {
                version: v,
                source: ".go-version".into(),
            }));
        }
    }
    if let Some(text) = read("build/build-image/cross/VERSION")?
        && let Some(v) = cross_image_go(&text)
    {
        return Ok(Some(GoNeeded {
            version: v,
            source: "build/build-image/cross/VERSION".into(),
        }));
    }
    if let Some(text) = read("go.mod")? {
        // `toolchain go1.21.5` names the toolchain; `go 1.21` only the language.
        let directive = |name: &str| {
            text.lines().find_map(|l| {
                let v = l.split("//").next()?.trim().strip_prefix(name)?;
                v.starts_with([' ', '\t'])
                    .then(|| v.trim().trim_start_matches("go").to_string())
            })
        };
        if let Some(v) = directive("toolchain").filter(|v| v.starts_with("1.")) {
            return Ok(Some(GoNeeded {
                version: v,
                source: "go.mod toolchain".into(),
            }));
        }
        if let Some(v) = directive("go") {
            return Ok(Some(GoNeeded {
                version: v,
                source: "go.mod".into(),
            }));
        }
    }
    Ok(None)
}

/// The Go version of a kube-cross image tag: `v1.15.5-1` (Kubernetes up to
/// 1.20: the Go version, then the image revision) or
/// `v1.21.0-go1.16.15-buster.0` (later: the image version, then `go` and the
/// Go version).
pub fn cross_image_go(tag: &str) -> Option<String> {
    let tag = tag.trim();
    if let Some((_, rest)) = tag.split_once("-go") {
        let v = rest.split('-').next().unwrap_or(rest);
        return v.starts_with("1.").then(|| v.to_string());
    }
    let v = tag.trim_start_matches('v');
    let v = v.split('-').next().unwrap_or(v);
    v.starts_with("1.").then(|| v.to_string())
}

/// The `go` command that runs the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toolchain {
    /// The command.
    pub path: PathBuf,
    /// What `go env GOVERSION` prints (`go1.19.8`).
    pub version: String,
}

impl Toolchain {
    /// `explicit` (from `--go`), else `go` on PATH; an error says which was
    /// tried and how to install one.
    pub fn find(explicit: Option<&Path>) -> Result<Toolchain, String> {
        let path = explicit
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("go"));
        let out = Command::new(&path)
            .args(["env", "GOVERSION"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| {
                format!(
                    "cannot run {} ({e}): install Go (e.g. `apt-get install golang-go`) or pass --go PATH",
                    path.display()
                )
            })?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || !version.starts_with("go") {
            return Err(format!(
                "{} env GOVERSION failed: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Toolchain { path, version })
    }

    /// A warning when this toolchain's minor version is not the one `needed`
    /// names (checks then answer for this Go, not the release's).
    pub fn mismatch(&self, needed: &GoNeeded) -> Option<String> {
        let have = minor(&self.version)?;
        let want = minor(&needed.version)?;
        (have != want).then(|| {
            format!(
                "the release builds with Go {} ({}), but the checks run {}: results may differ from the release's own toolchain",
                needed.version, needed.source, self.version
            )
        })
    }
}

/// `(1, 19)` from `go1.19.8`, `1.19` or `1.19rc1`.
pub fn minor(version: &str) -> Option<(u32, u32)> {
    let v = version.trim_start_matches("go");
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// How `go` must be run on a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum GoMode {
    /// Module mode; `vendor` when the tree has `vendor/modules.txt` (`-mod=vendor`).
    Module {
        /// Whether `-mod=vendor` applies.
        vendor: bool,
    },
    /// GOPATH mode (`GO111MODULE=off`): the tree sits at `GOPATH/src/<import_path>`.
    Gopath {
        /// The tree's import path (its `go.mod` module path).
        import_path: String,
    },
}

impl GoMode {
    /// Decide for the tree materialized at `dir`: module mode when `go` can
    /// load the main module's packages there; GOPATH mode when it refuses
    /// the tree's go.mod (Kubernetes up to about 1.24 with a newer Go:
    /// "updates to go.mod needed"), or when there is no go.mod.
    pub fn detect(dir: &Path, go: &Toolchain, module: Option<&str>) -> Result<GoMode, String> {
        let Some(module) = module else {
            return Err(format!(
                "{}: no go.mod with a `module` line, so the tree's import path (for GOPATH mode) is unknown",
                dir.display()
            ));
        };
        let vendor = dir.join("vendor/modules.txt").is_file();
        let mut cmd = Command::new(&go.path);
        cmd.args(["list", "-find", "-e", "-f", "{{.ImportPath}}", "."])
            .current_dir(dir);
        for (k, v) in (GoMode::Module { vendor }).env(dir) {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", go.path.display()))?;
        if out.status.success() {
            Ok(GoMode::Module { vendor })
        } else {
            Ok(GoMode::Gopath {
                import_path: module.to_string(),
            })
        }
    }

    /// The environment `go` runs with. Never downloads: no module proxy, no
    /// toolchain switch.
    pub fn env(&self, gopath: &Path) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("GOPROXY", "off".to_string()),
            ("GOTOOLCHAIN", "local".to_string()),
        ];
        match self {
            GoMode::Module { vendor } => {
                env.push(("GO111MODULE", "on".into()));
                env.push(("GOFLAGS", if *vendor { "-mod=vendor" } else { "" }.into()));
            }
            GoMode::Gopath { .. } => {
                env.push(("GO111MODULE", "off".into()));
                env.push(("GOFLAGS", String::new()));
                env.push(("GOPATH", gopath.display().to_string()));
            }
        }
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_versions() {
        assert_eq!(minor("go1.19.8"), Some((1, 19)));
        assert_eq!(minor("1.15"), Some((1, 15)));
        assert_eq!(minor("go1.22rc1"), Some((1, 22)));
        assert_eq!(minor("devel"), None);
        let go = Toolchain {
            path: "go".into(),
            version: "go1.19.8".into(),
        };
        let needed = GoNeeded {
            version: "1.15.5".into(),
            source: "build/build-image/cross/VERSION".into(),
        };
        assert!(go.mismatch(&needed).unwrap().contains("Go 1.15.5"));
        assert_eq!(cross_image_go("v1.15.5-1\n").as_deref(), Some("1.15.5"));
        assert_eq!(
            cross_image_go("v1.21.0-go1.16.15-buster.0").as_deref(),
            Some("1.16.15")
        );
        assert_eq!(
            cross_image_go("v1.33.0-go1.25.9-bullseye.0").as_deref(),
            Some("1.25.9")
        );
        assert_eq!(cross_image_go("latest"), None);
        assert_eq!(
            go.mismatch(&GoNeeded {
                version: "1.19".into(),
                source: "go.mod".into()
            }),
            None
        );
    }
}
