//! Which CVEs each patch names: its `cves:` entry, and CVE ids written in its
//! name or in its commits' messages (inferred). A fact of the manifest and its
//! patch files, used by `lint` (the backport policy), coverage and the
//! published view.

use crate::release::manifest::{Manifest, PatchSource};
use crate::release::patch_cache::PatchLoader;
use std::collections::{BTreeMap, BTreeSet};

/// A patch's link to a CVE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// CVE id.
    pub cve: String,
    /// Found in the name or commit text rather than in `cves:`.
    pub inferred: bool,
}

/// CVE ids written in `text` (`CVE-YYYY-NNNN…`).
pub fn cve_ids(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while let Some(p) = text[i..].find("CVE-") {
        let start = i + p;
        let mut j = start + 4;
        let year = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if year == 4 && b.get(j + 4) == Some(&b'-') {
            j += 5;
            let seq = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            if seq >= 4 {
                out.insert(text[start..j + seq].to_string());
            }
        }
        i = start + 4;
    }
    out
}

/// Links of every patch name the manifest defines or its releases use. Patch
/// files (and cached URL items) are read for commit subjects and messages;
/// nothing is downloaded.
pub fn patch_links(manifest: &Manifest, loader: &PatchLoader) -> Links {
    let mut out = BTreeMap::new();
    for name in patch_names(manifest) {
        let Some(def) = manifest.patch(&name) else {
            continue;
        };
        let explicit: BTreeSet<String> = def.cves.iter().cloned().collect();
        let mut inferred = cve_ids(&name);
        for item in &def.items {
            let source = manifest.source(&item.value);
            let cached = match &source {
                PatchSource::File(_) => true,
                PatchSource::Url(url) => loader.is_cached(url),
            };
            if !cached {
                continue;
            }
            if let Ok(file) = loader.load(&source).as_ref() {
                for c in &file.commits {
                    let text = c
                        .meta
                        .as_ref()
                        .map(|m| m.message.as_str())
                        .or(c.description.as_deref());
                    inferred.extend(cve_ids(text.unwrap_or("")));
                }
            }
        }
        let mut links: Vec<Link> = explicit
            .iter()
            .map(|c| Link {
                cve: c.clone(),
                inferred: false,
            })
            .collect();
        links.extend(inferred.difference(&explicit).map(|c| Link {
            cve: c.clone(),
            inferred: true,
        }));
        out.insert(name, links);
    }
    out
}

/// Every patch name the manifest defines or its releases use: the keys of
/// [`patch_links`]. A patch's links depend on its own entry and files only.
pub fn patch_names(manifest: &Manifest) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = manifest.patches.iter().map(|p| p.name.clone()).collect();
    names.extend(
        manifest
            .releases
            .iter()
            .flat_map(|r| r.patches.iter().map(|p| p.value.clone())),
    );
    names
}

/// Patch name → the CVEs it fixes.
pub type Links = BTreeMap<String, Vec<Link>>;
