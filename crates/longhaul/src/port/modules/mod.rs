//! The module-aware rung: a change to the files Go's module system owns
//! (`go.mod`, `go.sum`, `vendor/modules.txt`, `vendor/<module>/…`) ported as
//! module operations instead of line merges.
//!
//! The change is split in two: the files of the modules it moves (see
//! [`plan::moved_modules`]) and everything else. Everything else is ported by
//! the ladder and the guard as any change is. The module files are rebuilt
//! from the three trees' module files ([`plan`]): each module at the version
//! the port selects, with upstream's `modules.txt` block and upstream's
//! vendored folder for the packages the target vendors ([`vendor`]), `go.sum`
//! with upstream's new lines, `go.mod` edited by directive and module path.
//! The result must be consistent as `go build -mod=vendor` checks it
//! ([`consistency`]).
//!
//! Measured on the real backports of `bench/backport-lineage.sh` (see
//! docs/porting.md); it runs only when the line merge of module files fails.

pub mod consistency;
pub mod plan;
pub mod vendor;

use super::context::Context;
use super::outcome::{self, Conflict};
use crate::gomod::{go_mod::GoMod, go_sum, modules_txt::ModulesTxt};
use crate::repo::{RepoError, blob_at, git_err};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use plan::{Files, Folder};
use std::collections::{BTreeMap, BTreeSet};

/// How the rung ended.
#[derive(Debug)]
pub enum Outcome {
    /// The change moves no module: not for this rung.
    NotApplicable,
    /// The port's tree.
    Ported(ObjectId),
    /// Why the rung cannot port it.
    Conflict(Vec<Conflict>),
}

/// Whether `path` is one of the files Go's module system owns.
pub fn is_module_file(path: &str) -> bool {
    root_of(path).is_some()
}

/// The module root a path belongs to as a module file: `""` for the
/// repository's own `go.mod`, `go.sum` and `vendor/`.
fn root_of(path: &str) -> Option<String> {
    if path == "go.mod" || path == "go.sum" || path.starts_with("vendor/") {
        return Some(String::new());
    }
    if let Some(dir) = path
        .strip_suffix("/go.mod")
        .or(path.strip_suffix("/go.sum"))
    {
        return Some(dir.to_string());
    }
    path.find("/vendor/").map(|i| path[..i].to_string())
}

fn join(root: &str, rel: &str) -> String {
    if root.is_empty() {
        rel.to_string()
    } else {
        format!("{root}/{rel}")
    }
}

/// A root's module files in `tree`; a file that does not parse is a conflict
/// naming it and the line.
fn files(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    root: &str,
) -> Result<Result<Files, Conflict>, RepoError> {
    let read = |rel: &str| -> Result<Option<String>, RepoError> {
        Ok(blob_at(repo, tree, join(root, rel).as_bytes())?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    };
    let bad = |rel: &str, e: crate::gomod::ParseError| Conflict {
        file: join(root, rel),
        reason: format!("cannot read {}:{}: {}", join(root, rel), e.line, e.message),
    };
    let go_mod = match read("go.mod")?.map(|t| GoMod::parse(&t)).transpose() {
        Ok(m) => m,
        Err(e) => return Ok(Err(bad("go.mod", e))),
    };
    let go_sum = match read("go.sum")?.map(|t| go_sum::parse(&t)).transpose() {
        Ok(s) => s,
        Err(e) => return Ok(Err(bad("go.sum", e))),
    };
    let modules = match read("vendor/modules.txt")?
        .map(|t| ModulesTxt::parse(&t))
        .transpose()
    {
        Ok(m) => m,
        Err(e) => return Ok(Err(bad("vendor/modules.txt", e))),
    };
    let hostile = go_mod
        .iter()
        .flat_map(|m| &m.requires)
        .find(|r| !crate::gomod::valid_module_path(&r.path));
    if let Some(r) = hostile {
        return Ok(Err(Conflict {
            file: join(root, "go.mod"),
            reason: format!(
                "cannot read {}:{}: `{}` is no module path",
                join(root, "go.mod"),
                r.line + 1,
                r.path
            ),
        }));
    }
    Ok(Ok(Files {
        go_mod,
        go_sum,
        modules,
    }))
}

/// The three trees of a port, found.
struct Trees<'r> {
    base: gix::Tree<'r>,
    theirs: gix::Tree<'r>,
    ours: gix::Tree<'r>,
}

/// One module root: its files in the three trees and the modules upstream moves.
struct Root {
    root: String,
    files: [Files; 3],
    moved: BTreeSet<String>,
    modules: BTreeSet<String>,
}

impl Root {
    /// Whether `path` (a file upstream changes) is one the rung rebuilds.
    fn owns(&self, path: &str) -> bool {
        let rel = if self.root.is_empty() {
            path
        } else {
            match path.strip_prefix(&format!("{}/", self.root)) {
                Some(rel) => rel,
                None => return false,
            }
        };
        if matches!(rel, "go.mod" | "go.sum" | "vendor/modules.txt") {
            return true;
        }
        let Some(inside) = rel.strip_prefix("vendor/") else {
            return false;
        };
        let owner = self
            .modules
            .iter()
            .filter(|m| inside.starts_with(&format!("{m}/")))
            .max_by_key(|m| m.len());
        owner.is_some_and(|m| self.moved.contains(m))
    }
}

/// How the rest of the change (without the module files) is ported from
/// `base` to `theirs` onto `onto`: the ladder, passed in by its caller, so
/// that this rung, one of the ladder's, does not call back up into it.
pub type Ladder<'l> =
    &'l dyn Fn(&Context<'_>, ObjectId, ObjectId, ObjectId) -> Result<outcome::Outcome, RepoError>;

/// Port the change from `base` to `theirs` onto `onto` with its module files
/// rebuilt as module operations, the rest of the change through `ladder`.
pub fn port(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
    onto: ObjectId,
    ladder: Ladder<'_>,
) -> Result<Outcome, RepoError> {
    let repo = ctx.repo;
    let ours = crate::repo::tree_of(repo, onto)?;
    let trees = Trees {
        base: repo.find_tree(base).map_err(git_err)?,
        theirs: repo.find_tree(theirs).map_err(git_err)?,
        ours: repo.find_tree(ours).map_err(git_err)?,
    };
    let paths = changed_paths(ctx, base, theirs)?;
    let roots = match read_roots(repo, &trees, &paths)? {
        Ok(roots) if roots.is_empty() => return Ok(Outcome::NotApplicable),
        Ok(roots) => roots,
        Err(c) => return Ok(Outcome::Conflict(vec![c])),
    };
    let owned: Vec<&String> = paths
        .iter()
        .filter(|p| roots.iter().any(|r| r.owns(p)))
        .collect();
    // The plans first: they read only the module files, and when one refuses
    // there is no port to make of the rest.
    let plans = match plan_roots(&roots) {
        Ok(plans) => plans,
        Err(conflicts) => return Ok(Outcome::Conflict(conflicts)),
    };
    let rest = match port_rest(ctx, ladder, [base, theirs, onto], &trees, &owned)? {
        Ok(tree) => tree,
        Err(conflicts) => return Ok(Outcome::Conflict(conflicts)),
    };
    let tree = match write_roots(repo, &trees, &roots, &plans, rest)? {
        Ok(tree) => tree,
        Err(conflicts) => return Ok(Outcome::Conflict(conflicts)),
    };
    let inconsistent = check_result(repo, tree, &roots)?;
    if !inconsistent.is_empty() {
        return Ok(Outcome::Conflict(inconsistent));
    }
    Ok(Outcome::Ported(tree))
}

/// Every path (old and new) of the files the change from `base` to `theirs`
/// touches (no rename detection).
fn changed_paths(
    ctx: &Context<'_>,
    base: ObjectId,
    theirs: ObjectId,
) -> Result<Vec<String>, RepoError> {
    let mut paths: Vec<String> = Vec::new();
    for c in ctx.tree_changes(base, theirs, false)?.iter() {
        paths.extend(
            c.old_path
                .iter()
                .chain(c.new_path.iter())
                .map(|p| p.to_str_lossy().into_owned()),
        );
    }
    Ok(paths)
}

/// The module roots of `paths` whose files the change touches (see
/// [`read_root`]), or the first conflict reading one.
fn read_roots(
    repo: &gix::Repository,
    trees: &Trees<'_>,
    paths: &[String],
) -> Result<Result<Vec<Root>, Conflict>, RepoError> {
    let mut roots = Vec::new();
    for root in paths
        .iter()
        .filter_map(|p| root_of(p))
        .collect::<BTreeSet<_>>()
    {
        match read_root(repo, trees, root)? {
            Ok(Some(r)) => roots.push(r),
            Ok(None) => {}
            Err(c) => return Ok(Err(c)),
        }
    }
    Ok(Ok(roots))
}

/// Each root's plan, or the conflicts of the roots that cannot be planned.
fn plan_roots(roots: &[Root]) -> Result<Vec<plan::Plan>, Vec<Conflict>> {
    let mut plans = Vec::with_capacity(roots.len());
    let mut conflicts = Vec::new();
    for r in roots {
        let [b, t, o] = &r.files;
        match plan::plan(b, t, o) {
            Ok(p) => plans.push(p),
            Err(refusals) => {
                conflicts.extend(refusals.into_iter().map(|(file, reason)| Conflict {
                    file: join(&r.root, file),
                    reason: format!("module rung: {reason}"),
                }))
            }
        }
    }
    if conflicts.is_empty() {
        Ok(plans)
    } else {
        Err(conflicts)
    }
}

/// `rest` (the ported change without the module files) with each root's
/// plan written in, or the conflicts of the folders that cannot be taken.
fn write_roots(
    repo: &gix::Repository,
    trees: &Trees<'_>,
    roots: &[Root],
    plans: &[plan::Plan],
    rest: ObjectId,
) -> Result<Result<ObjectId, Vec<Conflict>>, RepoError> {
    let mut editor = repo.edit_tree(rest).map_err(git_err)?;
    let mut conflicts = Vec::new();
    for (r, p) in roots.iter().zip(plans) {
        conflicts.extend(write_plan(repo, trees, r, p, &mut editor)?);
    }
    if !conflicts.is_empty() {
        return Ok(Err(conflicts));
    }
    Ok(Ok(editor.write().map_err(git_err)?.detach()))
}

/// The root's files in the three trees, when upstream's change touches the
/// files of a module root (a folder with a `go.mod` in its parent or commit).
fn read_root(
    repo: &gix::Repository,
    trees: &Trees<'_>,
    root: String,
) -> Result<Result<Option<Root>, Conflict>, RepoError> {
    let mut read = Vec::with_capacity(3);
    for tree in [&trees.base, &trees.theirs, &trees.ours] {
        match files(repo, tree, &root)? {
            Ok(f) => read.push(f),
            Err(c) => return Ok(Err(c)),
        }
    }
    let files: [Files; 3] = read.try_into().expect("three trees");
    if files[0].go_mod.is_none() && files[1].go_mod.is_none() {
        return Ok(Ok(None));
    }
    let moved = plan::moved_modules(&files[0], &files[1]);
    let modules = files
        .iter()
        .flat_map(|f| {
            f.modules
                .iter()
                .flat_map(|m| m.blocks.iter().map(|b| b.path.clone()))
        })
        .collect();
    Ok(Ok(Some(Root {
        root,
        files,
        moved,
        modules,
    })))
}

/// The change without the files the rung rebuilds, ported by `ladder`
/// (the target itself when nothing is left).
fn port_rest(
    ctx: &Context<'_>,
    ladder: Ladder<'_>,
    [base, theirs, onto]: [ObjectId; 3],
    trees: &Trees<'_>,
    owned: &[&String],
) -> Result<Result<ObjectId, Vec<Conflict>>, RepoError> {
    let repo = ctx.repo;
    let mut editor = repo.edit_tree(theirs).map_err(git_err)?;
    for p in owned {
        match trees
            .base
            .lookup_entry_by_path(p.as_str())
            .map_err(git_err)?
        {
            Some(e) => {
                editor
                    .upsert(p.as_str(), e.mode().kind(), e.object_id())
                    .map_err(git_err)?;
            }
            None => {
                editor.remove(p.as_str()).map_err(git_err)?;
            }
        }
    }
    let rest = editor.write().map_err(git_err)?.detach();
    if rest == base {
        return Ok(Ok(trees.ours.id));
    }
    let outcome = ladder(ctx, base, rest, onto)?;
    Ok(match outcome.tree {
        Some(tree) => Ok(tree),
        None => Err(outcome.conflicts),
    })
}

/// Write one root's plan into the tree being edited. A vendored file of
/// upstream's that is no regular file (a symbolic link, a submodule) is a
/// conflict naming it: `go mod vendor` writes regular files only (module zips
/// carry no links), and a link taken whole could point anywhere.
fn write_plan(
    repo: &gix::Repository,
    trees: &Trees<'_>,
    r: &Root,
    p: &plan::Plan,
    editor: &mut gix::object::tree::Editor<'_>,
) -> Result<Vec<Conflict>, RepoError> {
    write_module_files(repo, trees, r, p, editor)?;
    let mut refused = Vec::new();
    let vendor_dir = join(&r.root, "vendor");
    for folder in &p.folders {
        let module = match folder {
            Folder::Take { module, .. } | Folder::Remove { module } => module,
        };
        if let Some(c) = linked_folder(trees, &format!("{vendor_dir}/{module}"))? {
            refused.push(c);
            continue;
        }
        for (path, _, _) in
            vendor::module_files(repo, &trees.ours, &vendor_dir, module, &r.modules)?
        {
            editor.remove(path.as_bstr()).map_err(git_err)?;
        }
        if let Folder::Take { packages, .. } = folder {
            refused.extend(take_vendored(repo, trees, r, (module, packages), editor)?);
        }
    }
    Ok(refused)
}

/// The plan's `go.mod`, `go.sum` and `vendor/modules.txt` written into the
/// tree being edited (each with the target's file kind, a file when new).
fn write_module_files(
    repo: &gix::Repository,
    trees: &Trees<'_>,
    r: &Root,
    p: &plan::Plan,
    editor: &mut gix::object::tree::Editor<'_>,
) -> Result<(), RepoError> {
    use gix::objs::tree::EntryKind;
    for (rel, text) in [
        ("go.mod", &p.go_mod),
        ("go.sum", &p.go_sum),
        ("vendor/modules.txt", &p.modules_txt),
    ] {
        if let Some(text) = text {
            let path = join(&r.root, rel);
            let kind = trees
                .ours
                .lookup_entry_by_path(path.as_str())
                .map_err(git_err)?
                .map_or(EntryKind::Blob, |e| e.mode().kind());
            let id = repo.write_blob(text.as_bytes()).map_err(git_err)?.detach();
            editor.upsert(path.as_str(), kind, id).map_err(git_err)?;
        }
    }
    Ok(())
}

/// Upstream's vendored files of `module` (the `packages` the plan takes)
/// written into the tree being edited; a file that is no regular file is a
/// conflict instead.
fn take_vendored(
    repo: &gix::Repository,
    trees: &Trees<'_>,
    r: &Root,
    (module, packages): (&str, &[String]),
    editor: &mut gix::object::tree::Editor<'_>,
) -> Result<Vec<Conflict>, RepoError> {
    use gix::objs::tree::EntryKind;
    let vendor_dir = join(&r.root, "vendor");
    let listed = r.files[1]
        .modules
        .as_ref()
        .and_then(|m| m.block(module))
        .map(|b| b.packages.clone())
        .unwrap_or_default();
    let theirs = vendor::module_files(repo, &trees.theirs, &vendor_dir, module, &r.modules)?;
    let mut refused = Vec::new();
    for (path, kind, id) in vendor::files_for(&theirs, &vendor_dir, &listed, packages) {
        if !matches!(kind, EntryKind::Blob | EntryKind::BlobExecutable) {
            refused.push(Conflict {
                file: path.to_string(),
                reason: format!(
                    "module rung: upstream's vendored {path} is no regular file (go mod vendor writes none)"
                ),
            });
            continue;
        }
        editor.upsert(path.as_bstr(), kind, id).map_err(git_err)?;
    }
    Ok(refused)
}

/// A conflict when `folder` or a folder above it is no folder in upstream's
/// tree or the target's (a symbolic link: taking or removing a module's files
/// there would follow it).
fn linked_folder(trees: &Trees<'_>, folder: &str) -> Result<Option<Conflict>, RepoError> {
    let prefixes = folder
        .match_indices('/')
        .map(|(i, _)| &folder[..i])
        .chain([folder]);
    for prefix in prefixes {
        for tree in [&trees.theirs, &trees.ours] {
            let entry = tree.lookup_entry_by_path(prefix).map_err(git_err)?;
            if entry.is_some_and(|e| !e.mode().is_tree()) {
                return Ok(Some(Conflict {
                    file: prefix.to_string(),
                    reason: format!(
                        "module rung: {prefix} is no folder (a symbolic link?) where a vendored module lives"
                    ),
                }));
            }
        }
    }
    Ok(None)
}

/// The result's module files checked as `go build -mod=vendor` checks them.
fn check_result(
    repo: &gix::Repository,
    tree: ObjectId,
    roots: &[Root],
) -> Result<Vec<Conflict>, RepoError> {
    let tree = repo.find_tree(tree).map_err(git_err)?;
    let mut out = Vec::new();
    for r in roots {
        let Ok(f) = files(repo, &tree, &r.root)? else {
            continue;
        };
        let (Some(go_mod), Some(modules)) = (&f.go_mod, &f.modules) else {
            continue;
        };
        for problem in consistency::check(go_mod, modules) {
            out.push(Conflict {
                file: join(&r.root, "vendor/modules.txt"),
                reason: format!("module rung: the result is inconsistent: {problem}"),
            });
        }
        let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for b in modules.blocks.iter().filter(|b| r.moved.contains(&b.path)) {
            for p in &b.packages {
                let dir = join(&r.root, &format!("vendor/{p}"));
                let here = tree.lookup_entry_by_path(dir.as_str()).map_err(git_err)?;
                if !here.is_some_and(|e| e.mode().is_tree()) {
                    missing.entry(b.path.clone()).or_default().push(p.clone());
                }
            }
        }
        for (module, packages) in missing {
            out.push(Conflict {
                file: join(&r.root, &format!("vendor/{module}")),
                reason: format!(
                    "module rung: the result lacks the vendored packages {}",
                    packages.join(", ")
                ),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::root_of;

    #[test]
    fn module_files_belong_to_their_root() {
        assert_eq!(root_of("go.mod").as_deref(), Some(""));
        assert_eq!(root_of("vendor/modules.txt").as_deref(), Some(""));
        assert_eq!(root_of("tools/go.sum").as_deref(), Some("tools"));
        assert_eq!(
            root_of("tools/vendor/x.com/a/a.go").as_deref(),
            Some("tools")
        );
        assert_eq!(root_of("pkg/a.go"), None);
    }
}
