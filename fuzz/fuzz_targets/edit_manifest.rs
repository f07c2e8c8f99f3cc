//! Any manifest text the loader accepts, edited as `backport --write` and
//! `bump` edit it: the edits never panic, and what `finish` returns parses and
//! keeps every original line (a `patches: []` line may become a block list).
#![no_main]

use libfuzzer_sys::fuzz_target;
use longhaul::maintain::edit::{Edits, NewPatch, NewRelease};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("releases.yml");
    let Ok(manifest) = longhaul::release::manifest::Manifest::parse(text, path) else {
        return;
    };
    let mut edits = Edits::new(text, path);
    for r in manifest.releases.iter().take(3) {
        let _ = edits.add_patch_to_release(&r.name, "fuzz-fix");
    }
    let _ = edits.add_patch(NewPatch {
        name: "fuzz-fix".into(),
        file: "patches/fuzz-fix.patch".into(),
        cves: vec!["CVE-2025-0002".into()],
        note: None,
    });
    if let Some(r) = manifest.releases.first() {
        let _ = edits.add_release(
            NewRelease {
                name: format!("{}-fuzz", r.name),
                base_release: r.name.clone(),
                must: true,
                patches: Vec::new(),
            },
            &r.name,
        );
    }
    if let Ok(edited) = edits.finish(&manifest) {
        assert!(longhaul::release::manifest::Manifest::parse(&edited, path).is_ok());
        let mut kept = edited.lines();
        for line in text.lines().filter(|l| l.trim_start() != "patches: []" && !l.contains("patches: []")) {
            assert!(kept.any(|k| k == line), "line {line:?} lost");
        }
    }
});
