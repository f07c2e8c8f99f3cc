//! Embargoes: patches and statements marked `embargo_until:` stay out of
//! every published output (site, notes, feed, VEX, OSV, JSON) until that time,
//! while `verify`, `check` and `build` use them as usual.
//!
//! What is withheld before the time:
//! - the embargoed patches (their names, files and texts), and every other
//!   entry with the same file (path or bytes) or a fix of a withheld CVE: the
//!   view is decided per file and per CVE, not per entry name;
//! - every release whose chain uses one: publishing it without the patch
//!   would misstate what the release contains;
//! - the CVEs those patches fix, stated (`cves:`) or named in the patch name
//!   or commit messages, with their advisories: a fix under embargo means the
//!   CVE is not public yet;
//! - embargoed statements.

use crate::release::manifest::{Embargo, Manifest};
use crate::release::patch_cache::PatchLoader;
use crate::security::advisory::Advisory;
use crate::security::coverage::{self, Coverage, Links};
use crate::security::statements::Statement;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// What is held back, and until when.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Withheld {
    /// Embargoed patches: name and time.
    pub patches: Vec<(String, String)>,
    /// Releases whose chain uses an embargoed patch.
    pub releases: Vec<String>,
    /// CVEs the embargoed patches fix.
    pub cves: BTreeSet<String>,
    /// Embargoed statements (CVE and time).
    pub statements: Vec<(String, String)>,
    /// The earliest embargo still in force (seconds since the epoch): the
    /// published outputs change then.
    pub next_change: Option<i64>,
}

/// The manifest as published at `now`, and what was held back. `all_links`
/// are the whole manifest's [`coverage::patch_links`] (for the CVEs an
/// embargoed patch names in its name or commit messages).
pub fn published_manifest(
    manifest: &Manifest,
    all_links: &Links,
    now: i64,
) -> (Manifest, Withheld) {
    let mut withheld = Withheld::default();
    let mut note = |e: &Embargo| {
        withheld.next_change = Some(withheld.next_change.map_or(e.until, |n| n.min(e.until)));
    };
    let embargoed: Vec<&crate::release::manifest::PatchDef> = manifest
        .patches
        .iter()
        .filter(|p| p.embargo.as_ref().is_some_and(|e| e.active(now)))
        .collect();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for p in &embargoed {
        let e = p.embargo.as_ref().expect("filtered on it");
        note(e);
        withheld.patches.push((p.name.clone(), e.text.clone()));
        names.insert(p.name.clone());
    }
    spread(manifest, all_links, &mut names, &mut withheld);
    let names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let uses_embargoed = |release: &str| {
        manifest
            .full_patch_list(release)
            .map(|list| list.iter().any(|p| names.contains(p.value.as_str())))
            // A release whose chain does not resolve is published as is: its
            // pages say it is broken, and no embargoed name is in it.
            .unwrap_or(false)
    };
    let mut published = manifest.clone();
    published.releases.retain(|r| {
        let keep = !uses_embargoed(&r.name);
        if !keep {
            withheld.releases.push(r.name.clone());
        }
        keep
    });
    published
        .patches
        .retain(|p| !names.contains(p.name.as_str()));
    (published, withheld)
}

/// Add to `names` (the embargoed entries) every entry that would publish
/// their fix under another name: the same file (path or bytes), or a fix of a
/// withheld CVE; repeated until nothing more is added. `withheld` gets their
/// CVEs and the entries.
fn spread(
    manifest: &Manifest,
    all_links: &Links,
    names: &mut BTreeSet<String>,
    withheld: &mut Withheld,
) {
    let keys: Vec<(String, BTreeSet<String>)> = every_patch_name(manifest)
        .into_iter()
        .map(|n| {
            let k = file_keys(manifest, &n);
            (n, k)
        })
        .collect();
    let cves_of = |name: &str| -> Vec<String> {
        let mut out: Vec<String> = manifest
            .patch(name)
            .map(|d| d.cves.clone())
            .unwrap_or_default();
        if let Some(links) = all_links.get(name) {
            out.extend(links.iter().map(|l| l.cve.clone()));
        }
        out
    };
    loop {
        for n in names.iter() {
            withheld.cves.extend(cves_of(n));
        }
        let held_keys: BTreeSet<&String> = keys
            .iter()
            .filter(|(n, _)| names.contains(n))
            .flat_map(|(_, k)| k.iter())
            .collect();
        let more: Vec<String> = keys
            .iter()
            .filter(|(n, k)| {
                !names.contains(n)
                    && (k.iter().any(|x| held_keys.contains(x))
                        || cves_of(n).iter().any(|c| withheld.cves.contains(c)))
            })
            .map(|(n, _)| n.clone())
            .collect();
        if more.is_empty() {
            return;
        }
        // They appear with the embargo they share.
        let until = withheld
            .patches
            .first()
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        for n in more {
            withheld.patches.push((n.clone(), until.clone()));
            names.insert(n);
        }
    }
}

/// Every patch name: defined under `patches:` or used by a release.
fn every_patch_name(manifest: &Manifest) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = manifest.patches.iter().map(|p| p.name.clone()).collect();
    for r in &manifest.releases {
        out.extend(r.patches.iter().map(|p| p.value.clone()));
    }
    out
}

/// What identifies the files of patch `name`: each URL, each local file's
/// resolved path, and a hash of its bytes (a copy under another name is the
/// same fix).
fn file_keys(manifest: &Manifest, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(def) = manifest.patch(name) else {
        return out;
    };
    for item in &def.items {
        match manifest.source(&item.value) {
            crate::release::manifest::PatchSource::Url(u) => {
                out.insert(format!("url:{u}"));
            }
            crate::release::manifest::PatchSource::File(path) => {
                if let Ok(c) = path.canonicalize() {
                    out.insert(format!("path:{}", c.display()));
                }
                if let Ok(bytes) = crate::fs::read(&path)
                    && let Ok(id) = gix::objs::compute_hash(
                        gix::hash::Kind::Sha1,
                        gix::objs::Kind::Blob,
                        &bytes,
                    )
                {
                    out.insert(format!("blob:{id}"));
                }
            }
        }
    }
    out
}

/// The pairs (embargoed entry, other entry) that share a file, for lint.
fn shared_files(manifest: &Manifest, now: i64) -> Vec<(String, String)> {
    let names = every_patch_name(manifest);
    let keys: Vec<(String, BTreeSet<String>)> = names
        .into_iter()
        .map(|n| {
            let k = file_keys(manifest, &n);
            (n, k)
        })
        .collect();
    let mut out = Vec::new();
    for p in manifest
        .patches
        .iter()
        .filter(|p| p.embargo.as_ref().is_some_and(|e| e.active(now)))
    {
        let Some((_, mine)) = keys.iter().find(|(n, _)| *n == p.name) else {
            continue;
        };
        for (other, theirs) in &keys {
            if *other != p.name && !mine.is_disjoint(theirs) {
                out.push((p.name.clone(), other.clone()));
            }
        }
    }
    out
}

/// Everything a published output is built from.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The manifest with embargoed patches and the releases using them removed.
    pub manifest: Manifest,
    /// Advisories, without the withheld CVEs.
    pub advisories: Vec<Advisory>,
    /// Statements in force and public.
    pub statements: Vec<Statement>,
    /// Patch → CVE links of the published patches.
    pub links: Links,
    /// The coverage matrix of the shipped releases; `None` without advisories.
    pub coverage: Option<Coverage>,
    /// What is missing from the inputs, said on every page that needs it.
    pub missing: Vec<String>,
    /// What is held back.
    pub withheld: Withheld,
    /// The time the publication is for (seconds since the epoch).
    pub now: i64,
    /// How old the advisories are at `now`; `None` without advisories.
    pub feed: Option<crate::security::freshness::FeedAge>,
}

impl Publication {
    /// Load the inputs and apply the embargoes in force at `now`. Missing
    /// advisories or statements are not errors: `missing` says so.
    pub fn load(
        manifest: &Manifest,
        advisories_dir: &Path,
        statements_file: &Path,
        loader: &PatchLoader,
        now: i64,
    ) -> crate::Result<Publication> {
        let all_links = coverage::patch_links(manifest, loader);
        let (published, mut withheld) = published_manifest(manifest, &all_links, now);
        let all_advisories = crate::security::advisory::store::load(advisories_dir)?;
        let known: BTreeSet<String> = all_advisories.iter().map(|a| a.cve().to_string()).collect();
        let missing = missing_inputs(all_advisories.is_empty(), advisories_dir, statements_file);
        let all_statements = crate::security::statements::load(statements_file, manifest, &known)?;
        let statements = published_statements(all_statements, &mut withheld, now);
        let advisories: Vec<Advisory> = all_advisories
            .into_iter()
            .filter(|a| {
                !withheld.cves.contains(a.cve())
                    && !a.aliases.iter().any(|x| withheld.cves.contains(x))
            })
            .collect();
        // The published patches' links: a subset of those already read.
        let names = coverage::patch_names(&published);
        let links: Links = all_links
            .into_iter()
            .filter(|(name, _)| names.contains(name))
            .collect();
        let coverage = if advisories.is_empty() {
            None
        } else {
            Some(coverage::coverage(
                &published,
                &advisories,
                &statements,
                &links,
                &[],
            )?)
        };
        let feed = (!advisories.is_empty()).then(|| {
            crate::security::freshness::of_advisories(&advisories, advisories_dir, manifest, now)
        });
        Ok(Publication {
            feed,
            manifest: published,
            advisories,
            statements,
            links,
            coverage,
            missing,
            withheld,
            now,
        })
    }

    /// An error for a release that exists but is withheld, or `None`.
    pub fn withheld_release(&self, release: &str) -> Option<String> {
        self.withheld.releases.iter().any(|r| r == release).then(|| {
            format!(
                "release `{release}` is withheld until its embargoed patches are published ({})",
                self.withheld
                    .patches
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

/// What the inputs lack, said on every page that needs it: advisories (when
/// `no_advisories`) and the statements file.
fn missing_inputs(
    no_advisories: bool,
    advisories_dir: &Path,
    statements_file: &Path,
) -> Vec<String> {
    let mut missing = Vec::new();
    if no_advisories {
        missing.push(format!(
            "no advisories in {}: CVE status is unknown (import the feed with `longhaul advisories import`)",
            advisories_dir.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ));
    }
    if !statements_file.exists() {
        missing.push(format!(
            "no statements file ({}): CVEs without a patch or upstream fix show as affected or not assessed",
            statements_file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ));
    }
    missing
}

/// The statements that may be published at `now`: an embargoed statement is
/// withheld (and noted in `withheld`), so are those of withheld CVEs, and
/// each keeps only its published releases (none left: left out).
fn published_statements(
    all_statements: Vec<Statement>,
    withheld: &mut Withheld,
    now: i64,
) -> Vec<Statement> {
    let withheld_releases: BTreeSet<String> = withheld.releases.iter().cloned().collect();
    let mut statements = Vec::new();
    for mut s in all_statements {
        if let Some(e) = s.embargo.as_ref().filter(|e| e.active(now)) {
            withheld.next_change = Some(withheld.next_change.map_or(e.until, |n| n.min(e.until)));
            withheld.statements.push((s.cve.clone(), e.text.clone()));
            continue;
        }
        if withheld.cves.contains(&s.cve) {
            continue;
        }
        s.releases.retain(|r| !withheld_releases.contains(r));
        if !s.releases.is_empty() {
            statements.push(s);
        }
    }
    statements
}

/// `lint`'s findings about embargoes at `now`: each embargo in force, with
/// the releases and CVEs that appear when it ends, and each that has ended.
pub fn findings(
    manifest: &Manifest,
    loader: &PatchLoader,
    now: i64,
) -> Vec<crate::release::lint::Finding> {
    use crate::release::lint::{Finding, Severity};
    let mut out = shared_file_findings(manifest, now);
    let mut before: Option<Withheld> = None;
    let mut all_links: Option<Links> = None;
    for p in &manifest.patches {
        let Some(e) = &p.embargo else { continue };
        if !e.active(now) {
            out.push(Finding {
                severity: Severity::Warning,
                code: "embargo-ended",
                line: e.line,
                message: format!(
                    "patch `{}`: the embargo ended at {}; it is published now (the `embargo_until:` line can go)",
                    p.name, e.text
                ),
            });
            continue;
        }
        // What publication at `e.until` adds: the published view just after
        // it, against the view now.
        let all_links = all_links.get_or_insert_with(|| coverage::patch_links(manifest, loader));
        let before = before.get_or_insert_with(|| published_manifest(manifest, all_links, now).1);
        let (_, after) = published_manifest(manifest, all_links, e.until);
        out.push(embargoed_finding(&p.name, e, before, &after));
    }
    out
}

/// Patches withheld because they share a file with an embargoed one.
fn shared_file_findings(manifest: &Manifest, now: i64) -> Vec<crate::release::lint::Finding> {
    use crate::release::lint::{Finding, Severity};
    shared_files(manifest, now)
        .into_iter()
        .map(|(embargoed, other)| {
            let line = manifest
                .patches
                .iter()
                .find(|p| p.name == other)
                .map_or(0, |p| p.line);
            Finding {
                severity: Severity::Warning,
                code: "embargo-shared-file",
                line,
                message: format!(
                    "patch `{other}` has the same file as the embargoed `{embargoed}`: it is withheld with it (the embargo decides by file, not by name)"
                ),
            }
        })
        .collect()
}

/// An embargo in force: what publication at its end adds (`before` is
/// withheld now, `after` just after it ends).
fn embargoed_finding(
    patch: &str,
    e: &Embargo,
    before: &Withheld,
    after: &Withheld,
) -> crate::release::lint::Finding {
    let appear: Vec<&String> = before
        .releases
        .iter()
        .filter(|r| !after.releases.contains(r))
        .collect();
    let cves: Vec<&String> = before
        .cves
        .iter()
        .filter(|c| !after.cves.contains(*c))
        .collect();
    crate::release::lint::Finding {
        severity: crate::release::lint::Severity::Warning,
        code: "embargoed",
        line: e.line,
        message: format!(
            "patch `{}` is embargoed until {}: left out of the site, notes, feed, VEX and OSV until then; on publication {} appear{}",
            patch,
            e.text,
            if appear.is_empty() {
                "no releases".to_string()
            } else {
                appear
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            if cves.is_empty() {
                String::new()
            } else {
                format!(
                    ", with {}",
                    cves.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
    }
}
