//! Which packages the release's binaries reach: the import closure of its
//! `main` packages on every platform it ships, read from the tree (and, for
//! the standard library's own imports, from a Go installation of the same
//! minor when one is available).
//!
//! One graph serves every platform: each file's build constraints are
//! evaluated once per platform, and each import edge carries the set of
//! platforms (a bit mask) on which some file of the package makes it.

use super::stdlib::{StdSources, is_std};
use crate::checks::build_constraints::Target;
use crate::checks::go_packages::Sources;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// The platforms a Kubernetes release ships binaries for (its
/// `KUBE_SERVER_PLATFORMS`, `KUBE_NODE_PLATFORMS` and
/// `KUBE_CLIENT_PLATFORMS`, less the 32-bit ones): a package counts as
/// imported when it is on any of them, and as not imported only when it is on
/// none.
pub const PLATFORMS: &[(&str, &str)] = &[
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "s390x"),
    ("windows", "amd64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

/// How the binaries are chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binaries {
    /// The `main` packages directly under `cmd/` (`cmd/kubelet`).
    Default,
    /// The manifest's `binaries:`: folders, or `FOLDER/...` for every `main`
    /// package below one.
    Listed(Vec<String>),
}

/// A binary of the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binary {
    /// Its folder in the tree (`cmd/kubelet`).
    pub folder: String,
    /// Its import path.
    pub package: String,
}

/// A set of platforms: bit `i` is `PLATFORMS[i]`.
type Mask = u8;

#[derive(Default)]
struct Graph {
    names: Vec<String>,
    ids: HashMap<String, usize>,
    /// The tree folder of a tree package.
    folder: Vec<Option<String>>,
    /// Platforms on which a tree package compiles some file.
    buildable: Vec<Mask>,
    /// Platforms on which a standard package exists (in the Go read).
    std: Vec<Mask>,
    /// Non-test imports, with the platforms that make them.
    edges: Vec<Vec<(usize, Mask)>>,
}

impl Graph {
    fn id(&mut self, name: &str) -> usize {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), i);
        self.folder.push(None);
        self.buildable.push(0);
        self.std.push(0);
        self.edges.push(Vec::new());
        i
    }

    fn add_edge(&mut self, from: usize, to: usize, mask: Mask) {
        match self.edges[from].iter_mut().find(|(t, _)| *t == to) {
            Some((_, m)) => *m |= mask,
            None => self.edges[from].push((to, mask)),
        }
    }
}

/// The closures of a tree's binaries.
pub struct Reach {
    /// The binaries, by folder.
    pub binaries: Vec<Binary>,
    /// The Go version whose standard library was read, if any.
    pub std_version: Option<String>,
    graph: Graph,
    /// Per platform: reached package id → the id that imports it on a
    /// shortest path from a binary (itself for a binary).
    reached: Vec<HashMap<usize, usize>>,
    /// Per platform: package id → bit set of the binaries that reach it.
    by_binary: Vec<HashMap<usize, Vec<u64>>>,
    /// Package id → folders of reached tree packages importing it (non-test).
    importers: HashMap<usize, BTreeSet<String>>,
}

/// Where a package stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Reached: on these platforms, by this import chain (binary first).
    Imported {
        /// `linux/amd64`, … where it is reached.
        platforms: Vec<String>,
        /// One shortest import chain from a binary.
        chain: Vec<String>,
    },
    /// In the tree (or the standard library read), reached by no binary.
    NotImported,
    /// Neither in the tree nor, for a standard package, in the standard library read.
    NotPresent,
    /// A standard package the tree does not import directly, and no standard
    /// library of the release's minor was read to follow it.
    Unknown,
}

impl Reach {
    /// Compute the closures of `binaries` in `sources` on [`PLATFORMS`], for
    /// Go `go_minor` (its release tags), following the standard library's
    /// own imports through `std` when given.
    pub fn compute(
        sources: &Sources,
        binaries: &Binaries,
        go_minor: u32,
        std: Option<&StdSources>,
    ) -> Reach {
        let targets: Vec<Target> = PLATFORMS
            .iter()
            .map(|(goos, goarch)| Target {
                goos: goos.to_string(),
                goarch: goarch.to_string(),
                go_minor,
                ..Target::default()
            })
            .collect();
        let mut graph = Graph::default();
        add_tree(&mut graph, sources, &targets);
        if let Some(std) = std {
            add_std(&mut graph, std, &targets);
        }
        let binaries: Vec<Binary> = main_folders(sources)
            .into_iter()
            .filter(|f| selected(f, binaries))
            .map(|folder| Binary {
                package: sources.import_path(&folder),
                folder,
            })
            .collect();
        let roots: Vec<usize> = binaries
            .iter()
            .filter_map(|b| graph.ids.get(&b.package).copied())
            .collect();
        let with_std = std.is_some();
        let reached: Vec<HashMap<usize, usize>> = (0..PLATFORMS.len())
            .map(|p| closure(&graph, &roots, 1 << p, with_std))
            .collect();
        let by_binary = (0..PLATFORMS.len())
            .map(|p| mark_binaries(&graph, &binaries, &reached[p], 1 << p))
            .collect();
        // Importers inside some binary's closure: the files a hint reads.
        let mut importers: HashMap<usize, BTreeSet<String>> = HashMap::new();
        for (from, edges) in graph.edges.iter().enumerate() {
            if !reached.iter().any(|r| r.contains_key(&from)) {
                continue;
            }
            if let Some(folder) = &graph.folder[from] {
                for (to, _) in edges {
                    importers.entry(*to).or_default().insert(folder.clone());
                }
            }
        }
        Reach {
            binaries,
            std_version: std.map(|s| s.version.clone()),
            graph,
            reached,
            by_binary,
            importers,
        }
    }

    /// Whether the tree has `package` on some platform.
    pub fn in_tree(&self, package: &str) -> bool {
        self.graph
            .ids
            .get(package)
            .is_some_and(|&i| self.graph.buildable[i] != 0 || self.graph.folder[i].is_some())
    }

    /// Where `package` (a standard one when `stdlib`) stands, on the
    /// platforms `applies` accepts.
    pub fn standing(
        &self,
        package: &str,
        stdlib: bool,
        applies: &dyn Fn(&str, &str) -> bool,
    ) -> Standing {
        let id = self.graph.ids.get(package).copied();
        let mut platforms = Vec::new();
        let mut chain = Vec::new();
        let mut in_std = false;
        for (p, (goos, goarch)) in PLATFORMS.iter().enumerate() {
            if !applies(goos, goarch) {
                continue;
            }
            let Some(id) = id else { continue };
            if self.reached[p].contains_key(&id) {
                if chain.is_empty() {
                    chain = self.chain(p, id);
                }
                platforms.push(format!("{goos}/{goarch}"));
            }
            in_std |= self.graph.std[id] & (1 << p) != 0;
        }
        if !platforms.is_empty() {
            return Standing::Imported { platforms, chain };
        }
        if stdlib && is_std(package) {
            return match (self.std_version.is_some(), in_std) {
                (false, _) => Standing::Unknown,
                (true, true) => Standing::NotImported,
                (true, false) => Standing::NotPresent,
            };
        }
        if self.in_tree(package) {
            Standing::NotImported
        } else {
            Standing::NotPresent
        }
    }

    fn chain(&self, platform: usize, id: usize) -> Vec<String> {
        let mut chain = vec![self.graph.names[id].clone()];
        let mut at = id;
        while let Some(&prev) = self.reached[platform].get(&at) {
            if prev == at || chain.len() > self.graph.names.len() {
                break;
            }
            chain.push(self.graph.names[prev].clone());
            at = prev;
        }
        chain.reverse();
        chain
    }

    /// The binaries that reach `package` on some platform, by folder.
    pub fn binaries_reaching(&self, package: &str) -> Vec<String> {
        let Some(&id) = self.graph.ids.get(package) else {
            return Vec::new();
        };
        let mut out = BTreeSet::new();
        for marks in &self.by_binary {
            let Some(bits) = marks.get(&id) else { continue };
            for (i, b) in self.binaries.iter().enumerate() {
                if bits[i / 64] & (1 << (i % 64)) != 0 {
                    out.insert(b.folder.clone());
                }
            }
        }
        out.into_iter().collect()
    }

    /// The folders of the packages in some binary's closure that import
    /// `package` in a non-test file (on some platform).
    pub fn importers(&self, package: &str) -> Vec<&str> {
        self.graph
            .ids
            .get(package)
            .and_then(|i| self.importers.get(i))
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// The tree's packages and their non-test imports, per platform.
fn add_tree(graph: &mut Graph, sources: &Sources, targets: &[Target]) {
    // The folder that names each import path: a vendor/ copy wins, as
    // `-mod=vendor` decides.
    let mut owner: HashMap<String, &str> = HashMap::new();
    for (folder, _) in &sources.folders {
        let path = sources.import_path(folder);
        let vendored = folder.starts_with("vendor/");
        match owner.get(&path) {
            Some(f) if f.starts_with("vendor/") && !vendored => {}
            _ => {
                owner.insert(path, folder);
            }
        }
    }
    for (folder, files) in &sources.folders {
        let path = sources.import_path(folder);
        if owner.get(&path) != Some(&folder.as_str()) {
            continue;
        }
        let id = graph.id(&path);
        for file in files.iter().filter(|f| !f.name.ends_with("_test.go")) {
            let h = &file.header;
            if h.package.is_empty() {
                continue;
            }
            let mut mask: Mask = 0;
            for (p, t) in targets.iter().enumerate() {
                let ok = t.matches_file_name(&file.name)
                    && t.matches_constraints(h)
                    && (t.cgo || !h.imports.iter().any(|i| i == "C"));
                if ok {
                    mask |= 1 << p;
                }
            }
            if mask == 0 {
                continue;
            }
            graph.buildable[id] |= mask;
            for i in h.imports.iter().filter(|i| *i != "C") {
                let to = graph.id(sources.module_mode_name(i));
                graph.add_edge(id, to, mask);
            }
        }
        graph.folder[id] = Some(folder.clone());
    }
}

/// The standard library's packages and imports, per platform.
fn add_std(graph: &mut Graph, std: &StdSources, targets: &[Target]) {
    for (p, t) in targets.iter().enumerate() {
        let g = std.graph(t);
        for (package, imports) in &g.imports {
            let id = graph.id(package);
            if graph.folder[id].is_some() {
                continue; // a tree package of the same name wins
            }
            graph.std[id] |= 1 << p;
            for i in imports {
                let to = graph.id(i);
                graph.add_edge(id, to, 1 << p);
            }
        }
    }
}

/// Breadth-first from the binaries over the edges present on `platform`;
/// into the standard library as far as it was read (without it, a standard
/// package is reached but not followed).
fn closure(
    graph: &Graph,
    roots: &[usize],
    platform: Mask,
    with_std: bool,
) -> HashMap<usize, usize> {
    let mut reached = HashMap::new();
    let mut queue = VecDeque::new();
    for &r in roots {
        if graph.buildable[r] & platform != 0 && reached.insert(r, r).is_none() {
            queue.push_back(r);
        }
    }
    while let Some(p) = queue.pop_front() {
        for &(to, mask) in &graph.edges[p] {
            if mask & platform == 0 || reached.contains_key(&to) {
                continue;
            }
            let known = graph.buildable[to] & platform != 0
                || (graph.folder[to].is_none()
                    && is_std(&graph.names[to])
                    && (!with_std || graph.std[to] & platform != 0));
            if known {
                reached.insert(to, p);
                queue.push_back(to);
            }
        }
    }
    reached
}

/// For every reached package, the bit of each binary that reaches it.
fn mark_binaries(
    graph: &Graph,
    binaries: &[Binary],
    reached: &HashMap<usize, usize>,
    platform: Mask,
) -> HashMap<usize, Vec<u64>> {
    let words = binaries.len().div_ceil(64).max(1);
    let mut out: HashMap<usize, Vec<u64>> = HashMap::new();
    let mut seen = vec![usize::MAX; graph.names.len()];
    for (i, b) in binaries.iter().enumerate() {
        let Some(&root) = graph.ids.get(&b.package) else {
            continue;
        };
        if !reached.contains_key(&root) {
            continue;
        }
        seen[root] = i;
        let mut queue = VecDeque::from([root]);
        while let Some(p) = queue.pop_front() {
            out.entry(p).or_insert_with(|| vec![0; words])[i / 64] |= 1 << (i % 64);
            for &(to, mask) in &graph.edges[p] {
                if mask & platform != 0 && seen[to] != i && reached.contains_key(&to) {
                    seen[to] = i;
                    queue.push_back(to);
                }
            }
        }
    }
    out
}

/// Folders holding a `main` package (a non-test file with `package main`).
fn main_folders(sources: &Sources) -> Vec<String> {
    sources
        .folders
        .iter()
        .filter(|(_, files)| {
            files
                .iter()
                .any(|f| f.header.package == "main" && !f.name.ends_with("_test.go"))
        })
        .map(|(folder, _)| folder.clone())
        .collect()
}

impl Binaries {
    /// Whether `folder` is one of the binaries' folders (if it holds a `main` package).
    pub fn selects(&self, folder: &str) -> bool {
        selected(folder, self)
    }
}

fn selected(folder: &str, binaries: &Binaries) -> bool {
    match binaries {
        Binaries::Default => folder
            .strip_prefix("cmd/")
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/')),
        Binaries::Listed(list) => list.iter().any(|entry| match entry.strip_suffix("/...") {
            Some(root) => folder == root || folder.starts_with(&format!("{root}/")),
            None => folder == entry,
        }),
    }
}

/// Why a `binaries:` entry cannot name folders of a tree, if it cannot.
pub fn check_binary_entry(entry: &str) -> Result<(), String> {
    let root = entry.strip_suffix("/...").unwrap_or(entry);
    let ok = !root.is_empty()
        && !root.starts_with('/')
        && root
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\\', '\0', '*']));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`binaries:` entry `{}` is not a folder of the tree (expected a relative path such as cmd/kubelet, or cmd/... for every main package below cmd)",
            entry.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_selection_and_entries() {
        assert!(selected("cmd/kubelet", &Binaries::Default));
        assert!(!selected("cmd/kubelet/app", &Binaries::Default));
        assert!(!selected("hack/tool", &Binaries::Default));
        let listed = Binaries::Listed(vec!["cmd/...".into(), "hack/tool".into()]);
        assert!(selected("cmd/kubelet/app", &listed) && selected("hack/tool", &listed));
        assert!(!selected("hack/tool2", &listed));
        for bad in ["", "/etc", "../x", "a/../b", "a//b", "cmd/*"] {
            assert!(check_binary_entry(bad).is_err(), "{bad}");
        }
        assert!(check_binary_entry("cmd/...").is_ok());
    }
}
