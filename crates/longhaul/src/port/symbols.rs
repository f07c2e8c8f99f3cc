//! The guard's static check of what a port adds to Go code, against the target.
//!
//! A merge can be faithful to upstream and still not build on the old line: the
//! fix names a struct field the line calls differently (`Sandboxer` upstream,
//! `SandboxMode` on the branch), imports a package path that exists only
//! upstream (a `/v2` module path), or calls an API the line does not have. So,
//! cheaply and without a Go toolchain:
//!
//! - every import path the port adds must resolve in the target: the standard
//!   library (a path whose first element has no dot), a package folder of the
//!   file's own module, `vendor/`, or a module that `go.mod` requires;
//! - every identifier the added lines use after a `.`, or call, must exist as a
//!   word in the target: in the file, its folder, the folders of its imports,
//!   and as a last resort anywhere in the tree's Go files; or be declared by
//!   the port itself.
//!
//! A selector's left side is a package only when an import of the file binds
//! that name and the file binds it as no value (a loop variable `mount`
//! shadows the package `mount`). Files under `vendor/` are not checked: a
//! vendored module's code is a module at a version, judged as one.
//!
//! This is a necessary condition, not a build: the full answer is compiling the
//! port on its line (`backport --typecheck`, with the checks of issue 9).

use super::outcome::Conflict;
use crate::repo::{RepoError, blob_at, git_err};
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use std::collections::{BTreeSet, HashMap};

/// Go's keywords and predeclared identifiers: never missing.
const PREDECLARED: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
    "append",
    "cap",
    "clear",
    "close",
    "complex",
    "copy",
    "delete",
    "imag",
    "len",
    "make",
    "max",
    "min",
    "new",
    "panic",
    "print",
    "println",
    "real",
    "recover",
    "any",
    "bool",
    "byte",
    "comparable",
    "complex64",
    "complex128",
    "error",
    "float32",
    "float64",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "rune",
    "string",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "true",
    "false",
    "iota",
    "nil",
];

/// Whether the check has anything to read among `paths` (the Go files a port
/// changes): a Go file outside `vendor/`. Without one the lines need not be read.
pub fn has_checked_file<'a>(mut paths: impl Iterator<Item = &'a BString>) -> bool {
    paths.any(|p| is_go_file(p, false))
}

/// Whether `path` is a Go file under `vendor/` (`vendored`) or outside it.
pub(super) fn is_go_file(path: &[u8], vendored: bool) -> bool {
    path.ends_with(b".go") && is_vendored(path) == vendored
}

/// The lines the port adds to each Go file under `vendor/`, read only when the
/// check needs them (see [`check`]).
pub type VendoredLines<'a> = &'a mut dyn FnMut() -> Result<Vec<(BString, Vec<Vec<u8>>)>, RepoError>;

/// Refusals for the Go files the port (`ours` → `result`) changes: imports and
/// identifiers that the target cannot supply. `added` holds, per Go file
/// outside `vendor/`, the lines the port adds; `vendored`, those of the
/// vendored files, which are not checked but may declare what the others use:
/// they are read only when a name is otherwise missing (a bump adds whole
/// modules, thousands of lines no other file may need).
pub fn check(
    repo: &gix::Repository,
    [base, theirs]: [ObjectId; 2],
    ours: ObjectId,
    result: ObjectId,
    added: &[(BString, Vec<Vec<u8>>)],
    vendored: VendoredLines<'_>,
) -> Result<Vec<Conflict>, RepoError> {
    let ours_tree = repo.find_tree(ours).map_err(git_err)?;
    let result_tree = repo.find_tree(result).map_err(git_err)?;
    let theirs_tree = repo.find_tree(theirs).map_err(git_err)?;
    // A folder the port leaves as upstream's commit has it has every name
    // upstream's code uses from it: nothing to look up there.
    let as_upstream = |folder: &[u8]| -> Result<bool, RepoError> {
        let id = |t: &gix::Tree<'_>| -> Result<Option<ObjectId>, RepoError> {
            if folder.is_empty() {
                return Ok(Some(t.id));
            }
            Ok(t.lookup_entry(folder.split_str("/"))
                .map_err(git_err)?
                .map(|e| e.object_id()))
        };
        Ok(id(&result_tree)?.is_some_and(|r| Some(r) == id(&theirs_tree).ok().flatten()))
    };
    let mut words = Words::new(repo, ours);
    let upstream_words = Words::new(repo, base);
    let declared = declared_by_port(added);
    let mut declared_in_vendor: Option<BTreeSet<String>> = None;
    let mut refusals = Vec::new();
    let mut modules = Modules::default();
    for (path, lines) in added {
        // A vendored module's own code is a module at a version, judged as one
        // (see `gomod`); within it a package may use names that the port adds
        // in files of its own this check cannot read as declarations.
        if !is_go_file(path, false) {
            continue;
        }
        let file = path.to_str_lossy().into_owned();
        let dir: &[u8] = path.rfind_byte(b'/').map_or(b"", |i| &path[..i]);
        let content = blob_at(repo, &result_tree, path)?.unwrap_or_default();
        let before = blob_at(repo, &ours_tree, path)?.unwrap_or_default();
        let imports_now = imports(&content);
        let imports_before: BTreeSet<String> =
            imports(&before).into_iter().map(|(_, p)| p).collect();
        let module = modules.find(repo, &result_tree, dir)?;
        let module = module.as_deref();
        for (_, import) in &imports_now {
            if imports_before.contains(import) {
                continue;
            }
            if !resolves(repo, &result_tree, module, import)? {
                refusals.push(Conflict {
                    file: file.clone(),
                    reason: format!(
                        "guard: the port imports \"{import}\", which the target does not have (not the standard library, not a package of its module, not in vendor/, not required by go.mod)"
                    ),
                });
            }
        }
        // Package-qualified names of packages whose code is in the tree must be
        // in that package; unqualified calls must be in the file's own package.
        // Names selected from values, and from packages outside the tree (the
        // standard library, modules from go.mod), cannot be attributed here.
        let mut in_tree = ImportFolders::new(&ours_tree, module, &imports_now);
        let dot_import = imports_now.iter().any(|(a, _)| a.as_deref() == Some("."));
        // A name the file binds as a value (`for _, mount := range …`, a
        // parameter) shadows a package of that name where it is bound: its
        // selectors are read as selectors on a value.
        // (Both read the whole file: only when a line can need them.)
        let mut values: Option<BTreeSet<String>> = None;
        let commented = if content.find(b"/*").is_some() {
            block_comment_lines(&content)
        } else {
            Default::default()
        };
        let mut missing: BTreeSet<(String, BString)> = BTreeSet::new();
        let mut selected: BTreeSet<String> = BTreeSet::new();
        for line in lines {
            if commented.contains(line.as_slice()) {
                continue;
            }
            for (receiver, name) in used_names(line) {
                if PREDECLARED.contains(&name.as_str()) || declared.contains(&name) {
                    continue;
                }
                match receiver {
                    Some(r) => match in_tree.of_name(&r)?.filter(|_| {
                        !values
                            .get_or_insert_with(|| value_bindings(&content))
                            .contains(&r)
                    }) {
                        Some(folder) => {
                            missing.insert((name, folder));
                        }
                        None if !imports_now.iter().any(|(a, i)| {
                            a.as_deref() == Some(r.as_str()) || package_name(i) == r
                        }) =>
                        {
                            selected.insert(name);
                        }
                        None => {}
                    },
                    None if !dot_import => {
                        missing.insert((name, dir.into()));
                    }
                    None => {}
                }
            }
        }
        // A name selected from a value: its type is unknown here, so it is
        // refused only on evidence: upstream (before the change) declares it in
        // the file's folder or an imported one, and the target's versions of
        // those folders do not have the name at all.
        let mut folders: Vec<BString> = vec![dir.into()];
        let mut all_as_upstream = true;
        if !selected.is_empty() {
            folders.extend(in_tree.all()?);
            for f in &folders {
                if !as_upstream(f)? {
                    all_as_upstream = false;
                    break;
                }
            }
        }
        if !all_as_upstream {
            let lacking =
                undeclared_on_target(&mut words, &upstream_words, &folders, &before, selected)?;
            for (name, f) in lacking {
                if vendor_declarations(&mut declared_in_vendor, vendored)?.contains(&name) {
                    continue;
                }
                let place = if f.is_empty() {
                    "the root package".to_string()
                } else {
                    format!("{f}/")
                };
                refusals.push(Conflict {
                    file: file.clone(),
                    reason: format!(
                        "guard: the port uses `{name}`, which {place} declares upstream but does not have on the target"
                    ),
                });
            }
        }
        for (name, folder) in missing {
            if !has_word(&before, name.as_bytes())
                && !as_upstream(&folder)?
                && !words.in_folder(&name, &folder)?
                && !vendor_declarations(&mut declared_in_vendor, vendored)?.contains(&name)
            {
                let place = if folder.is_empty() {
                    "the root package".to_string()
                } else {
                    format!("{folder}/")
                };
                refusals.push(Conflict {
                    file: file.clone(),
                    reason: format!(
                        "guard: the port uses `{name}`, which {place} does not have on the target"
                    ),
                });
            }
        }
    }
    Ok(refusals)
}

/// The names of `selected` (selected from values) that upstream declares in
/// one of `folders` but that no folder of the target has at all (nor the file
/// `before` the port), each with the first folder declaring it upstream.
///
/// A file upstream that the target's folder has too (the same blob) cannot be
/// that evidence (a name it declares upstream is a word of it on the target),
/// so for a name the target lacks only upstream's files the target's folders
/// lack are read for declarations, one at a time until one declares it; with
/// no folder changed, nothing is read.
fn undeclared_on_target(
    words: &mut Words<'_>,
    upstream: &Words<'_>,
    folders: &[BString],
    before: &[u8],
    selected: BTreeSet<String>,
) -> Result<Vec<(String, BString)>, RepoError> {
    let mut only_upstream = OnlyUpstream::new(words, upstream, folders)?;
    let mut out = Vec::new();
    for name in selected {
        if only_upstream.pending.is_empty() && only_upstream.read.is_empty() {
            break;
        }
        if has_word(before, name.as_bytes()) {
            continue;
        }
        if words.in_any_folder(&name, folders)? {
            continue;
        }
        let Some(declared) = only_upstream.declaring(upstream.repo, &name)? else {
            continue;
        };
        out.push((name, declared));
    }
    Ok(out)
}

/// Upstream's Go files, folder by folder, that the target's folder does not
/// have (by blob): read one at a time, only until a declaration is found.
struct OnlyUpstream {
    /// The files read so far, with their folder, in folder order.
    read: Vec<(BString, Vec<u8>)>,
    /// The files not yet read, the next last.
    pending: Vec<(BString, ObjectId)>,
}

impl OnlyUpstream {
    fn new(
        words: &Words<'_>,
        upstream: &Words<'_>,
        folders: &[BString],
    ) -> Result<Self, RepoError> {
        let mut pending = Vec::new();
        for f in folders {
            let (theirs, ours) = (
                upstream.folder_tree(f.as_ref())?,
                words.folder_tree(f.as_ref())?,
            );
            if theirs == ours {
                continue;
            }
            let on_target: BTreeSet<ObjectId> = words.go_files_of(ours)?.into_iter().collect();
            for blob in upstream.go_files_of(theirs)?.into_iter().rev() {
                if !on_target.contains(&blob) {
                    pending.push((f.clone(), blob));
                }
            }
        }
        pending.reverse();
        Ok(OnlyUpstream {
            read: Vec::new(),
            pending,
        })
    }

    /// The first folder whose upstream-only files declare `name`.
    fn declaring(
        &mut self,
        repo: &gix::Repository,
        name: &str,
    ) -> Result<Option<BString>, RepoError> {
        if let Some((f, _)) = self.read.iter().find(|(_, text)| declares(text, name)) {
            return Ok(Some(f.clone()));
        }
        while let Some((f, blob)) = self.pending.pop() {
            let text = repo.find_object(blob).map_err(git_err)?.detach().data;
            let found = declares(&text, name);
            self.read.push((f.clone(), text));
            if found {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }
}

/// Whether `path` is in a `vendor/` folder (a vendored module's code).
pub(super) fn is_vendored(path: &[u8]) -> bool {
    path.starts_with(b"vendor/") || path.find(b"/vendor/").is_some()
}

/// Names a Go file binds as values: the left sides of `:=` (also in `for`,
/// `if` and `switch` headers), `var` names, and the parameters, results and
/// receivers of function signatures.
fn value_bindings(content: &[u8]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in content.lines() {
        let code = code_of(line);
        if let Some(lhs) = short_declaration(&code) {
            add_names(&mut out, lhs);
        }
        if let Some(rest) = code.trim().strip_prefix(b"var ") {
            add_names(&mut out, rest.split(|&b| b == b'=').next().unwrap_or(b""));
        }
        for group in signature_groups(&code) {
            add_names(&mut out, group);
        }
    }
    out
}

/// The names of a comma-separated list (`a, b`, `name Type`, a lone
/// `name`), never the package of a `pkg.Type`, added to `out`.
fn add_names(out: &mut BTreeSet<String>, names: &[u8]) {
    for part in names.split(|&b| b == b',') {
        let part = part.trim();
        let first = part.split(|b| !is_ident_byte(*b)).next().unwrap_or(b"");
        // `name Type` or a lone `name`, never `pkg.Type`.
        if !first.is_empty() && part.get(first.len()) != Some(&b'.') {
            out.insert(String::from_utf8_lossy(first).into_owned());
        }
    }
}

/// The left side of a line's `:=`, without the `if`, `for`, `switch` or
/// `select` keyword before it.
fn short_declaration(code: &[u8]) -> Option<&[u8]> {
    let i = code.find(b":=")?;
    let lhs = &code[..i];
    let start = lhs
        .iter()
        .rposition(|b| b"({;".contains(b))
        .map_or(0, |p| p + 1);
    let mut lhs = lhs[start..].trim();
    for keyword in [&b"} else if "[..], b"if ", b"for ", b"switch ", b"select "] {
        lhs = lhs.strip_prefix(keyword).unwrap_or(lhs).trim();
    }
    Some(lhs)
}

/// Every parenthesised group after a `func` on the line (receiver,
/// parameters, results), up to the body's `{`.
fn signature_groups(code: &[u8]) -> Vec<&[u8]> {
    let mut groups = Vec::new();
    for i in code.find_iter(b"func") {
        let word =
            (i == 0 || !is_ident_byte(code[i - 1])) && matches!(code.get(i + 4), Some(b' ' | b'('));
        if !word {
            continue;
        }
        let mut depth = 0usize;
        let mut group_start = None;
        for (j, &b) in code[i..].iter().enumerate() {
            match b {
                b'(' => {
                    depth += 1;
                    if depth == 1 {
                        group_start = Some(i + j + 1);
                    }
                }
                b')' if depth > 0 => {
                    depth -= 1;
                    if depth == 0
                        && let Some(s) = group_start.take()
                    {
                        groups.push(&code[s..i + j]);
                    }
                }
                b'{' if depth == 0 => break,
                _ => {}
            }
        }
    }
    groups
}

/// The import specs of a Go file: (alias, path).
fn imports(content: &[u8]) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in content.lines() {
        let line = line.trim();
        if in_block {
            if line.starts_with(b")") {
                in_block = false;
                continue;
            }
            if let Some(spec) = import_spec(line) {
                out.push(spec);
            }
        } else if let Some(rest) = line.strip_prefix(b"import") {
            let rest = rest.trim();
            if rest.starts_with(b"(") {
                in_block = true;
            } else if let Some(spec) = import_spec(rest) {
                out.push(spec);
            }
        } else if line.starts_with(b"func ") || line.starts_with(b"type ") {
            break; // imports come first
        }
    }
    out
}

fn import_spec(spec: &[u8]) -> Option<(Option<String>, String)> {
    let spec = spec.to_str().ok()?;
    let spec = spec.split("//").next()?.trim();
    let quote = spec.find('"')?;
    let end = spec[quote + 1..].find('"')? + quote + 1;
    let alias = spec[..quote].trim();
    Some((
        (!alias.is_empty()).then(|| alias.to_string()),
        spec[quote + 1..end].to_string(),
    ))
}

/// The modules of the port's files, read once per folder.
#[derive(Default)]
struct Modules {
    /// By module folder.
    by_folder: HashMap<Vec<u8>, Option<std::rc::Rc<Module>>>,
}

impl Modules {
    /// The module holding folder `dir`, each module read once.
    fn find(
        &mut self,
        repo: &gix::Repository,
        tree: &gix::Tree<'_>,
        dir: &[u8],
    ) -> Result<Option<std::rc::Rc<Module>>, RepoError> {
        let Some(folder) = Module::folder_of(tree, dir)? else {
            return Ok(None);
        };
        if let Some(found) = self.by_folder.get(&folder) {
            return Ok(found.clone());
        }
        let found = Module::read(repo, tree, &folder)?.map(std::rc::Rc::new);
        self.by_folder.insert(folder, found.clone());
        Ok(found)
    }
}

/// A Go module: its path and its folder in the tree, with its requirements.
struct Module {
    path: String,
    folder: BString,
    /// Modules `go.mod` requires or replaces.
    requires: Vec<String>,
    /// Modules `go.sum` names (the whole build graph), read when first needed.
    graph: std::cell::OnceCell<Vec<String>>,
}

impl Module {
    /// The folder of the module holding folder `dir`: the nearest one above
    /// it with a `go.mod` file.
    fn folder_of(tree: &gix::Tree<'_>, dir: &[u8]) -> Result<Option<Vec<u8>>, RepoError> {
        let mut folder = dir.to_vec();
        loop {
            let go_mod = join(&folder, "go.mod");
            let entry = tree.lookup_entry(go_mod.split_str("/")).map_err(git_err)?;
            if entry.is_some_and(|e| e.mode().is_blob()) {
                return Ok(Some(folder));
            }
            match folder.rfind_byte(b'/') {
                Some(i) => folder.truncate(i),
                None if !folder.is_empty() => folder.clear(),
                None => return Ok(None),
            }
        }
    }

    /// The module whose `go.mod` is in `folder`, with the modules its
    /// `go.mod` and `go.sum` name.
    fn read(
        repo: &gix::Repository,
        tree: &gix::Tree<'_>,
        folder: &[u8],
    ) -> Result<Option<Module>, RepoError> {
        let Some(text) = blob_at(repo, tree, &join(folder, "go.mod"))? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&text).into_owned();
        let path = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .map(|p| p.trim().trim_matches('"').to_string());
        let Some(path) = path else { return Ok(None) };
        let mut requires = Vec::new();
        let mut in_block = false;
        for l in text.lines() {
            let code = l.split("//").next().unwrap_or("").trim();
            if in_block {
                if code == ")" {
                    in_block = false;
                } else if let Some(m) = code.split_whitespace().next() {
                    requires.push(m.to_string());
                }
            } else if code.starts_with("require (") || code.starts_with("replace (") {
                in_block = true;
            } else if let Some(r) = code.strip_prefix("require ") {
                requires.extend(r.split_whitespace().next().map(str::to_string));
            } else if let Some(r) = code.strip_prefix("replace ") {
                requires.extend(r.split_whitespace().next().map(str::to_string));
            }
        }
        requires.sort();
        requires.dedup();
        Ok(Some(Module {
            path,
            folder: folder.into(),
            requires,
            graph: std::cell::OnceCell::new(),
        }))
    }

    /// Whether module `m` is in the module's build graph: required by
    /// `go.mod`, or named by `go.sum` (before Go 1.17 `go.mod` listed only
    /// direct requirements). `go.sum` is read only when `go.mod` does not say.
    fn has(
        &self,
        repo: &gix::Repository,
        tree: &gix::Tree<'_>,
        import: &str,
    ) -> Result<bool, RepoError> {
        let provides = |m: &String| import == m || import.starts_with(&format!("{m}/"));
        if self.requires.iter().any(provides) {
            return Ok(true);
        }
        if self.graph.get().is_none() {
            let mut graph = Vec::new();
            if let Some(sum) = blob_at(repo, tree, &join(&self.folder, "go.sum"))? {
                for l in String::from_utf8_lossy(&sum).lines() {
                    graph.extend(l.split_whitespace().next().map(str::to_string));
                }
            }
            graph.sort();
            graph.dedup();
            let _ = self.graph.set(graph);
        }
        Ok(self.graph.get().expect("set above").iter().any(provides))
    }
}

fn join(folder: &[u8], rest: &str) -> BString {
    if folder.is_empty() {
        rest.into()
    } else {
        [folder, b"/", rest.as_bytes()].concat().into()
    }
}

/// Whether `import` resolves in `tree` for a file of `module`.
fn resolves(
    repo: &gix::Repository,
    tree: &gix::Tree<'_>,
    module: Option<&Module>,
    import: &str,
) -> Result<bool, RepoError> {
    let first = import.split('/').next().unwrap_or("");
    if !first.contains('.') {
        return Ok(true); // the standard library
    }
    let exists = |path: &BStr| -> Result<bool, RepoError> {
        Ok(tree
            .lookup_entry(path.split_str("/"))
            .map_err(git_err)?
            .is_some())
    };
    let Some(module) = module else {
        // No go.mod (GOPATH mode): vendor/ at the root, or the repository's own
        // package under its GOPATH path (a folder that ends the import path).
        // Without vendor/ the dependencies are not in the tree: no answer.
        if !exists(b"vendor".as_bstr())? || exists(join(b"", &format!("vendor/{import}")).as_ref())?
        {
            return Ok(true);
        }
        let parts: Vec<&str> = import.split('/').collect();
        for i in 1..parts.len() {
            if exists(parts[i..].join("/").as_bytes().as_bstr())? {
                return Ok(true);
            }
        }
        return Ok(false);
    };
    if import == module.path {
        return Ok(true);
    }
    if let Some(rest) = import.strip_prefix(&format!("{}/", module.path)) {
        return exists(join(&module.folder, rest).as_ref());
    }
    if exists(join(&module.folder, &format!("vendor/{import}")).as_ref())?
        || exists(join(b"", &format!("vendor/{import}")).as_ref())?
    {
        return Ok(true);
    }
    module.has(repo, tree, import)
}

/// The folder in `tree` holding package `import`, if it is in the tree.
fn import_folder(
    tree: &gix::Tree<'_>,
    module: Option<&Module>,
    import: &str,
) -> Result<Option<BString>, RepoError> {
    let mut candidates = vec![join(b"", &format!("vendor/{import}"))];
    if let Some(m) = module {
        if let Some(rest) = import.strip_prefix(&format!("{}/", m.path)) {
            candidates.insert(0, join(&m.folder, rest));
        }
        candidates.push(join(&m.folder, &format!("vendor/{import}")));
    }
    for c in candidates {
        if tree
            .lookup_entry(c.split_str("/"))
            .map_err(git_err)?
            .is_some_and(|e| e.mode().is_tree())
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// The folders in the tree of one file's imports (its own module's packages,
/// `vendor/`), each looked up the first time a line needs it.
struct ImportFolders<'a, 't> {
    tree: &'a gix::Tree<'t>,
    module: Option<&'a Module>,
    imports: &'a [(Option<String>, String)],
    looked_up: HashMap<usize, Option<BString>>,
}

impl<'a, 't> ImportFolders<'a, 't> {
    fn new(
        tree: &'a gix::Tree<'t>,
        module: Option<&'a Module>,
        imports: &'a [(Option<String>, String)],
    ) -> Self {
        ImportFolders {
            tree,
            module,
            imports,
            looked_up: HashMap::new(),
        }
    }

    /// The name the file uses import `i` by.
    fn name(&self, i: usize) -> String {
        let (alias, import) = &self.imports[i];
        alias.clone().unwrap_or_else(|| package_name(import))
    }

    /// The folder of import `i`, when the tree has its package.
    fn folder(&mut self, i: usize) -> Result<Option<BString>, RepoError> {
        if let Some(found) = self.looked_up.get(&i) {
            return Ok(found.clone());
        }
        let found = import_folder(self.tree, self.module, &self.imports[i].1)?;
        self.looked_up.insert(i, found.clone());
        Ok(found)
    }

    /// The folder of the package the file uses by `name` (of the last
    /// import by that name whose package the tree has).
    fn of_name(&mut self, name: &str) -> Result<Option<BString>, RepoError> {
        for i in (0..self.imports.len()).rev() {
            if self.name(i) == name
                && let Some(folder) = self.folder(i)?
            {
                return Ok(Some(folder));
            }
        }
        Ok(None)
    }

    /// The folder of every name the file imports a package of the tree by, in
    /// import order.
    fn all(&mut self) -> Result<Vec<BString>, RepoError> {
        let mut names: Vec<String> = Vec::new();
        for i in 0..self.imports.len() {
            let name = self.name(i);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut out = Vec::new();
        for name in names {
            out.extend(self.of_name(&name)?);
        }
        Ok(out)
    }
}

/// The name a package is used by when imported without an alias: the last
/// path element, skipping a `/vN` major version suffix (`gopkg.in/yaml.v2` →
/// `yaml`).
fn package_name(import: &str) -> String {
    let mut parts = import.rsplit('/');
    let mut last = parts.next().unwrap_or(import);
    if last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) {
        last = parts.next().unwrap_or(last);
    }
    let last = last.split('.').next().unwrap_or(last);
    last.trim_start_matches("go-").replace('-', "_")
}

/// The lines of a Go file that are inside `/* … */` comments (commented-out
/// code, cgo preambles).
fn block_comment_lines(content: &[u8]) -> std::collections::HashSet<&[u8]> {
    let mut out = std::collections::HashSet::new();
    let mut inside = false;
    for line in content.split_inclusive(|&b| b == b'\n') {
        let code = code_of(line);
        let opens = code.find(b"/*").is_some();
        let closes = code.find(b"*/").is_some();
        if inside || opens {
            out.insert(line);
        }
        if inside {
            if line.find(b"*/").is_some() {
                inside = false;
            }
        } else if opens && !closes {
            inside = true;
        }
    }
    out
}

/// The code of a line: comments and string literals removed.
fn code_of(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'/' if line.get(i + 1) == Some(&b'/') => break,
            q @ (b'"' | b'`' | b'\'') => {
                i += 1;
                while i < line.len() && line[i] != q {
                    if line[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                out.push(b' ');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Identifiers an added line uses after a `.` or in call position, each with
/// the word before the `.` (the package or value it is selected from).
fn used_names(line: &[u8]) -> Vec<(Option<String>, String)> {
    let code = code_of(line);
    let trimmed = code.trim_start();
    if trimmed.starts_with(b"import")
        || trimmed.starts_with(b"package")
        || trimmed.starts_with(b"*")
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        if is_ident_byte(code[i]) && (i == 0 || !is_ident_byte(code[i - 1])) {
            let start = i;
            while i < code.len() && is_ident_byte(code[i]) {
                i += 1;
            }
            let word = &code[start..i];
            if word[0].is_ascii_digit() {
                continue;
            }
            let after_dot = start > 0 && code[start - 1] == b'.';
            let called = code.get(i) == Some(&b'(');
            if after_dot || called {
                let receiver = after_dot.then(|| {
                    let end = start - 1;
                    let begin = code[..end]
                        .iter()
                        .rposition(|b| !is_ident_byte(*b))
                        .map_or(0, |p| p + 1);
                    String::from_utf8_lossy(&code[begin..end]).into_owned()
                });
                out.push((receiver, String::from_utf8_lossy(word).into_owned()));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The names the port's vendored files declare, read at the first call.
fn vendor_declarations<'c>(
    cache: &'c mut Option<BTreeSet<String>>,
    vendored: VendoredLines<'_>,
) -> Result<&'c BTreeSet<String>, RepoError> {
    if cache.is_none() {
        *cache = Some(declared_by_port(&vendored()?));
    }
    Ok(cache.as_ref().expect("set above"))
}

/// Names the port declares: functions, methods, types, variables, constants,
/// struct fields, parameters and short variable declarations in added lines.
fn declared_by_port(added: &[(BString, Vec<Vec<u8>>)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, lines) in added {
        for line in lines {
            let code = code_of(line);
            let words: Vec<&[u8]> = code
                .split(|b| !is_ident_byte(*b))
                .filter(|w| !w.is_empty())
                .collect();
            // Every word of a declaring line counts (parameters, results, fields).
            let t = code.trim_start();
            let declaring = t.starts_with(b"func ")
                || t.starts_with(b"type ")
                || t.starts_with(b"var ")
                || t.starts_with(b"const ")
                || code.find(b":=").is_some();
            if declaring {
                out.extend(
                    words
                        .iter()
                        .map(|w| String::from_utf8_lossy(w).into_owned()),
                );
            } else if let Some(first) = words.first() {
                // A struct field or a const/var block entry: `Name Type` or `Name = …`.
                let rest = t[first.len()..].trim_start();
                let field = t.starts_with(first)
                    && rest.len() < t.len() - first.len()
                    && rest
                        .first()
                        .is_some_and(|b| is_ident_byte(*b) || b"*[".contains(b));
                let assigned =
                    t.starts_with(first) && rest.starts_with(b"=") && !rest.starts_with(b"==");
                // A lone name: an entry of a `const (…)` block after an iota.
                let lone = words.len() == 1 && t.trim_ascii_end() == *first;
                if field || assigned || lone {
                    out.insert(String::from_utf8_lossy(first).into_owned());
                }
            }
        }
    }
    out
}

/// Word lookups in the Go files of a tree's folders. A folder's files are read
/// one at a time, only until the word is found (non-test files first), and each
/// is read at most once.
struct Words<'r> {
    repo: &'r gix::Repository,
    tree: ObjectId,
    /// The root tree, read at the first folder looked up.
    root: std::cell::OnceCell<gix::Tree<'r>>,
    folders: HashMap<BString, Folder>,
}

/// The Go files of one folder: the text read so far and the blobs not yet read.
#[derive(Default)]
struct Folder {
    text: Vec<u8>,
    unread: Vec<ObjectId>,
}

impl Folder {
    /// Append the next unread file to `text`; where it starts, or `None` when
    /// every file has been read.
    fn read_next(&mut self, repo: &gix::Repository) -> Result<Option<usize>, RepoError> {
        let Some(blob) = self.unread.pop() else {
            return Ok(None);
        };
        let start = self.text.len();
        self.text
            .extend_from_slice(&repo.find_object(blob).map_err(git_err)?.data);
        self.text.push(b'\n');
        Ok(Some(start))
    }
}

impl<'r> Words<'r> {
    fn new(repo: &'r gix::Repository, tree: ObjectId) -> Self {
        Words {
            repo,
            tree,
            root: std::cell::OnceCell::new(),
            folders: HashMap::new(),
        }
    }

    /// Whether `name` is a word of the Go files in any of `folders`.
    fn in_any_folder(&mut self, name: &str, folders: &[BString]) -> Result<bool, RepoError> {
        for f in folders {
            if self.in_folder(name, f)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `name` is a word of the Go files in `folder`.
    fn in_folder(&mut self, name: &str, folder: &BString) -> Result<bool, RepoError> {
        if !self.folders.contains_key(folder) {
            let unread = self.go_files(folder.as_ref())?;
            self.folders.insert(
                folder.clone(),
                Folder {
                    text: Vec::new(),
                    unread,
                },
            );
        }
        let repo = self.repo;
        let f = self.folders.get_mut(folder).expect("inserted above");
        if has_word(&f.text, name.as_bytes()) {
            return Ok(true);
        }
        while let Some(start) = f.read_next(repo)? {
            if has_word(&f.text[start..], name.as_bytes()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The tree of `folder` (`None` when the tree has no such folder).
    fn folder_tree(&self, folder: &BStr) -> Result<Option<ObjectId>, RepoError> {
        if folder.is_empty() {
            return Ok(Some(self.tree));
        }
        let root = match self.root.get() {
            Some(root) => root,
            None => {
                let root = self.repo.find_tree(self.tree).map_err(git_err)?;
                self.root.get_or_init(|| root)
            }
        };
        Ok(root
            .lookup_entry(folder.split_str("/"))
            .map_err(git_err)?
            .filter(|e| e.mode().is_tree())
            .map(|e| e.object_id()))
    }

    /// The Go blobs directly in `folder`, in reading order from the end: test
    /// files are read last.
    fn go_files(&self, folder: &BStr) -> Result<Vec<ObjectId>, RepoError> {
        self.go_files_of(self.folder_tree(folder)?)
    }

    /// [`Words::go_files`] of a folder's tree (none for no folder).
    fn go_files_of(&self, tree: Option<ObjectId>) -> Result<Vec<ObjectId>, RepoError> {
        let Some(tree) = tree else {
            return Ok(Vec::new());
        };
        let tree = self.repo.find_tree(tree).map_err(git_err)?;
        let mut tests = Vec::new();
        let mut code = Vec::new();
        for entry in tree.iter() {
            let entry = entry.map_err(git_err)?;
            let name = entry.filename();
            if entry.mode().is_blob() && name.ends_with(b".go") {
                if name.ends_with(b"_test.go") {
                    tests.push(entry.object_id());
                } else {
                    code.push(entry.object_id());
                }
            }
        }
        // `pop` reads from the end: code in tree order, then the tests.
        code.reverse();
        tests.reverse();
        tests.extend(code);
        Ok(tests)
    }
}

/// Whether the Go code `text` declares `name`: a function or method, a type,
/// a struct field or interface method, a constant or variable.
fn declares(text: &[u8], name: &str) -> bool {
    let n = name.as_bytes();
    has_word(text, n)
        && text.lines().any(|line| {
            let t = line.trim_start();
            let after = |prefix: &[u8]| -> bool {
                t.find(prefix).is_some_and(|i| {
                    let rest = &t[i + prefix.len()..];
                    rest.starts_with(n) && rest.get(n.len()).is_none_or(|b| !is_ident_byte(*b))
                })
            };
            if t.starts_with(b"func ") {
                return after(b"func ") || after(b") ");
            }
            if t.starts_with(b"type ") {
                return after(b"type ");
            }
            // `Name Type`, `Name = …`, `Name(…)` in an interface, at the line start.
            t.starts_with(n)
                && t.get(n.len())
                    .is_some_and(|b| matches!(b, b' ' | b'\t' | b'('))
                && !t[n.len()..].trim_start().starts_with(b":=")
        })
}

fn has_word(text: &[u8], word: &[u8]) -> bool {
    text.find_iter(word).any(|i| {
        (i == 0 || !is_ident_byte(text[i - 1]))
            && text.get(i + word.len()).is_none_or(|b| !is_ident_byte(*b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_calls_are_found_outside_strings_and_comments() {
        let names = used_names(b"\tif c.Sandboxer != nil && run(\"x.Fake(\") { // y.Other()\n");
        assert_eq!(
            names,
            [
                (Some("c".to_string()), "Sandboxer".to_string()),
                (None, "run".to_string())
            ]
        );
        assert_eq!(
            imports(b"package a\n\nimport (\n\t\"fmt\"\n\tv2 \"example.org/m/v2/x\" // new\n)\n\nfunc f() {}\n"),
            [(None, "fmt".into()), (Some("v2".into()), "example.org/m/v2/x".into())]
        );
        assert!(has_word(
            b"type T struct{ SandboxMode bool }",
            b"SandboxMode"
        ));
        assert!(!has_word(b"type T struct{ SandboxMode bool }", b"Sandbox"));
    }
}
