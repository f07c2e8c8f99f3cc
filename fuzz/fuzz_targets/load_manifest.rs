//! Any text as a manifest: the loader returns a manifest or an error naming the
//! line, never panics; chains and cycle detection terminate on what it accepts,
//! and lint runs on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // YAML breaks lines at CR LF, CR and LF (an old Mac file counts its CRs).
    let lines = text.replace("\r\n", "\n").replace('\r', "\n").lines().count() + 1;
    match longhaul::release::manifest::Manifest::parse(text, Path::new("releases.yml")) {
        Ok(manifest) => {
            let cycles = manifest.chain_cycles();
            for (release, cycle) in manifest.releases.iter().zip(&cycles) {
                // The linear pass and the per-release walk agree.
                assert_eq!(manifest.chain(&release.name).is_err(), cycle.is_some());
            }
            let _ = longhaul::release::lint::lint(&manifest, None, None);
        }
        Err(longhaul::Error::Manifest { line, .. }) => {
            assert!(line <= lines, "error line {line} of {lines}");
        }
        Err(_) => {}
    }
});
