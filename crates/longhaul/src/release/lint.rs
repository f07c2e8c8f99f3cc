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
    let mut out = Vec::new();
    let mut push = |severity, code, line, message: String| {
        out.push(Finding {
            severity,
            code,
            line,
            message,
        })
    };
    use Severity::*;

    // Release names become tags and file names.
    for r in &manifest.releases {
        if let Some(why) = crate::release::name::problem(&r.name) {
            push(
                Error,
                "bad-release-name",
                r.line,
                format!("release name {why}"),
            );
        }
    }
    // Duplicate names.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &manifest.releases {
        if let Some(first) = seen.insert(&r.name, r.line) {
            push(
                Error,
                "duplicate-release",
                r.line,
                format!(
                    "release `{}` is defined twice (first at line {first})",
                    r.name
                ),
            );
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for p in &manifest.patches {
        if let Some(first) = seen.insert(&p.name, p.line) {
            push(
                Error,
                "duplicate-patch",
                p.line,
                format!(
                    "patch `{}` is defined twice (first at line {first}); releases get the first",
                    p.name
                ),
            );
        }
    }

    // Chains: cycles and version consistency.
    let by_name: HashMap<&str, _> = manifest
        .releases
        .iter()
        .map(|r| (r.name.as_str(), r))
        .collect();
    for (r, cycle) in manifest.releases.iter().zip(manifest.chain_cycles()) {
        // A chain that cannot resolve (a cycle) is reported at each release in it.
        if let Some(cycle) = cycle {
            push(
                Error,
                "cycle",
                r.base_release.line,
                format!("release chain of `{}` runs into a cycle: {cycle}", r.name),
            );
            continue;
        }
        let base_name = &r.base_release.value;
        match (version_of(&r.name), version_of(base_name)) {
            (Some(mine), Some(base)) if mine != base => push(
                Error,
                "version-mismatch",
                r.base_release.line,
                format!(
                    "release `{}` is version {mine} but its base `{base_name}` is {base} (a release must keep its base's version)",
                    r.name
                ),
            ),
            (None, _) => push(
                Warning,
                "unversioned-name",
                r.line,
                format!("release name `{}` does not start with vX.Y.Z", r.name),
            ),
            (_, None) if !by_name.contains_key(base_name.as_str()) => push(
                Warning,
                "unversioned-base",
                r.base_release.line,
                format!(
                    "base `{base_name}` of `{}` is not a release and does not look like an upstream tag vX.Y.Z",
                    r.name
                ),
            ),
            _ => {}
        }
        if let Some(repo) = repo
            && !by_name.contains_key(base_name.as_str())
            && crate::repo::resolve_commit(repo, base_name).is_err()
        {
            push(
                Error,
                "missing-tag",
                r.base_release.line,
                format!(
                    "base tag `{base_name}` of `{}` is not in the upstream repository",
                    r.name
                ),
            );
        }
        let mut in_release = BTreeSet::new();
        for p in &r.patches {
            if !in_release.insert(p.value.as_str()) {
                push(
                    Warning,
                    "repeated-patch",
                    p.line,
                    format!("release `{}` lists patch `{}` twice", r.name, p.value),
                );
            }
        }
    }

    // Patch names and items.
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &manifest.releases {
        for p in &r.patches {
            used.entry(p.value.as_str()).or_insert(p.line);
            if manifest.patch(&p.value).is_none() {
                push(
                    Error,
                    "unknown-patch",
                    p.line,
                    format!(
                        "release `{}` uses patch `{}`, which is not under `patches:` and has no file patches/{}.patch",
                        r.name, p.value, p.value
                    ),
                );
            }
        }
    }
    let mut checked = BTreeSet::new();
    for def in manifest.patches.iter() {
        if def.items.is_empty() {
            push(
                Warning,
                "empty-patch",
                def.line,
                format!("patch `{}` has no items", def.name),
            );
        }
        if !used.contains_key(def.name.as_str()) {
            let hint = def
                .name
                .strip_suffix(".patch")
                .filter(|stem| used.contains_key(stem))
                .map(|stem| format!(" (releases use `{stem}`, which resolves to patches/{stem}.patch instead; drop the `.patch` suffix from this name?)"))
                .unwrap_or_default();
            push(
                Warning,
                "unused-patch",
                def.line,
                format!("patch `{}` is not used by any release{hint}", def.name),
            );
        }
        // URL items of unused patches are not checked against the cache: nothing needs them.
        let in_use = used.contains_key(def.name.as_str());
        for item in &def.items {
            if in_use || matches!(manifest.source(&item.value), PatchSource::File(_)) {
                check_item(
                    manifest,
                    loader,
                    &mut checked,
                    item.line,
                    &item.value,
                    &def.name,
                    &mut push,
                );
            }
        }
    }
    // Backport policy ("No CVE? No backport!"): what a maintained release ships
    // must fix a CVE or say why it is carried.
    let links = loader.map(|l| crate::security::coverage::patch_links(manifest, l));
    // The releases whose patches a maintained release ships: the maintained
    // ones and every release under them in a chain. Each chain is walked only
    // until it reaches a release already marked, so this stays linear.
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
    let mut policy_checked = BTreeSet::new();
    for (r, maintained) in manifest.releases.iter().zip(&shipped_by) {
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
                    !def.cves.is_empty() || !crate::security::coverage::cve_ids(&p.value).is_empty()
                }
            };
            if !linked && def.reason.is_none() {
                push(
                    Warning,
                    "no-backport-reason",
                    if def.line > 0 { def.line } else { p.line },
                    format!(
                        "patch `{}` ships in maintained release `{maintained}` but links no CVE and has no `reason:` (expected `cves: [...]`, or `reason:` one of security, regression, data-loss, build, test, with a `note:`)",
                        p.value
                    ),
                );
            }
        }
    }
    // Files under patches/ that nothing refers to.
    let mut referenced = BTreeSet::new();
    let defs = manifest
        .patches
        .iter()
        .cloned()
        .chain(used.keys().filter_map(|n| manifest.patch(n)));
    for def in defs {
        for item in &def.items {
            if let PatchSource::File(p) = manifest.source(&item.value)
                && let Ok(c) = p.canonicalize()
            {
                referenced.insert(c);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(manifest.dir().join("patches")) {
        let mut orphans: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "patch" || e == "diff"))
            .filter(|p| p.canonicalize().is_ok_and(|c| !referenced.contains(&c)))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        orphans.sort();
        for name in orphans {
            push(
                Warning,
                "orphan-file",
                0,
                format!("patches/{name} is not referenced by any patch entry or release"),
            );
        }
    }
    // Items of names that resolve only to files.
    for (name, line) in &used {
        if !manifest.patches.iter().any(|p| p.name == *name)
            && let Some(def) = manifest.patch(name)
        {
            for item in &def.items {
                check_item(
                    manifest,
                    loader,
                    &mut checked,
                    *line,
                    &item.value,
                    name,
                    &mut push,
                );
            }
        }
    }
    out.sort_by(|a, b| (a.line, a.code).cmp(&(b.line, b.code)));
    out
}

fn check_item(
    manifest: &Manifest,
    loader: Option<&PatchLoader>,
    checked: &mut BTreeSet<String>,
    line: usize,
    item: &str,
    patch: &str,
    push: &mut impl FnMut(Severity, &'static str, usize, String),
) {
    if !checked.insert(format!("{patch}\0{item}")) {
        return;
    }
    let source = manifest.source(item);
    match &source {
        PatchSource::File(_) if !crate::release::manifest::is_inside(item) => {
            push(
                Severity::Error,
                "outside-repo",
                line,
                format!(
                    "patch `{patch}`: item {item} is outside the LTS repository (expected a path relative to the manifest's folder, without `..`)"
                ),
            );
            return;
        }
        PatchSource::File(path)
            if crate::confine::resolve_inside(manifest.dir(), path).is_err()
                && path.symlink_metadata().is_ok() =>
        {
            push(
                Severity::Error,
                "outside-repo",
                line,
                format!(
                    "patch `{patch}`: item {item} is a symbolic link that leads outside the LTS repository; it is neither read nor published"
                ),
            );
            return;
        }
        PatchSource::File(path) if path.symlink_metadata().is_err() => {
            push(
                Severity::Error,
                "missing-file",
                line,
                format!("patch `{patch}`: file {item} does not exist"),
            );
            return;
        }
        PatchSource::Url(url) => {
            if let Some(loader) = loader
                && !loader.is_cached(url)
            {
                push(
                    Severity::Warning,
                    "uncached-url",
                    line,
                    format!(
                        "patch `{patch}`: {url} is not in the patch cache; releases using it cannot be verified offline"
                    ),
                );
            }
            return;
        }
        _ => {}
    }
    if let Some(loader) = loader
        && let Err(crate::release::patch_cache::LoadError::Invalid(file, l, msg)) =
            loader.load(&source).as_ref()
    {
        let at = if *l == 0 {
            file.clone()
        } else {
            format!("{file}:{l}")
        };
        push(
            Severity::Error,
            "bad-patch",
            line,
            format!("patch `{patch}`: {at}: {msg}"),
        );
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
