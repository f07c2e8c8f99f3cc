//! What the module rung does to one module root, decided from the three
//! versions of its files (upstream's parent, upstream's commit, the target):
//! pure, no repository.
//!
//! Per module upstream's change moves (its `require` line or its
//! `modules.txt` block differs between the parent and the commit):
//! - the target has upstream's old version (or neither has the module), or an
//!   older one than upstream's new: the module goes to upstream's new version,
//!   with upstream's requirement line and block, and upstream's folder for the
//!   packages the target vendors (its list moved as upstream moved it);
//! - the target has upstream's new version or a newer one: kept as it is;
//! - upstream drops a module the target has at upstream's old version: dropped;
//!   at another version: a conflict.
//!
//! A module version new to the target may require more than the target has:
//! its `go.mod` is not in the repository, so when any module the commit's
//! `go.mod` requires is at a lower version on the target (or missing), the
//! port is a conflict naming them (`go get` on the line decides), never a guess.
//! Except where the sums prove there is nothing to decide (in a tree that
//! vendors its modules): every version the port brings in has the very
//! `go.mod` of the version it replaces (the same `/go.mod` hash in upstream's
//! `go.sum` as in the target's), so its requirements are the ones the target's
//! build already satisfies.

use crate::gomod::go_mod::GoMod;
use crate::gomod::go_sum::{self, Line};
use crate::gomod::modules_txt::{Block, ModulesTxt};
use crate::gomod::version;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// One tree's module files at a module root.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// `go.mod`.
    pub go_mod: Option<GoMod>,
    /// `go.sum`'s lines, when there is one.
    pub go_sum: Option<Vec<Line>>,
    /// `vendor/modules.txt`, when the tree vendors its modules.
    pub modules: Option<ModulesTxt>,
}

/// The vendored folder of a module after the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folder {
    /// Upstream's files for these packages of the module (and the files of
    /// their parent folders that `go mod vendor` copies: licenses).
    Take {
        /// Module path.
        module: String,
        /// Packages vendored.
        packages: Vec<String>,
    },
    /// No folder for the module.
    Remove {
        /// Module path.
        module: String,
    },
}

/// The module files after the port, and the folders to rebuild.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// New `go.mod` text.
    pub go_mod: Option<String>,
    /// New `go.sum` text.
    pub go_sum: Option<String>,
    /// New `vendor/modules.txt` text.
    pub modules_txt: Option<String>,
    /// Folders under `vendor/` to rebuild.
    pub folders: Vec<Folder>,
    /// Every module the port changed, with its version after the port
    /// (`None`: dropped).
    pub changed: BTreeMap<String, Option<String>>,
}

/// Why the rung cannot port a root: the file (relative to the root) and why.
pub type Refusal = (&'static str, String);

/// A module's state in one tree: its requirement and its block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct State<'a> {
    version: Option<&'a str>,
    indirect: bool,
    block: Option<&'a Block>,
}

fn state<'a>(f: &'a Files, path: &str) -> State<'a> {
    let require = f.go_mod.as_ref().and_then(|m| m.require(path));
    let block = f.modules.as_ref().and_then(|m| m.block(path));
    State {
        version: require
            .map(|r| r.version.as_str())
            .or(block.and_then(|b| b.version.as_deref())),
        indirect: require.is_some_and(|r| r.indirect),
        block,
    }
}

/// Module paths whose state upstream's change moves.
pub fn moved_modules(base: &Files, theirs: &Files) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for f in [base, theirs] {
        paths.extend(
            f.go_mod
                .iter()
                .flat_map(|m| m.requires.iter().map(|r| r.path.clone())),
        );
        paths.extend(f.modules.iter().flat_map(|m| {
            m.blocks
                .iter()
                .filter(|b| b.version.is_some())
                .map(|b| b.path.clone())
        }));
    }
    paths.retain(|p| state(base, p) != state(theirs, p));
    paths
}

/// What happens to one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// To upstream's new version.
    Take,
    /// The target's stays.
    Keep,
    /// Dropped.
    Remove,
}

fn decide(path: &str, b: State<'_>, t: State<'_>, o: State<'_>) -> Result<Decision, String> {
    let older = |x: &str, y: &str| version::compare(x, y) == Ordering::Less;
    Ok(match (b.version, t.version, o.version) {
        (_, None, None) => Decision::Keep,
        (b, None, o) if o == b => Decision::Remove,
        (b, None, Some(o)) => {
            return Err(format!(
                "upstream drops {path} (at {}); the target has it at {o}",
                b.unwrap_or("no version")
            ));
        }
        (_, Some(t), Some(o)) if o == t => Decision::Take, // the same version: blocks may differ
        (_, Some(t), Some(o)) if older(t, o) => Decision::Keep,
        (Some(_), Some(_), None) => Decision::Keep, // the target does not use it
        _ => Decision::Take,
    })
}

/// `ours` packages moved as upstream moved the list from `base` to `theirs`.
fn moved_packages(base: Option<&Block>, theirs: &Block, ours: Option<&Block>) -> Vec<String> {
    let list = |b: Option<&Block>| -> BTreeSet<String> {
        b.map(|b| b.packages.iter().cloned().collect())
            .unwrap_or_default()
    };
    let (b, t) = (list(base), list(Some(theirs)));
    let Some(ours) = ours else {
        return theirs.packages.clone();
    };
    let mut out: BTreeSet<String> = list(Some(ours));
    out.retain(|p| !b.contains(p) || t.contains(p));
    out.extend(t.difference(&b).cloned());
    out.into_iter().collect()
}

/// The plan for one root, or why there is none.
pub fn plan(base: &Files, theirs: &Files, ours: &Files) -> Result<Plan, Vec<Refusal>> {
    let (Some(bm), Some(tm), Some(om)) = (&base.go_mod, &theirs.go_mod, &ours.go_mod) else {
        return Err(vec![(
            "go.mod",
            "the target or upstream's commit has no go.mod here".into(),
        )]);
    };
    let mut refusals = Vec::new();
    let moved = moved_modules(base, theirs);
    if ours.modules.is_some() && theirs.modules.is_none() && !moved.is_empty() {
        refusals.push((
            "vendor/modules.txt",
            "the target vendors its modules; upstream's commit does not, so the new versions' code is not in the repository".into(),
        ));
    }
    let mut edit = Edit {
        go_mod: om.clone(),
        modules: ours.modules.clone().filter(|_| theirs.modules.is_some()),
        plan: Plan::default(),
    };
    for path in &moved {
        let states = [state(base, path), state(theirs, path), state(ours, path)];
        match decide(path, states[0], states[1], states[2]) {
            Ok(d) => refusals.extend(edit.apply(path, d, states, tm)),
            Err(e) => refusals.push(("go.mod", e)),
        }
    }
    let result = Files {
        go_mod: Some(edit.go_mod.clone()),
        go_sum: ours.go_sum.clone(),
        modules: edit.modules.clone(),
    };
    if !same_requirements(theirs, ours, &edit.plan) {
        refusals.extend(lagging(theirs, &result, &edit.plan, &moved));
    }
    directives(bm, tm, &mut edit.go_mod, &mut refusals);
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let Edit {
        go_mod,
        modules,
        mut plan,
    } = edit;
    plan.go_sum = sums(base, theirs, ours, &moved, &plan);
    plan.go_mod = (go_mod.text() != om.text()).then(|| go_mod.text());
    plan.modules_txt = modules
        .filter(|m| ours.modules.as_ref() != Some(m))
        .map(|m| m.text());
    Ok(plan)
}

/// The target's module files as the rung edits them.
struct Edit {
    go_mod: GoMod,
    modules: Option<ModulesTxt>,
    plan: Plan,
}

impl Edit {
    /// Carry out `decision` for module `path`; states are (base, theirs, ours).
    fn apply(
        &mut self,
        path: &str,
        decision: Decision,
        [b, t, o]: [State<'_>; 3],
        theirs: &GoMod,
    ) -> Option<Refusal> {
        match decision {
            Decision::Keep => {}
            Decision::Remove => {
                self.go_mod.remove_require(path);
                if let Some(m) = self.modules.as_mut().filter(|_| o.block.is_some()) {
                    m.remove_block(path);
                    self.plan.folders.push(Folder::Remove {
                        module: path.to_string(),
                    });
                }
                self.plan.changed.insert(path.to_string(), None);
            }
            Decision::Take => {
                let version = t.version.expect("taken modules have a version");
                // The target's own `// indirect` marker stays unless it was upstream's old one.
                let indirect = if o.version.is_some() && o.indirect != b.indirect {
                    o.indirect
                } else {
                    t.indirect
                };
                if theirs.require(path).is_some()
                    && (o.version != t.version || o.indirect != indirect)
                {
                    self.go_mod.set_require(path, version, indirect);
                }
                if let (Some(tb), Some(m)) = (t.block, self.modules.as_mut()) {
                    let packages = moved_packages(b.block, tb, o.block);
                    let missing: Vec<&String> = packages
                        .iter()
                        .filter(|p| !tb.packages.contains(p))
                        .collect();
                    if !missing.is_empty() {
                        return Some((
                            "vendor/modules.txt",
                            format!(
                                "the target vendors {} of {path}, which upstream's commit does not vendor at {version}",
                                list(&missing)
                            ),
                        ));
                    }
                    m.set_block(Block {
                        packages: packages.clone(),
                        ..tb.clone()
                    });
                    self.plan.folders.push(Folder::Take {
                        module: path.to_string(),
                        packages,
                    });
                }
                if o.version != t.version {
                    self.plan
                        .changed
                        .insert(path.to_string(), Some(version.to_string()));
                }
            }
        }
        None
    }
}

fn list(items: &[&String]) -> String {
    let shown: Vec<&str> = items.iter().take(8).map(|s| s.as_str()).collect();
    let mut out = shown.join(", ");
    if items.len() > 8 {
        out.push_str(&format!(" and {} more", items.len() - 8));
    }
    out
}

/// Module path → version, for every module a tree's files say its build
/// uses: `go.mod`'s requirements and `modules.txt`'s blocks, and before Go
/// 1.17 (when `go.mod` lists only direct requirements) `go.sum`'s newest
/// module hash of each.
fn build_list(f: &Files) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |p: &str, v: &str| {
        let e = out.entry(p.to_string()).or_insert_with(|| v.to_string());
        if version::compare(e, v) == Ordering::Less {
            *e = v.to_string();
        }
    };
    let pruned = f
        .go_mod
        .as_ref()
        .and_then(|m| m.go.as_ref())
        .is_some_and(|(g, _)| version::compare_go(g, "1.17") != Ordering::Less);
    if !pruned {
        for l in f
            .go_sum
            .iter()
            .flatten()
            .filter(|l| !l.version.ends_with("/go.mod"))
        {
            put(&l.path, &l.version);
        }
    }
    for b in f.modules.iter().flat_map(|m| &m.blocks) {
        if let Some(v) = &b.version {
            put(&b.path, v);
        }
    }
    for r in f.go_mod.iter().flat_map(|m| &m.requires) {
        put(&r.path, &r.version);
    }
    out
}

/// Whether every module the port moves has, at its new version, the same
/// `go.mod` as at the target's version: upstream's `go.sum` hash of
/// `NEW/go.mod` equals the target's hash of `OLD/go.mod`. Then the module
/// graph's edges are the target's, and no other module needs to move.
///
/// Only where both trees vendor their modules: measured on real backports,
/// there the port was the maintainer's (buildah, cri-o: 2 of 2); where they do
/// not (helm), the maintainer's commit bumped other modules too in 3 of 4, so
/// a port that moves only upstream's module would be clean but not theirs.
fn same_requirements(theirs: &Files, ours: &Files, plan: &Plan) -> bool {
    if theirs.modules.is_none() || ours.modules.is_none() {
        return false;
    }
    let hash = |f: &Files, path: &str, version: &str| -> Option<String> {
        let key = format!("{version}/go.mod");
        let lines = f.go_sum.as_ref()?;
        let found = lines.iter().find(|l| l.path == path && l.version == key);
        found.map(|l| l.hash.clone())
    };
    !plan.changed.is_empty()
        && plan.changed.iter().all(|(path, new)| {
            let (Some(new), Some(old)) = (new, state(ours, path).version) else {
                return false;
            };
            let (theirs, ours) = (hash(theirs, path, new), hash(ours, path, old));
            theirs.is_some() && theirs == ours
        })
}

/// Modules upstream's commit builds with at a version higher than the port
/// leaves them (or that the port lacks), when the port moves any module:
/// a module version new to the target may need them, and upstream's other
/// requirement edits were made for upstream's build, not the target's.
fn lagging(
    theirs: &Files,
    result: &Files,
    plan: &Plan,
    moved: &BTreeSet<String>,
) -> Option<Refusal> {
    if moved.is_empty() {
        return None;
    }
    let mut new_versions: Vec<&String> = plan.changed.keys().collect();
    if new_versions.is_empty() {
        new_versions = moved.iter().collect();
    }
    let after = build_list(result);
    let behind: Vec<String> = build_list(theirs)
        .into_iter()
        .filter(|(p, u)| {
            after
                .get(p)
                .is_none_or(|r| version::compare(r, u) == Ordering::Less)
        })
        .map(|(p, u)| match after.get(&p) {
            Some(r) => format!("{p} {r} (upstream's commit has {u})"),
            None => format!("{p} (missing; upstream's commit has {u})"),
        })
        .collect();
    if behind.is_empty() {
        return None;
    }
    let behind: Vec<&String> = behind.iter().collect();
    Some((
        "go.mod",
        format!(
            "upstream's commit moves {} for a build that has more than the target: {} (the modules' own go.mod files are not in the repository: `go get` on the line decides)",
            list(&new_versions),
            list(&behind)
        ),
    ))
}

/// `go`, `toolchain`, `replace`, `exclude` and `retract` as upstream moved
/// them, where the target had what upstream had; a conflict where it did not.
fn directives(base: &GoMod, theirs: &GoMod, out: &mut GoMod, refusals: &mut Vec<Refusal>) {
    let pick = |b: &Option<(String, usize)>| b.as_ref().map(|(v, _)| v.clone());
    for (name, b, t) in [
        ("go", pick(&base.go), pick(&theirs.go)),
        ("toolchain", pick(&base.toolchain), pick(&theirs.toolchain)),
    ] {
        if b != t {
            version_directive(name, (b, t), out, refusals);
        }
    }
    replaces(base, theirs, out, refusals);
    excludes_and_retracts(base, theirs, out);
}

/// The `go` or `toolchain` line (`name`) moved from `b` to `t` as upstream
/// moved it: set, removed or added where the target had upstream's, kept where
/// the target is newer, a conflict otherwise.
fn version_directive(
    name: &str,
    (b, t): (Option<String>, Option<String>),
    out: &mut GoMod,
    refusals: &mut Vec<Refusal>,
) {
    let directive = if name == "go" {
        &out.go
    } else {
        &out.toolchain
    };
    let current = directive.as_ref().map(|(v, _)| v.clone());
    let line = directive.as_ref().map(|(_, l)| *l);
    match (&current, &t, line) {
        (c, _, _) if *c == t => {}
        (c, Some(t), Some(l)) if *c == b => out.set_line(l, Some(&format!("{name} {t}"))),
        (c, None, Some(l)) if *c == b => out.set_line(l, None),
        (c, Some(t), None) if c.is_none() && b.is_none() => {
            let after = out.go.as_ref().map(|(_, l)| *l);
            out.insert_line(after, &format!("{name} {t}"));
        }
        (Some(c), Some(t), _) if version::compare_go(c, t) == Ordering::Greater => {}
        _ => refusals.push((
            "go.mod",
            format!(
                "upstream moves `{name}` from {} to {}; the target has {}",
                b.as_deref().unwrap_or("none"),
                t.as_deref().unwrap_or("none"),
                current.as_deref().unwrap_or("none")
            ),
        )),
    }
}

/// The `exclude` and `retract` lines upstream removed, removed; those it
/// added, added where the target lacks them.
fn excludes_and_retracts(base: &GoMod, theirs: &GoMod, out: &mut GoMod) {
    let lines = |m: &GoMod| -> BTreeSet<String> {
        let ex = m
            .excludes
            .iter()
            .map(|(p, v, _)| format!("exclude {p} {v}"));
        ex.chain(m.retracts.iter().map(|(r, _)| format!("retract {r}")))
            .collect()
    };
    let (b, t) = (lines(base), lines(theirs));
    for gone in b.difference(&t) {
        let at = out
            .excludes
            .iter()
            .find(|(p, v, _)| format!("exclude {p} {v}") == *gone)
            .map(|e| e.2)
            .or_else(|| {
                out.retracts
                    .iter()
                    .find(|(r, _)| format!("retract {r}") == *gone)
                    .map(|r| r.1)
            });
        if let Some(l) = at {
            out.set_line(l, None);
        }
    }
    for new in t.difference(&b) {
        if !lines(out).contains(new) {
            out.insert_line(None, new);
        }
    }
}

fn replaces(base: &GoMod, theirs: &GoMod, out: &mut GoMod, refusals: &mut Vec<Refusal>) {
    type Key = (String, Option<String>);
    let by_key = |m: &GoMod| -> BTreeMap<Key, (String, usize)> {
        m.replaces
            .iter()
            .map(|r| ((r.old.clone(), r.old_version.clone()), (r.spec(), r.line)))
            .collect()
    };
    let (b, t) = (by_key(base), by_key(theirs));
    let keys: BTreeSet<&Key> = b.keys().chain(t.keys()).collect();
    for key in keys {
        let (bs, ts) = (b.get(key).map(|x| &x.0), t.get(key).map(|x| &x.0));
        if bs == ts {
            continue;
        }
        let current = by_key(out).get(key).cloned();
        match (&current, ts) {
            (Some((c, _)), _) if Some(c) == ts => {}
            (None, Some(ts)) if bs.is_none() => out.insert_line(None, &format!("replace {ts}")),
            (Some((c, l)), ts) if Some(c) == bs => {
                let single = !out.in_block(*l);
                let text = ts.map(|s| {
                    if single {
                        format!("replace {s}")
                    } else {
                        s.clone()
                    }
                });
                out.set_line(*l, text.as_deref());
            }
            _ => refusals.push((
                "go.mod",
                format!(
                    "upstream changes `replace {}`; the target has {}",
                    bs.or(ts).map(String::as_str).unwrap_or(""),
                    current
                        .map(|c| format!("`{}`", c.0))
                        .unwrap_or_else(|| "none".into())
                ),
            )),
        }
    }
}

/// `go.sum` with upstream's new lines added and the lines upstream dropped
/// removed; module hashes of a version the port does not select (the target
/// kept another) are not added.
fn sums(
    base: &Files,
    theirs: &Files,
    ours: &Files,
    moved: &BTreeSet<String>,
    plan: &Plan,
) -> Option<String> {
    let (b, t) = (base.go_sum.as_ref()?, theirs.go_sum.as_ref()?);
    let (b, t): (BTreeSet<&Line>, BTreeSet<&Line>) = (b.iter().collect(), t.iter().collect());
    let removed: BTreeSet<Line> = b.difference(&t).map(|l| (*l).clone()).collect();
    let selected = |l: &Line| -> bool {
        let chosen = match plan.changed.get(&l.path) {
            Some(v) => v.as_deref(),
            None => state(ours, &l.path).version,
        };
        let v = l.version.trim_end_matches("/go.mod");
        // Upstream's own selection of a module the port leaves at another
        // version is not added; other go.mod hashes are the module graph's.
        let upstreams = state(theirs, &l.path).version == Some(v);
        !moved.contains(&l.path)
            || chosen == Some(v)
            || (l.version.ends_with("/go.mod") && !upstreams)
    };
    let added: BTreeSet<Line> = t
        .difference(&b)
        .filter(|l| selected(l))
        .map(|l| (*l).clone())
        .collect();
    let target = ours.go_sum.clone().unwrap_or_default();
    let text = go_sum::edit(&target, &removed, &added);
    let unchanged = go_sum::edit(&target, &BTreeSet::new(), &BTreeSet::new());
    (text != unchanged || (ours.go_sum.is_none() && !added.is_empty())).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::{Files, Folder, plan};
    use crate::gomod::{go_mod::GoMod, go_sum, modules_txt::ModulesTxt};

    fn files(go_mod: &str, go_sum: &str, modules: &str) -> Files {
        Files {
            go_mod: Some(GoMod::parse(go_mod).unwrap()),
            go_sum: Some(go_sum::parse(go_sum).unwrap()),
            modules: Some(ModulesTxt::parse(modules).unwrap()),
        }
    }

    fn go_mod(dep: &str, util: &str, extra: &str) -> String {
        format!(
            "module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/dep {dep}\n{extra}\texample.com/util {util}\n)\n"
        )
    }

    fn modules(dep: &str, util: &str, extra: &str) -> String {
        format!(
            "# example.com/dep {dep}\n## explicit; go 1.17\nexample.com/dep\n{extra}# example.com/util {util}\n## explicit; go 1.17\nexample.com/util\n"
        )
    }

    fn sums(dep: &str, util: &str) -> String {
        format!(
            "example.com/dep {dep} h1:D{dep}=\nexample.com/dep {dep}/go.mod h1:Dm{dep}=\nexample.com/util {util} h1:U{util}=\nexample.com/util {util}/go.mod h1:Um{util}=\n"
        )
    }

    /// A bump onto a target with upstream's old version: the requirement,
    /// the block, upstream's go.sum lines and the folder move; the target's
    /// own extra module and comments stay.
    #[test]
    fn a_bump_moves_every_module_file() {
        let base = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0"),
            &modules("v1.0.0", "v1.0.0", ""),
        );
        let theirs = files(
            &go_mod("v1.1.0", "v1.0.0", ""),
            &sums("v1.1.0", "v1.0.0"),
            &modules("v1.1.0", "v1.0.0", ""),
        );
        let extra_req = "\texample.com/legacy v0.1.0 // the old line's own\n";
        let extra_block = "# example.com/legacy v0.1.0\n## explicit\nexample.com/legacy\n";
        let ours = files(
            &go_mod("v1.0.0", "v1.0.0", extra_req),
            &sums("v1.0.0", "v1.0.0").replace(
                "example.com/util v1.0.0 h1",
                "example.com/legacy v0.1.0 h1:L=\nexample.com/util v1.0.0 h1",
            ),
            &modules("v1.0.0", "v1.0.0", extra_block),
        );
        let p = plan(&base, &theirs, &ours).unwrap();
        assert_eq!(p.go_mod.unwrap(), go_mod("v1.1.0", "v1.0.0", extra_req));
        assert_eq!(
            p.modules_txt.unwrap(),
            modules("v1.1.0", "v1.0.0", extra_block)
        );
        assert_eq!(
            p.go_sum.unwrap(),
            "example.com/dep v1.0.0/go.mod h1:Dmv1.0.0=\nexample.com/dep v1.1.0 h1:Dv1.1.0=\nexample.com/dep v1.1.0/go.mod h1:Dmv1.1.0=\nexample.com/legacy v0.1.0 h1:L=\nexample.com/util v1.0.0 h1:Uv1.0.0=\nexample.com/util v1.0.0/go.mod h1:Umv1.0.0=\n"
                .replace("example.com/dep v1.0.0/go.mod h1:Dmv1.0.0=\n", "")
        );
        assert_eq!(
            p.folders,
            [Folder::Take {
                module: "example.com/dep".into(),
                packages: vec!["example.com/dep".into()]
            }]
        );
    }

    /// The target already has a newer version: nothing changes.
    #[test]
    fn a_newer_target_version_is_kept() {
        let base = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0"),
            &modules("v1.0.0", "v1.0.0", ""),
        );
        let theirs = files(
            &go_mod("v1.1.0", "v1.0.0", ""),
            &sums("v1.1.0", "v1.0.0"),
            &modules("v1.1.0", "v1.0.0", ""),
        );
        let ours = files(
            &go_mod("v1.2.0", "v1.0.0", ""),
            &sums("v1.2.0", "v1.0.0"),
            &modules("v1.2.0", "v1.0.0", ""),
        );
        let p = plan(&base, &theirs, &ours).unwrap();
        assert!(
            p.go_mod.is_none()
                && p.modules_txt.is_none()
                && p.go_sum.is_none()
                && p.folders.is_empty()
        );
    }

    /// A module upstream's commit has at a higher version than the target,
    /// when the port brings a new version in: a conflict naming it.
    #[test]
    fn a_module_the_new_version_may_need_is_a_conflict_naming_it() {
        let base = files(
            &go_mod("v1.0.0", "v1.2.0", ""),
            &sums("v1.0.0", "v1.2.0"),
            &modules("v1.0.0", "v1.2.0", ""),
        );
        let theirs = files(
            &go_mod("v1.1.0", "v1.2.0", ""),
            &sums("v1.1.0", "v1.2.0"),
            &modules("v1.1.0", "v1.2.0", ""),
        );
        let ours = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0"),
            &modules("v1.0.0", "v1.0.0", ""),
        );
        let e = plan(&base, &theirs, &ours).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "go.mod");
        assert!(
            e[0].1
                .contains("example.com/util v1.0.0 (upstream's commit has v1.2.0)"),
            "{}",
            e[0].1
        );
    }

    /// The same case when the new version's `go.mod` hash is the one the
    /// target's version has: its requirements are the target's, the bump
    /// ports; without the target's hash line there is no proof, and without
    /// vendored modules the rung does not use it: conflicts.
    #[test]
    fn a_new_version_with_the_old_go_mod_needs_nothing_more() {
        let base = files(
            &go_mod("v1.0.0", "v1.2.0", ""),
            &sums("v1.0.0", "v1.2.0"),
            &modules("v1.0.0", "v1.2.0", ""),
        );
        let same_go_mod = |s: String| s.replace("h1:Dmv1.1.0=", "h1:Dmv1.0.0=");
        let theirs = files(
            &go_mod("v1.1.0", "v1.2.0", ""),
            &same_go_mod(sums("v1.1.0", "v1.2.0")),
            &modules("v1.1.0", "v1.2.0", ""),
        );
        let ours = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0"),
            &modules("v1.0.0", "v1.0.0", ""),
        );
        let p = plan(&base, &theirs, &ours).unwrap();
        assert_eq!(p.go_mod.unwrap(), go_mod("v1.1.0", "v1.0.0", ""));
        let unproven = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0").replace("example.com/dep v1.0.0/go.mod h1:Dmv1.0.0=\n", ""),
            &modules("v1.0.0", "v1.0.0", ""),
        );
        let e = plan(&base, &theirs, &unproven).unwrap_err();
        assert!(
            e[0].1
                .contains("example.com/util v1.0.0 (upstream's commit has v1.2.0)"),
            "{e:?}"
        );
        let unvendored = |f: &Files| Files {
            modules: None,
            ..f.clone()
        };
        let e = plan(&unvendored(&base), &unvendored(&theirs), &unvendored(&ours)).unwrap_err();
        assert!(
            e[0].1
                .contains("example.com/util v1.0.0 (upstream's commit has v1.2.0)"),
            "{e:?}"
        );
    }

    /// Upstream drops a module the target has at another version, or the
    /// target vendors a package upstream does not: conflicts saying so.
    #[test]
    fn what_upstream_does_not_carry_is_a_conflict() {
        let base = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0"),
            &modules("v1.0.0", "v1.0.0", ""),
        );
        let theirs = files(
            &go_mod("v1.1.0", "v1.0.0", ""),
            &sums("v1.1.0", "v1.0.0"),
            &modules("v1.1.0", "v1.0.0", ""),
        );
        let ours = files(
            &go_mod("v1.0.0", "v1.0.0", ""),
            &sums("v1.0.0", "v1.0.0"),
            &modules("v1.0.0", "v1.0.0", "").replace(
                "example.com/dep\n",
                "example.com/dep\nexample.com/dep/old\n",
            ),
        );
        let e = plan(&base, &theirs, &ours).unwrap_err();
        assert!(e[0].1.contains("example.com/dep/old"), "{e:?}");
        let dropped = files(
            "module example.com/app\n\ngo 1.19\n\nrequire example.com/util v1.0.0\n",
            "",
            "# example.com/util v1.0.0\n## explicit; go 1.17\nexample.com/util\n",
        );
        let ours = files(
            &go_mod("v0.9.0", "v1.0.0", ""),
            &sums("v0.9.0", "v1.0.0"),
            &modules("v0.9.0", "v1.0.0", ""),
        );
        let e = plan(&base, &dropped, &ours).unwrap_err();
        assert!(e[0].1.contains("upstream drops example.com/dep"), "{e:?}");
    }
}
