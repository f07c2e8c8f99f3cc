//! The Go packages of a git tree and their import graph, read from the tree
//! itself (no Go toolchain): which packages a change reaches.
//!
//! Packages are named as module mode names them: a folder of the main module
//! by the module path (`k8s.io/kubernetes/pkg/kubelet`), a vendored package by
//! its own path (`vendor/github.com/x/y` is `github.com/x/y`), and a folder
//! with its own `go.mod` (Kubernetes' `staging/src/k8s.io/api`) by that
//! module's path (`k8s.io/api/core/v1`). Imports resolve to these names
//! whatever mode the tree builds in: in GOPATH mode,
//! `k8s.io/kubernetes/vendor/k8s.io/api` is the same folder.

use crate::checks::build_constraints::{Header, Target};
use crate::repo::{RepoError, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One Go package of the tree, for one target.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Package {
    /// The import path, as module mode names it.
    pub import_path: String,
    /// The folder in the tree (empty for the root).
    pub folder: String,
    /// Imports of the files a build compiles (not `_test.go`).
    pub imports: BTreeSet<String>,
    /// Imports of the `_test.go` files, both in-package and external tests.
    pub test_imports: BTreeSet<String>,
    /// Whether any file is compiled for the target (else: tests only).
    pub buildable: bool,
}

/// Every Go package of a tree, by import path.
#[derive(Debug, Clone, Default)]
pub struct PackageGraph {
    /// The main module's path, from the root `go.mod` (None without one).
    pub module: Option<String>,
    /// Packages by import path.
    pub packages: BTreeMap<String, Package>,
    /// Import path by folder.
    by_folder: HashMap<String, String>,
}

/// What `affected` answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Affected {
    /// Packages with a changed file.
    pub changed: Vec<String>,
    /// `changed` and every package that imports one of them, transitively,
    /// through non-test imports.
    pub affected: Vec<String>,
    /// Packages outside `affected` whose tests import an affected package.
    pub tests: Vec<String>,
}

/// The Go sources of a tree, read once for any number of targets: every
/// folder's `.go` files with their headers, and the tree's modules.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The main module's path, from the root `go.mod`.
    pub module: Option<String>,
    /// Folders (tree order) with their files: name, blob and header.
    pub folders: Vec<(String, Vec<SourceFile>)>,
    /// The folders with a `go.mod` that count as modules of their own.
    modules: BTreeMap<String, String>,
}

/// One `.go` file of a tree.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file name (no folder).
    pub name: String,
    /// Its blob.
    pub blob: ObjectId,
    /// Its header: constraints, package clause, imports.
    pub header: Header,
}

impl Sources {
    /// Read the header of every `.go` file of `tree`. Folders named
    /// `testdata` or starting with `.` or `_` are skipped, as `go` skips them.
    pub fn read(repo: &gix::Repository, tree: ObjectId) -> Result<Sources, RepoError> {
        Sources::read_files(repo, tree, &|_| true)
    }

    /// [`Sources::read`], keeping only the `.go` files whose name `keep`
    /// accepts (`deps` needs no `_test.go` file).
    pub fn read_files(
        repo: &gix::Repository,
        tree: ObjectId,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Sources, RepoError> {
        let mut out = Sources::list(repo, tree, keep)?;
        let all: Vec<(usize, usize)> = out
            .folders
            .iter()
            .enumerate()
            .flat_map(|(i, (_, files))| (0..files.len()).map(move |j| (i, j)))
            .collect();
        out.read_headers(repo, &all, &|_, _| None::<()>)?;
        Ok(out)
    }

    /// [`Sources::read_files`], reading only the folders that the folders
    /// `roots` accepts reach through imports (in any file, on any platform):
    /// the others keep their files listed, with empty headers. What a set of
    /// binaries can reach is all there is to read for their closures.
    pub fn read_reachable(
        repo: &gix::Repository,
        tree: ObjectId,
        keep: &(dyn Fn(&str) -> bool + Sync),
        roots: &dyn Fn(&str) -> bool,
    ) -> Result<Sources, RepoError> {
        Sources::read_reachable_visiting(repo, tree, keep, roots, &|_, _| None::<()>)
            .map(|(sources, _)| sources)
    }

    /// [`Sources::read_reachable`], also calling `visit` on each file read
    /// (its header and text, while the text is in memory, on the reading
    /// threads): what it returns, by blob. Work that needs a file's text
    /// then costs no second decompression.
    pub fn read_reachable_visiting<T: Send>(
        repo: &gix::Repository,
        tree: ObjectId,
        keep: &(dyn Fn(&str) -> bool + Sync),
        roots: &dyn Fn(&str) -> bool,
        visit: &(dyn Fn(&Header, &[u8]) -> Option<T> + Sync),
    ) -> Result<(Sources, HashMap<ObjectId, T>), RepoError> {
        let mut out = Sources::list(repo, tree, keep)?;
        // The folder of each import path, the vendored copy first, as `-mod=vendor` resolves.
        let mut owner: HashMap<String, usize> = HashMap::new();
        for (i, (folder, _)) in out.folders.iter().enumerate() {
            let path = out.import_path(folder);
            let vendored = folder.starts_with("vendor/");
            match owner.get(&path) {
                Some(&o) if out.folders[o].0.starts_with("vendor/") && !vendored => {}
                _ => {
                    owner.insert(path, i);
                }
            }
        }
        let mut seen: BTreeSet<usize> = (0..out.folders.len())
            .filter(|&i| roots(&out.folders[i].0))
            .collect();
        let mut wave: Vec<usize> = seen.iter().copied().collect();
        let mut visited = HashMap::new();
        while !wave.is_empty() {
            let files: Vec<(usize, usize)> = wave
                .iter()
                .flat_map(|&i| (0..out.folders[i].1.len()).map(move |j| (i, j)))
                .collect();
            visited.extend(out.read_headers(repo, &files, visit)?);
            let mut next = Vec::new();
            for &(i, j) in &files {
                for import in &out.folders[i].1[j].header.imports {
                    let name = out.module_mode_name(import);
                    if let Some(&o) = owner.get(name)
                        && seen.insert(o)
                    {
                        next.push(o);
                    }
                }
            }
            wave = next;
        }
        Ok((out, visited))
    }

    /// The tree's folders with `.go` files (names and blobs, headers empty)
    /// and its modules.
    fn list(
        repo: &gix::Repository,
        tree: ObjectId,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Sources, RepoError> {
        let mut folders: Vec<(String, Vec<(String, ObjectId)>)> = Vec::new();
        let mut modules: BTreeMap<String, String> = BTreeMap::new();
        walk(repo, tree, String::new(), &mut folders, &mut modules)?;
        // A nested module is its own module only when the main module uses it
        // (named in go.mod or vendor/modules.txt, as Kubernetes' staging modules
        // are); otherwise its folder is part of the enclosing module, as GOPATH
        // mode and `go build ./...` see it.
        let root = repo.find_tree(tree).map_err(git_err)?;
        let used: BTreeSet<String> = ["go.mod", "vendor/modules.txt"]
            .iter()
            .filter_map(|path| crate::repo::blob_at(repo, &root, path.as_bytes()).transpose())
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .flat_map(|text| text.split(|b| b.is_ascii_whitespace()))
            .map(|w| w.to_str_lossy().into_owned())
            .collect();
        modules.retain(|folder, path| folder.is_empty() || used.contains(path));
        let folders = folders
            .into_iter()
            .map(|(folder, files)| {
                let files: Vec<SourceFile> = files
                    .into_iter()
                    .filter(|(name, _)| keep(name))
                    .map(|(name, blob)| SourceFile {
                        name,
                        blob,
                        header: Header::default(),
                    })
                    .collect();
                (folder, files)
            })
            .filter(|(_, files)| !files.is_empty())
            .collect();
        Ok(Sources {
            module: modules.get("").cloned(),
            folders,
            modules,
        })
    }

    /// Read the headers of `files` (folder, file indexes), calling `visit`
    /// on each; what it returns, by blob. Decompressing the blobs is most of
    /// the work: it is spread over the cores, each thread with its own handle
    /// (a clone keeps in-memory objects).
    fn read_headers<T: Send>(
        &mut self,
        repo: &gix::Repository,
        files: &[(usize, usize)],
        visit: &(dyn Fn(&Header, &[u8]) -> Option<T> + Sync),
    ) -> Result<Vec<(ObjectId, T)>, RepoError> {
        let blobs: Vec<ObjectId> = files
            .iter()
            .map(|&(i, j)| self.folders[i].1[j].blob)
            .collect();
        let jobs = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let chunk = blobs.len().div_ceil(jobs).max(1);
        type Read<T> = (Header, Option<T>);
        let parsed: Vec<Result<Vec<Read<T>>, RepoError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = blobs
                .chunks(chunk)
                .map(|part| {
                    let local = repo.clone();
                    scope.spawn(move || {
                        part.iter()
                            .map(|blob| {
                                let object = local.find_object(*blob).map_err(git_err)?;
                                let header = Header::parse(&object.data);
                                let seen = visit(&header, &object.data);
                                Ok((header, seen))
                            })
                            .collect::<Result<Vec<_>, RepoError>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("reading does not panic"))
                .collect()
        });
        let mut read = Vec::with_capacity(files.len());
        for p in parsed {
            read.extend(p?);
        }
        let mut visited = Vec::new();
        for ((&(i, j), (header, seen)), blob) in files.iter().zip(read).zip(blobs) {
            self.folders[i].1[j].header = header;
            visited.extend(seen.map(|t| (blob, t)));
        }
        Ok(visited)
    }

    /// The module-mode import path of `folder`.
    pub fn import_path(&self, folder: &str) -> String {
        import_path(folder, &self.modules)
    }

    /// `path` as module mode names it (GOPATH mode's `<module>/vendor/X` is `X`).
    pub fn module_mode_name<'p>(&self, path: &'p str) -> &'p str {
        module_mode_name(self.module.as_deref(), path)
    }
}

impl PackageGraph {
    /// Read every Go package of `tree` as `target` sees it. Folders named
    /// `testdata` or starting with `.` or `_` are skipped, as `go` skips them.
    pub fn load(
        repo: &gix::Repository,
        tree: ObjectId,
        target: &Target,
    ) -> Result<PackageGraph, RepoError> {
        Ok(PackageGraph::from_sources(
            &Sources::read(repo, tree)?,
            target,
        ))
    }

    /// The packages of `sources` as `target` sees them.
    pub fn from_sources(sources: &Sources, target: &Target) -> PackageGraph {
        let mut graph = PackageGraph {
            module: sources.module.clone(),
            ..Default::default()
        };
        for (folder, files) in &sources.folders {
            let mut package = Package {
                import_path: sources.import_path(folder),
                folder: folder.clone(),
                ..Default::default()
            };
            let mut any = false;
            for file in files {
                let header = &file.header;
                if !target.matches_file_name(&file.name)
                    || header.package.is_empty()
                    || !target.matches_constraints(header)
                    || (!target.cgo && header.imports.iter().any(|i| i == "C"))
                {
                    continue;
                }
                any = true;
                let imports = header.imports.iter().filter(|i| *i != "C").cloned();
                if file.name.ends_with("_test.go") {
                    package.test_imports.extend(imports);
                } else {
                    package.buildable = true;
                    package.imports.extend(imports);
                }
            }
            if any {
                graph
                    .by_folder
                    .insert(folder.clone(), package.import_path.clone());
                // A real vendor folder wins over a second copy of the same path.
                let vendored = package.folder.starts_with("vendor/");
                match graph.packages.get(&package.import_path) {
                    Some(existing) if existing.folder.starts_with("vendor/") && !vendored => {}
                    _ => {
                        graph.packages.insert(package.import_path.clone(), package);
                    }
                }
            }
        }
        // GOPATH mode's names for vendored packages are the same packages.
        let module = graph.module.clone();
        for p in graph.packages.values_mut() {
            for set in [&mut p.imports, &mut p.test_imports] {
                *set = set
                    .iter()
                    .map(|i| module_mode_name(module.as_deref(), i).to_string())
                    .collect();
            }
        }
        graph
    }

    /// `path` as module mode names it: GOPATH mode's `<module>/vendor/X` is `X`
    /// (KLTS's tolerated lists and `go` in GOPATH mode use those names).
    pub fn module_mode_name<'p>(&self, path: &'p str) -> &'p str {
        module_mode_name(self.module.as_deref(), path)
    }

    /// The import path of the package in `folder`, if it is one.
    pub fn package_in(&self, folder: &str) -> Option<&str> {
        self.by_folder.get(folder).map(String::as_str)
    }

    /// The packages that contain `paths` (files of the tree), and what they reach.
    ///
    /// A change to what the build of every package reads (a `go.mod` or
    /// `go.sum`, `vendor/modules.txt`) reaches every package: it can change how
    /// any import resolves.
    pub fn affected<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Affected {
        let paths: Vec<&str> = paths.into_iter().collect();
        let everything = paths.iter().any(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name == "go.mod" || name == "go.sum" || *p == "vendor/modules.txt"
        });
        let changed: BTreeSet<String> = if everything {
            self.packages.keys().cloned().collect()
        } else {
            paths
                .iter()
                .filter_map(|p| self.package_in(p.rsplit_once('/').map_or("", |(d, _)| d)))
                .map(str::to_string)
                .collect()
        };
        self.reached_from(changed)
    }

    /// `changed` and the packages that import them, transitively (non-test
    /// imports), and the other packages whose tests import one of them.
    pub fn reached_from(&self, changed: BTreeSet<String>) -> Affected {
        let mut importers: HashMap<&str, Vec<&str>> = HashMap::new();
        for p in self.packages.values() {
            for i in &p.imports {
                importers
                    .entry(i.as_str())
                    .or_default()
                    .push(p.import_path.as_str());
            }
        }
        let mut affected: BTreeSet<String> = changed.clone();
        let mut queue: Vec<String> = changed.iter().cloned().collect();
        while let Some(p) = queue.pop() {
            for &q in importers.get(p.as_str()).into_iter().flatten() {
                if affected.insert(q.to_string()) {
                    queue.push(q.to_string());
                }
            }
        }
        let tests = self
            .packages
            .values()
            .filter(|p| !affected.contains(&p.import_path))
            .filter(|p| p.test_imports.iter().any(|i| affected.contains(i)))
            .map(|p| p.import_path.clone())
            .collect();
        Affected {
            changed: changed.into_iter().collect(),
            affected: affected.into_iter().collect(),
            tests,
        }
    }
}

/// Collect the `.go` files of every folder, and the module path of every
/// folder with a `go.mod`.
fn walk(
    repo: &gix::Repository,
    tree: ObjectId,
    folder: String,
    folders: &mut Vec<(String, Vec<(String, ObjectId)>)>,
    modules: &mut BTreeMap<String, String>,
) -> Result<(), RepoError> {
    let tree = repo.find_tree(tree).map_err(git_err)?;
    let mut files = Vec::new();
    let mut subfolders = Vec::new();
    for entry in tree.iter() {
        let entry = entry.map_err(git_err)?;
        let name = entry.filename().to_str_lossy().into_owned();
        let mode = entry.mode();
        if mode.is_tree() {
            if !(name == "testdata" || name.starts_with('.') || name.starts_with('_')) {
                subfolders.push((name, entry.object_id()));
            }
        } else if mode.is_blob() {
            if name == "go.mod" {
                let data = repo.find_object(entry.object_id()).map_err(git_err)?;
                if let Some(path) = module_path(&data.data) {
                    modules.insert(folder.clone(), path);
                }
            } else if name.ends_with(".go") && !name.starts_with(['.', '_']) {
                files.push((name, entry.object_id()));
            }
        }
    }
    if !files.is_empty() {
        folders.push((folder.clone(), files));
    }
    for (name, id) in subfolders {
        let sub = if folder.is_empty() {
            name
        } else {
            format!("{folder}/{name}")
        };
        walk(repo, id, sub, folders, modules)?;
    }
    Ok(())
}

/// The `module` directive of a `go.mod`.
pub fn module_path(go_mod: &[u8]) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let line = line.trim();
        let rest = line.strip_prefix(b"module")?;
        if !rest.first().is_some_and(u8::is_ascii_whitespace) {
            return None;
        }
        let path = rest.trim().to_str_lossy();
        let path = path
            .split("//")
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        (!path.is_empty()).then(|| path.to_string())
    })
}

fn module_mode_name<'p>(module: Option<&str>, path: &'p str) -> &'p str {
    module
        .and_then(|m| path.strip_prefix(m)?.strip_prefix("/vendor/"))
        .unwrap_or(path)
}

/// The module-mode import path of `folder`.
fn import_path(folder: &str, modules: &BTreeMap<String, String>) -> String {
    if let Some(rest) = folder.strip_prefix("vendor/") {
        return rest.to_string();
    }
    // The innermost folder with a go.mod that contains `folder`.
    let owner = modules
        .iter()
        .filter(|(root, _)| {
            root.is_empty()
                || folder
                    .strip_prefix(root.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .max_by_key(|(root, _)| root.len());
    match owner {
        Some((root, module)) => {
            let rest = folder[root.len()..].trim_start_matches('/');
            if rest.is_empty() {
                module.clone()
            } else {
                format!("{module}/{rest}")
            }
        }
        None => folder.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_named_as_module_mode_names_them() {
        let modules: BTreeMap<String, String> = [
            ("".to_string(), "k8s.io/kubernetes".to_string()),
            (
                "staging/src/k8s.io/api".to_string(),
                "k8s.io/api".to_string(),
            ),
        ]
        .into();
        assert_eq!(
            import_path("pkg/kubelet", &modules),
            "k8s.io/kubernetes/pkg/kubelet"
        );
        assert_eq!(import_path("", &modules), "k8s.io/kubernetes");
        assert_eq!(
            import_path("vendor/github.com/a/b", &modules),
            "github.com/a/b"
        );
        assert_eq!(
            import_path("staging/src/k8s.io/api/core/v1", &modules),
            "k8s.io/api/core/v1"
        );
        assert_eq!(
            import_path("staging/src/k8s.io/apiextra", &modules),
            "k8s.io/kubernetes/staging/src/k8s.io/apiextra"
        );
    }

    #[test]
    fn a_module_file_change_reaches_every_package() {
        let mut graph = PackageGraph::default();
        for (path, folder) in [("m/a", "a"), ("m/b", "b")] {
            graph.packages.insert(
                path.into(),
                Package {
                    import_path: path.into(),
                    folder: folder.into(),
                    buildable: true,
                    ..Default::default()
                },
            );
            graph.by_folder.insert(folder.into(), path.into());
        }
        assert_eq!(graph.affected(["a/x.go"]).changed, ["m/a"]);
        assert_eq!(graph.affected(["README.md"]).changed, Vec::<String>::new());
        for p in ["go.mod", "go.sum", "vendor/modules.txt", "a/go.mod"] {
            assert_eq!(graph.affected([p]).changed, ["m/a", "m/b"], "{p}");
        }
    }

    #[test]
    fn module_directive() {
        assert_eq!(
            module_path(b"// c\nmodule k8s.io/kubernetes\n\ngo 1.15\n").as_deref(),
            Some("k8s.io/kubernetes")
        );
        assert_eq!(
            module_path(b"module \"tinykube\" // x\n").as_deref(),
            Some("tinykube")
        );
        assert_eq!(module_path(b"modules x\n"), None);
    }
}
