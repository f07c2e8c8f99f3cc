//! What a release ships, read from its tree (the base tag with the whole
//! chain applied, so a patch that bumps Go or a module counts): the Go
//! toolchain, the modules, and the components kubeadm deploys.

use super::components::{self, Component};
use super::module::{Module, Replacement};
use crate::error::{Error, Result};
use crate::gomod::go_mod::{GoMod, Requirement};
use crate::gomod::modules_txt::VendorList;
use crate::gomod::version::Version;
use gix::ObjectId;
use serde::Serialize;

/// The Go a release builds with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoUsed {
    /// The version, as the file writes it (`1.15.5`, `1.19`).
    pub version: String,
    /// The file that names it.
    pub source: String,
    /// The version the standard library is matched at (`go.mod`'s language
    /// version `1.19` is matched as 1.19.0, the oldest it allows).
    #[serde(skip)]
    pub matched: Version,
    /// Whether the file names a toolchain release: `false` for `go.mod`'s
    /// `go` directive, which only sets the minimum language version.
    pub exact: bool,
}

/// How the module list was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleSource {
    /// `vendor/modules.txt`: the build list, with the packages compiled.
    Vendored,
    /// `go.mod` requirements: declared, not the build list (that needs the
    /// module graph), and no package of them is in the tree.
    Declared,
    /// Neither file: no module information.
    None,
}

/// What a module is to the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleKind {
    /// A dependency built into the release.
    Dependency,
    /// Replaced by a folder of the tree (Kubernetes' `staging/`): the
    /// release's own code.
    Local,
    /// Named only by a wildcard replacement: not in the build list.
    ReplacementOnly,
    /// Required in `go.mod` (no vendor folder): declared, not the build list.
    Declared,
}

/// One module of the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippedModule {
    /// The module path.
    pub path: String,
    /// Its version (`None` for a module named only by a replacement).
    pub version: Option<Version>,
    /// Where `=>` points it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<Replacement>,
    /// What it is to the release.
    pub kind: ModuleKind,
    /// `## explicit` (or a direct `require`).
    pub explicit: bool,
    /// Packages vendored from it.
    pub packages: usize,
}

impl ShippedModule {
    /// The code actually built: the replacement when it is another module
    /// version, else the module itself. `None` for local and
    /// replacement-only modules (no dependency code is built from them).
    pub fn effective(&self) -> Option<Module> {
        if !matches!(self.kind, ModuleKind::Dependency | ModuleKind::Declared) {
            return None;
        }
        match &self.replaced_by {
            Some(Replacement::Module { path, version }) => Some(Module {
                path: path.clone(),
                version: version.clone(),
            }),
            Some(Replacement::Local { .. }) => None,
            None => Some(Module {
                path: self.path.clone(),
                version: self.version.clone()?,
            }),
        }
    }
}

/// What a release ships.
#[derive(Debug, Clone, Serialize)]
pub struct Shipped {
    /// The tree it was read from.
    #[serde(skip)]
    pub tree: ObjectId,
    /// The Go it builds with, when the tree names one.
    pub go: Option<GoUsed>,
    /// The main module's path.
    pub main_module: Option<String>,
    /// How `modules` was read.
    pub module_source: ModuleSource,
    /// Every module `vendor/modules.txt` (or `go.mod`) names.
    pub modules: Vec<ShippedModule>,
    /// The vendor list itself (packages by module), when vendored.
    #[serde(skip)]
    pub vendor: Option<VendorList>,
    /// Components kubeadm deploys.
    pub components: Vec<Component>,
}

impl Shipped {
    /// Read `tree`. `release` names it in errors: a malformed
    /// `vendor/modules.txt` or `go.mod` is an error naming the file and line.
    pub fn read(repo: &gix::Repository, tree: ObjectId, release: &str) -> Result<Shipped> {
        let root = repo.find_tree(tree).map_err(crate::repo::git_err)?;
        let text = |path: &str| tree_text(repo, &root, path, release);
        let bad = |file: &str, line: usize, message: &str| {
            Error::Input(format!(
                "{release}: {file}:{line} (in the release's tree): {message}"
            ))
        };
        let go_mod = match text("go.mod")? {
            Some(t) => {
                let m = GoMod::parse(&t).map_err(|e| bad("go.mod", e.line, &e.message))?;
                let declared = m
                    .declared()
                    .map_err(|e| bad("go.mod", e.line, &e.message))?;
                Some((m.module, declared))
            }
            None => None,
        };
        let vendor = match text("vendor/modules.txt")? {
            Some(t) => Some(
                VendorList::parse(&t).map_err(|e| bad("vendor/modules.txt", e.line, &e.message))?,
            ),
            None => None,
        };
        let (module_source, modules) = match (&vendor, &go_mod) {
            (Some(v), _) => (ModuleSource::Vendored, vendored(v)),
            (None, Some((_, requires))) => (ModuleSource::Declared, declared(requires)),
            (None, None) => (ModuleSource::None, Vec::new()),
        };
        let components = text(components::KUBEADM_CONSTANTS)?
            .map(|t| components::kubeadm(&t))
            .unwrap_or_default();
        Ok(Shipped {
            tree,
            go: go_used(repo, tree)?,
            main_module: go_mod.and_then(|(module, _)| module),
            module_source,
            modules,
            vendor,
            components,
        })
    }

    /// The module named `path`.
    pub fn module(&self, path: &str) -> Option<&ShippedModule> {
        self.modules.iter().find(|m| m.path == path)
    }

    /// The release's own modules: the main module and the local ones.
    pub fn own_modules(&self) -> impl Iterator<Item = &str> {
        self.main_module.as_deref().into_iter().chain(
            self.modules
                .iter()
                .filter(|m| m.kind == ModuleKind::Local)
                .map(|m| m.path.as_str()),
        )
    }
}

fn go_used(repo: &gix::Repository, tree: ObjectId) -> Result<Option<GoUsed>> {
    let Some(needed) = crate::checks::toolchain::needed(repo, tree)? else {
        return Ok(None);
    };
    let exact = needed.source != "go.mod";
    let matched = Version::parse_go(&needed.version);
    Ok(matched.map(|matched| GoUsed {
        version: needed.version,
        source: needed.source,
        matched,
        exact,
    }))
}

fn vendored(list: &VendorList) -> Vec<ShippedModule> {
    list.modules
        .iter()
        .map(|m| ShippedModule {
            path: m.path.clone(),
            version: m.version.clone(),
            replaced_by: m.replacement.clone(),
            kind: match (&m.version, &m.replacement) {
                (_, Some(Replacement::Local { .. })) => ModuleKind::Local,
                (None, _) => ModuleKind::ReplacementOnly,
                (Some(_), _) => ModuleKind::Dependency,
            },
            explicit: m.explicit,
            packages: m.packages.len(),
        })
        .collect()
}

fn declared(requires: &[Requirement]) -> Vec<ShippedModule> {
    requires
        .iter()
        .map(|r| {
            let replaced_by = r.replaced_by.clone();
            ShippedModule {
                path: r.module.path.clone(),
                version: Some(r.module.version.clone()),
                kind: if matches!(replaced_by, Some(Replacement::Local { .. })) {
                    ModuleKind::Local
                } else {
                    ModuleKind::Declared
                },
                replaced_by,
                explicit: !r.indirect,
                packages: 0,
            }
        })
        .collect()
}

/// The text of the file `path` of `root`, as a dependency input: a regular
/// file of the tree (a symbolic link is refused: a checkout would read
/// whatever it points to), at most [`crate::fs::MAX_INPUT_BYTES`]; `None`
/// when the tree has no such file.
fn tree_text(
    repo: &gix::Repository,
    root: &gix::Tree<'_>,
    path: &str,
    release: &str,
) -> Result<Option<String>> {
    use gix::bstr::ByteSlice;
    let entry = root
        .lookup_entry(path.as_bytes().split_str("/"))
        .map_err(crate::repo::git_err)?;
    let Some(entry) = entry else { return Ok(None) };
    let refused =
        |why: String| Error::Input(format!("{release}: {path} (in the release's tree) {why}"));
    if entry.mode().is_link() {
        return Err(refused(
            "is a symbolic link: a dependency list must be a file of the tree".into(),
        ));
    }
    if !entry.mode().is_blob() {
        return Ok(None);
    }
    let size = repo
        .find_header(entry.object_id())
        .map_err(crate::repo::git_err)?
        .size();
    if size > crate::fs::MAX_INPUT_BYTES {
        return Err(refused(format!(
            "is {size} bytes, more than the {}-byte limit for an input",
            crate::fs::MAX_INPUT_BYTES
        )));
    }
    let data = repo
        .find_object(entry.object_id())
        .map_err(crate::repo::git_err)?
        .detach()
        .data;
    Ok(Some(String::from_utf8_lossy(&data).into_owned()))
}
