//! `lint`: problems in a manifest, found without touching any repository
//! (unless one is given, to check that base tags exist).

use crate::release::manifest::{Manifest, PatchSource, version_of};
use crate::release::patch_cache::PatchLoader;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; does not stop a release.
    Warning,
    /// Makes a release impossible to verify or build.
    Error,
}

/// One problem, located in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable identifier, e.g. `unknown-patch`.
    pub code: &'static str,
    /// 1-based manifest line (0 when not tied to a line).
    pub line: usize,
    /// Explanation, naming what was expected.
    pub message: String,
}

/// Check `manifest`. `loader` is used to see whether URL items are cached and
/// files parse; `repo`, when given, to check base tags exist.
pub fn lint(
    manifest: &Manifest,
    loader: Option<&PatchLoader>,
    repo: Option<&gix::Repository>,
) -> Vec<Finding> {
    let input = Input::new(manifest, loader, repo);
    let mut out = Vec::new();
    for rule in RULES {
        (rule.check)(&input, &mut out);
    }
    out.sort_by(|a, b| (a.line, a.code).cmp(&(b.line, b.code)));
    out
}

/// A lint rule: the finding kinds it reports and how it finds them.
pub struct Rule {
    /// The codes of the findings it reports.
    pub codes: &'static [&'static str],
    /// Adds its findings about `input` to the list.
    check: fn(&Input<'_>, &mut Vec<Finding>),
}

/// Every rule, in the order they run (findings are sorted by line and code
/// afterwards; rules sharing a code keep this order among equals).
pub const RULES: &[Rule] = &[
    Rule {
        codes: &["bad-release-name"],
        check: bad_release_names,
    },
    Rule {
        codes: &["duplicate-release"],
        check: duplicate_releases,
    },
    Rule {
        codes: &["duplicate-patch"],
        check: duplicate_patches,
    },
    Rule {
        codes: &["cycle"],
        check: cycles,
    },
    Rule {
        codes: &["version-mismatch", "unversioned-name", "unversioned-base"],
        check: versions,
    },
    Rule {
        codes: &["missing-tag"],
        check: missing_tags,
    },
    Rule {
        codes: &["repeated-patch"],
        check: repeated_patches,
    },
    Rule {
        codes: &["unknown-patch"],
        check: unknown_patches,
    },
    Rule {
        codes: &["empty-patch", "unused-patch"],
        check: defined_patches,
    },
    Rule {
        codes: ITEM_CODES,
        check: defined_items,
    },
    Rule {
        codes: &["no-backport-reason"],
        check: no_backport_reason,
    },
    Rule {
        codes: &["orphan-file"],
        check: orphan_files,
    },
    Rule {
        codes: ITEM_CODES,
        check: file_only_items,
    },
];

/// The codes [`check_item`] reports.
const ITEM_CODES: &[&str] = &["outside-repo", "missing-file", "uncached-url", "bad-patch"];

/// What the rules look at: the manifest, what `lint` was given, and what
/// several rules derive from the manifest.
struct Input<'a> {
    manifest: &'a Manifest,
    loader: Option<&'a PatchLoader>,
    repo: Option<&'a gix::Repository>,
    /// Each release's chain cycle, if it runs into one.
    cycles: Vec<Option<std::rc::Rc<str>>>,
    /// Releases by name.
    by_name: HashMap<&'a str, &'a crate::release::manifest::Release>,
    /// Every patch name a release uses, with the first line using it.
    used: BTreeMap<&'a str, usize>,
}

impl<'a> Input<'a> {
    /// The input of the rules for `manifest`.
    fn new(
        manifest: &'a Manifest,
        loader: Option<&'a PatchLoader>,
        repo: Option<&'a gix::Repository>,
    ) -> Self {
        let mut used: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &manifest.releases {
            for p in &r.patches {
                used.entry(p.value.as_str()).or_insert(p.line);
            }
        }
        Input {
            manifest,
            loader,
            repo,
            cycles: manifest.chain_cycles(),
            by_name: manifest
                .releases
                .iter()
                .map(|r| (r.name.as_str(), r))
                .collect(),
            used,
        }
    }

    /// The releases whose chain resolves (a release in a cycle is reported
    /// once, as a cycle).
    fn acyclic(&self) -> impl Iterator<Item = &'a crate::release::manifest::Release> + '_ {
        self.manifest
            .releases
            .iter()
            .zip(&self.cycles)
            .filter(|(_, c)| c.is_none())
            .map(|(r, _)| r)
    }
}

fn finding(severity: Severity, code: &'static str, line: usize, message: String) -> Finding {
    Finding {
        severity,
        code,
        line,
        message,
    }
}

/// Release names become tags and file names.
fn bad_release_names(input: &Input<'_>, out: &mut Vec<Finding>) {
    for r in &input.manifest.releases {
        if let Some(why) = crate::release::name::problem(&r.name) {
            out.push(finding(
                Severity::Error,
                "bad-release-name",
                r.line,
                format!("release name {why}"),
            ));
        }
    }
}

/// A release defined twice.
fn duplicate_releases(input: &Input<'_>, out: &mut Vec<Finding>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &input.manifest.releases {
        if let Some(first) = seen.insert(&r.name, r.line) {
            out.push(finding(
                Severity::Error,
                "duplicate-release",
                r.line,
                format!(
                    "release `{}` is defined twice (first at line {first})",
                    r.name
                ),
            ));
        }
    }
}

/// A patch defined twice.
fn duplicate_patches(input: &Input<'_>, out: &mut Vec<Finding>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for p in &input.manifest.patches {
        if let Some(first) = seen.insert(&p.name, p.line) {
            out.push(finding(
                Severity::Error,
                "duplicate-patch",
                p.line,
                format!(
                    "patch `{}` is defined twice (first at line {first}); releases get the first",
                    p.name
                ),
            ));
        }
    }
}

/// A chain that cannot resolve (a cycle) is reported at each release in it.
fn cycles(input: &Input<'_>, out: &mut Vec<Finding>) {
    for (r, cycle) in input.manifest.releases.iter().zip(&input.cycles) {
        if let Some(cycle) = cycle {
            out.push(finding(
                Severity::Error,
                "cycle",
                r.base_release.line,
                format!("release chain of `{}` runs into a cycle: {cycle}", r.name),
            ));
        }
    }
}

/// A release keeps its base's version; names start with vX.Y.Z, and so does
/// a base that is no release (an upstream tag).
fn versions(input: &Input<'_>, out: &mut Vec<Finding>) {
    for r in input.acyclic() {
        let base_name = &r.base_release.value;
        match (version_of(&r.name), version_of(base_name)) {
            (Some(mine), Some(base)) if mine != base => out.push(finding(
                Severity::Error,
                "version-mismatch",
                r.base_release.line,
                format!(
                    "release `{}` is version {mine} but its base `{base_name}` is {base} (a release must keep its base's version)",
                    r.name
                ),
            )),
            (None, _) => out.push(finding(
                Severity::Warning,
                "unversioned-name",
                r.line,
                format!("release name `{}` does not start with vX.Y.Z", r.name),
            )),
            (_, None) if !input.by_name.contains_key(base_name.as_str()) => out.push(finding(
                Severity::Warning,
                "unversioned-base",
                r.base_release.line,
                format!(
                    "base `{base_name}` of `{}` is not a release and does not look like an upstream tag vX.Y.Z",
                    r.name
                ),
            )),
            _ => {}
        }
    }
}

/// A base that is no release must be a tag of the upstream (when one is given).
fn missing_tags(input: &Input<'_>, out: &mut Vec<Finding>) {
    let Some(repo) = input.repo else {
        return;
    };
    for r in input.acyclic() {
        let base_name = &r.base_release.value;
        if !input.by_name.contains_key(base_name.as_str())
            && crate::repo::resolve_commit(repo, base_name).is_err()
        {
            out.push(finding(
                Severity::Error,
                "missing-tag",
                r.base_release.line,
                format!(
                    "base tag `{base_name}` of `{}` is not in the upstream repository",
                    r.name
                ),
            ));
        }
    }
}

/// A release that lists a patch twice.
fn repeated_patches(input: &Input<'_>, out: &mut Vec<Finding>) {
    for r in input.acyclic() {
        let mut in_release = BTreeSet::new();
        for p in &r.patches {
            if !in_release.insert(p.value.as_str()) {
                out.push(finding(
                    Severity::Warning,
                    "repeated-patch",
                    p.line,
                    format!("release `{}` lists patch `{}` twice", r.name, p.value),
                ));
            }
        }
    }
}

/// A release that uses a patch which is neither defined nor a file.
fn unknown_patches(input: &Input<'_>, out: &mut Vec<Finding>) {
    for r in &input.manifest.releases {
        for p in &r.patches {
            if input.manifest.patch(&p.value).is_none() {
                out.push(finding(
                    Severity::Error,
                    "unknown-patch",
                    p.line,
                    format!(
                        "release `{}` uses patch `{}`, which is not under `patches:` and has no file patches/{}.patch",
                        r.name, p.value, p.value
                    ),
                ));
            }
        }
    }
}

/// A defined patch without items, or that no release uses.
fn defined_patches(input: &Input<'_>, out: &mut Vec<Finding>) {
    for def in &input.manifest.patches {
        if def.items.is_empty() {
            out.push(finding(
                Severity::Warning,
                "empty-patch",
                def.line,
                format!("patch `{}` has no items", def.name),
            ));
        }
        if !input.used.contains_key(def.name.as_str()) {
            let hint = def
                .name
                .strip_suffix(".patch")
                .filter(|stem| input.used.contains_key(stem))
                .map(|stem| format!(" (releases use `{stem}`, which resolves to patches/{stem}.patch instead; drop the `.patch` suffix from this name?)"))
                .unwrap_or_default();
            out.push(finding(
                Severity::Warning,
                "unused-patch",
                def.line,
                format!("patch `{}` is not used by any release{hint}", def.name),
            ));
        }
    }
}

/// The items of defined patches (see [`check_item`]). URL items of unused
/// patches are not checked against the cache: nothing needs them.
fn defined_items(input: &Input<'_>, out: &mut Vec<Finding>) {
    let mut checked = BTreeSet::new();
    for def in &input.manifest.patches {
        let in_use = input.used.contains_key(def.name.as_str());
        for item in &def.items {
            if in_use || matches!(input.manifest.source(&item.value), PatchSource::File(_)) {
                check_item(input, &mut checked, item.line, &item.value, &def.name, out);
            }
        }
    }
}

/// The items of names that resolve only to files (`patches/NAME.patch`).
fn file_only_items(input: &Input<'_>, out: &mut Vec<Finding>) {
    let mut checked = BTreeSet::new();
    for (name, line) in &input.used {
        if !input.manifest.patches.iter().any(|p| p.name == *name)
            && let Some(def) = input.manifest.patch(name)
        {
            for item in &def.items {
                check_item(input, &mut checked, *line, &item.value, name, out);
            }
        }
    }
}

/// The backport policy ("No CVE? No backport!"): what a maintained release
/// ships must fix a CVE or say why it is carried.
fn no_backport_reason(input: &Input<'_>, out: &mut Vec<Finding>) {
    let manifest = input.manifest;
    let links = input
        .loader
        .map(|l| crate::release::cve_links::patch_links(manifest, l));
    let mut policy_checked = BTreeSet::new();
    for (r, maintained) in manifest.releases.iter().zip(shipped_by(manifest)) {
        let Some(maintained) = maintained else {
            continue;
        };
        for p in &r.patches {
            if !policy_checked.insert(p.value.as_str()) {
                continue;
            }
            let Some(def) = manifest.patch(&p.value) else {
                continue;
            };
            let linked = match &links {
                Some(links) => links.get(&p.value).is_some_and(|l| !l.is_empty()),
                None => {
                    !def.cves.is_empty() || !crate::release::cve_links::cve_ids(&p.value).is_empty()
                }
            };
            if !linked && def.reason.is_none() {
                out.push(finding(
                    Severity::Warning,
                    "no-backport-reason",
                    if def.line > 0 { def.line } else { p.line },
                    format!(
                        "patch `{}` ships in maintained release `{maintained}` but links no CVE and has no `reason:` (expected `cves: [...]`, or `reason:` one of security, regression, data-loss, build, test, with a `note:`)",
                        p.value
                    ),
                ));
            }
        }
    }
}

/// For each release, the maintained (`must: true`) release that ships its
/// patches: itself or one above it in a chain. Each chain is walked only until
/// it reaches a release already marked, so this stays linear.
fn shipped_by(manifest: &Manifest) -> Vec<Option<&str>> {
    let index: HashMap<&str, usize> = manifest
        .releases
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let mut shipped_by: Vec<Option<&str>> = vec![None; manifest.releases.len()];
    for (i, r) in manifest.releases.iter().enumerate().filter(|(_, r)| r.must) {
        let mut at = Some(i);
        while let Some(j) = at {
            if shipped_by[j].is_some() {
                break;
            }
            shipped_by[j] = Some(r.name.as_str());
            at = index
                .get(manifest.releases[j].base_release.value.as_str())
                .copied();
        }
    }
    shipped_by
}

/// Files under patches/ that nothing refers to.
fn orphan_files(input: &Input<'_>, out: &mut Vec<Finding>) {
    let manifest = input.manifest;
    let referenced = referenced_files(input);
    let Ok(entries) = std::fs::read_dir(manifest.dir().join("patches")) else {
        return;
    };
    let mut orphans: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "patch" || e == "diff"))
        .filter(|p| p.canonicalize().is_ok_and(|c| !referenced.contains(&c)))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    orphans.sort();
    for name in orphans {
        out.push(finding(
            Severity::Warning,
            "orphan-file",
            0,
            format!("patches/{name} is not referenced by any patch entry or release"),
        ));
    }
}

/// The canonical paths of every file item of a defined or used patch.
fn referenced_files(input: &Input<'_>) -> BTreeSet<std::path::PathBuf> {
    let manifest = input.manifest;
    let mut referenced = BTreeSet::new();
    let defs = manifest
        .patches
        .iter()
        .cloned()
        .chain(input.used.keys().filter_map(|n| manifest.patch(n)));
    for def in defs {
        for item in &def.items {
            if let PatchSource::File(p) = manifest.source(&item.value)
                && let Ok(c) = p.canonicalize()
            {
                referenced.insert(c);
            }
        }
    }
    referenced
}

/// One item of patch `patch` (at `line`), once per patch and item: a file
/// must be inside the repository (symbolic links included), exist and parse;
/// a URL should be in the patch cache.
fn check_item(
    input: &Input<'_>,
    checked: &mut BTreeSet<String>,
    line: usize,
    item: &str,
    patch: &str,
    out: &mut Vec<Finding>,
) {
    if !checked.insert(format!("{patch}\0{item}")) {
        return;
    }
    let source = input.manifest.source(item);
    if let Some(f) = item_location_problem(input, &source, line, item, patch) {
        out.push(f);
        return;
    }
    if matches!(source, PatchSource::Url(_)) {
        return;
    }
    if let Some(loader) = input.loader
        && let Err(crate::release::patch_cache::LoadError::Invalid(file, l, msg)) =
            loader.load(&source).as_ref()
    {
        let at = if *l == 0 {
            file.clone()
        } else {
            format!("{file}:{l}")
        };
        out.push(finding(
            Severity::Error,
            "bad-patch",
            line,
            format!("patch `{patch}`: {at}: {msg}"),
        ));
    }
}

/// Where an item is wrong, before reading it: outside the repository, a
/// missing file, or a URL not in the patch cache.
fn item_location_problem(
    input: &Input<'_>,
    source: &PatchSource,
    line: usize,
    item: &str,
    patch: &str,
) -> Option<Finding> {
    match source {
        PatchSource::File(_) if !crate::release::manifest::is_inside(item) => Some(finding(
            Severity::Error,
            "outside-repo",
            line,
            format!(
                "patch `{patch}`: item {item} is outside the LTS repository (expected a path relative to the manifest's folder, without `..`)"
            ),
        )),
        PatchSource::File(path)
            if crate::confine::resolve_inside(input.manifest.dir(), path).is_err()
                && path.symlink_metadata().is_ok() =>
        {
            Some(finding(
                Severity::Error,
                "outside-repo",
                line,
                format!(
                    "patch `{patch}`: item {item} is a symbolic link that leads outside the LTS repository; it is neither read nor published"
                ),
            ))
        }
        PatchSource::File(path) if path.symlink_metadata().is_err() => Some(finding(
            Severity::Error,
            "missing-file",
            line,
            format!("patch `{patch}`: file {item} does not exist"),
        )),
        PatchSource::Url(url) => input
            .loader
            .filter(|loader| !loader.is_cached(url))
            .map(|_| {
                finding(
                    Severity::Warning,
                    "uncached-url",
                    line,
                    format!(
                        "patch `{patch}`: {url} is not in the patch cache; releases using it cannot be verified offline"
                    ),
                )
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(manifest: &str, files: &[(&str, &str)]) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("patches")).unwrap();
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let path = dir.path().join("releases.yml");
        std::fs::write(&path, manifest).unwrap();
        let m = Manifest::load(&path).unwrap();
        let loader = PatchLoader::new(dir.path().join("cache"), false);
        lint(&m, Some(&loader), None)
    }

    /// The findings of one rule alone on `manifest` (no files, no loader).
    fn rule_alone(
        rule: fn(&Input<'_>, &mut Vec<Finding>),
        manifest: &str,
    ) -> Vec<(&'static str, usize)> {
        let m = Manifest::parse(manifest, std::path::Path::new("releases.yml")).unwrap();
        let mut out = Vec::new();
        rule(&Input::new(&m, None, None), &mut out);
        codes(&out)
    }

    #[test]
    fn each_rule_reports_only_its_own_codes() {
        let codes: Vec<&str> = RULES.iter().flat_map(|r| r.codes.iter().copied()).collect();
        assert!(
            codes.contains(&"cycle") && codes.contains(&"orphan-file"),
            "{codes:?}"
        );
    }

    #[test]
    fn the_duplicate_release_rule_alone() {
        let m = "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n";
        assert_eq!(
            rule_alone(duplicate_releases, m),
            [("duplicate-release", 4)]
        );
        assert_eq!(rule_alone(duplicate_patches, m), []);
    }

    #[test]
    fn the_cycle_rule_alone_and_versions_skip_cycles() {
        let m = "releases:\n  - name: v2.0.0-a\n    base_release: v2.0.0-b\n  - name: v2.0.0-b\n    base_release: v2.0.0-a\n  - name: lts\n    base_release: v1.0.0\n";
        assert_eq!(rule_alone(cycles, m), [("cycle", 3), ("cycle", 5)]);
        // The releases in the cycle get no version finding; `lts` does.
        assert_eq!(rule_alone(versions, m), [("unversioned-name", 6)]);
    }

    #[test]
    fn the_repeated_and_unknown_patch_rules_alone() {
        let m = "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [fix, fix]\npatches:\n  - name: fix\n    patch: [patches/fix.patch]\n  - name: spare\n    patch: []\n";
        assert_eq!(rule_alone(repeated_patches, m), [("repeated-patch", 4)]);
        assert_eq!(rule_alone(unknown_patches, m), []);
        assert_eq!(
            rule_alone(defined_patches, m),
            [("empty-patch", 8), ("unused-patch", 8)]
        );
    }

    #[test]
    fn the_backport_policy_rule_alone() {
        let m = "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    must: true\n    patches: [plain, CVE-2024-0001.1.0]\npatches:\n  - name: plain\n    patch: [patches/plain.patch]\n";
        assert_eq!(
            rule_alone(no_backport_reason, m),
            [("no-backport-reason", 7)]
        );
    }

    fn codes(f: &[Finding]) -> Vec<(&'static str, usize)> {
        f.iter().map(|f| (f.code, f.line)).collect()
    }

    const GOOD_PATCH: &str = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";

    #[test]
    fn items_outside_the_repository_are_errors_and_not_read() {
        let f = findings(
            "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [up, abs]\npatches:\n  - name: up\n    patch: [../outside.patch]\n  - name: abs\n    patch: [/etc/passwd]\n",
            &[],
        );
        let c = codes(&f);
        assert!(
            c.contains(&("outside-repo", 7)) && c.contains(&("outside-repo", 9)),
            "{c:?}"
        );
        assert!(!c.iter().any(|(code, _)| *code == "bad-patch"), "{c:?}");
    }

    /// Issue 7: the backport policy. A patch a maintained release ships must
    /// link a CVE or carry a `reason:`; an unmaintained release is not checked.
    #[test]
    fn patches_without_cve_or_reason_are_named() {
        let f = findings(
            "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    must: true\n    patches: [plain, CVE-2024-0001.1.0, linked, why]\n  - name: v1.0.0-lts.2\n    base_release: v1.0.0\n    patches: [old]\npatches:\n  - name: linked\n    patch: [patches/linked.patch]\n    cves: [CVE-2024-0002]\n  - name: why\n    patch: [patches/why.patch]\n    reason: regression\n    note: fixes the 1.0.0 scheduler hang\n",
            &[
                ("patches/plain.patch", GOOD_PATCH),
                ("patches/CVE-2024-0001.1.0.patch", GOOD_PATCH),
                ("patches/linked.patch", GOOD_PATCH),
                ("patches/why.patch", GOOD_PATCH),
                ("patches/old.patch", GOOD_PATCH),
            ],
        );
        let named: Vec<&str> = f
            .iter()
            .filter(|f| f.code == "no-backport-reason")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(named.len(), 1, "{named:?}");
        assert!(named[0].contains("`plain`"));
    }

    #[test]
    fn unknown_reasons_are_errors_at_their_line() {
        let err = Manifest::parse(
            "releases: []\npatches:\n  - name: x\n    patch: [patches/x.patch]\n    reason: because\n",
            std::path::Path::new("releases.yml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("releases.yml:5:") && err.contains("data-loss"),
            "{err}"
        );
    }

    #[test]
    fn a_clean_manifest_has_no_findings() {
        let f = findings(
            "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [fix]\npatches: []\n",
            &[("patches/fix.patch", GOOD_PATCH)],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn errors_are_located() {
        let f = findings(
            "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.1\n    patches: [nope, bad, gone]\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n  - name: v2.0.0-a\n    base_release: v2.0.0-b\n  - name: v2.0.0-b\n    base_release: v2.0.0-a\npatches:\n  - name: bad\n    patch: [patches/bad.patch]\n  - name: gone\n    patch: [patches/gone.patch]\n  - name: gone\n    patch: []\n",
            &[
                ("patches/bad.patch", "no diff here\n"),
                ("patches/stray.patch", GOOD_PATCH),
            ],
        );
        let c = codes(&f);
        for expected in [
            ("version-mismatch", 3),
            ("unknown-patch", 4),
            ("duplicate-release", 5),
            ("cycle", 8),
            ("cycle", 10),
            ("bad-patch", 13),
            ("missing-file", 15),
            ("duplicate-patch", 16),
            ("orphan-file", 0),
        ] {
            assert!(c.contains(&expected), "missing {expected:?} in {c:?}");
        }
        let mismatch = f.iter().find(|f| f.code == "version-mismatch").unwrap();
        assert!(mismatch.message.contains("1.0.0") && mismatch.message.contains("1.0.1"));
        assert_eq!(
            f.iter().find(|f| f.code == "bad-patch").unwrap().severity,
            Severity::Error
        );
    }
}
