//! Any text as statements.yml, against a fixed manifest and CVE list: the
//! loader returns statements or an error naming the line, never panics, and
//! every statement it accepts names a known CVE and a release of the manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

static MANIFEST: LazyLock<longhaul::release::manifest::Manifest> = LazyLock::new(|| {
    longhaul::release::manifest::Manifest::parse(
        "releases:\n  - name: v1.10.13-lts.2\n    base_release: v1.10.13\n  - name: v1.11.10-lts.2\n    base_release: v1.11.10\n  - name: v1.11.10-lts.3\n    base_release: v1.11.10-lts.2\npatches: []\n",
        Path::new("releases.yml"),
    )
    .expect("fixed manifest")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cves: BTreeSet<String> = ["CVE-2019-11252".to_string(), "CVE-2021-25741".to_string()].into();
    // YAML breaks lines at CR LF, CR and LF (an old Mac file counts its CRs).
    let lines = text.replace("\r\n", "\n").replace('\r', "\n").lines().count() + 1;
    match longhaul::security::statements::parse(text, Path::new("statements.yml"), &MANIFEST, &cves) {
        Ok(statements) => {
            for s in &statements {
                assert!(cves.contains(&s.cve), "unknown CVE {} accepted", s.cve);
                for r in &s.releases {
                    assert!(MANIFEST.release(r).is_ok(), "unknown release {r} accepted");
                }
            }
        }
        Err(longhaul::Error::Manifest { line, .. }) => {
            assert!(line <= lines, "error line {line} of {lines}");
        }
        Err(_) => {}
    }
});
