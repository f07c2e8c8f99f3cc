//! CVE coverage on the real KLTS manifest and the real Kubernetes CVE feed (both
//! forms), with cells checked by hand against the records, and the OpenVEX and
//! OSV outputs validated against their JSON schemas.

mod common;

use common::shared_dir;
use longhaul::advisory::range::{Standing, parse_version, standing};
use longhaul::coverage::{Coverage, Source, Status};
use longhaul::manifest::Manifest;
use longhaul::patch_cache::PatchLoader;

struct Real {
    _tmp: tempfile::TempDir,
    manifest: Manifest,
    advisories: Vec<longhaul::advisory::Advisory>,
    coverage: Coverage,
}

fn real() -> Real {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("advisories");
    let data = shared_dir().join("data");
    let sources = [
        data.join("k8s-cve-osv").display().to_string(),
        data.join("k8s-official-cve-feed-2023-07.json")
            .display()
            .to_string(),
    ];
    let report =
        longhaul::advisory::import::import(&sources, &dir, &|_| Err("offline".into())).unwrap();
    assert!(report.advisories.len() >= 47);
    let manifest = Manifest::load(&data.join("klts/releases.yml")).unwrap();
    let loader = PatchLoader::new(tmp.path().join("cache"), false);
    let inputs =
        longhaul::coverage::load_inputs(&manifest, &dir, &tmp.path().join("none.yml"), &loader)
            .unwrap();
    let coverage = longhaul::coverage::coverage(
        &manifest,
        &inputs.advisories,
        &inputs.statements,
        &inputs.links,
        &[],
    )
    .unwrap();
    Real {
        _tmp: tmp,
        manifest,
        advisories: inputs.advisories,
        coverage,
    }
}

fn cell<'a>(c: &'a Coverage, cve: &str, release: &str) -> &'a longhaul::coverage::Cell {
    c.cell(cve, release)
        .unwrap_or_else(|| panic!("no cell {cve} x {release}"))
}

/// Each expectation below was read off the OSV record's ranges and KLTS's
/// releases.yml by hand (the comment says how).
#[test]
fn ten_cells_checked_by_hand() {
    let r = real();
    let c = &r.coverage;
    assert_eq!(c.releases.len(), 47);

    // CVE-2021-25741, kubelet: [0,1.19.16) [1.20.0,1.20.11) [1.21.0,1.21.5) [1.22.0,1.22.1).
    // v1.18.20-lts.3 carries patch CVE-2021-25741.1.18 (linked by its name).
    let x = cell(c, "CVE-2021-25741", "v1.18.20-lts.3");
    assert_eq!(
        (x.status, x.source, x.patch.as_deref(), x.inferred),
        (
            Status::Fixed,
            Source::Patch,
            Some("CVE-2021-25741.1.18"),
            true
        )
    );
    // v1.17.17-lts.3: 1.17.17 < 1.19.16 and its patch line is commented out in releases.yml.
    let x = cell(c, "CVE-2021-25741", "v1.17.17-lts.3");
    assert_eq!((x.status, x.source), (Status::Affected, Source::None));
    // v1.19.16-lts.4: 1.19.16 is the fixed version itself.
    assert_eq!(
        cell(c, "CVE-2021-25741", "v1.19.16-lts.4").source,
        Source::Upstream
    );
    assert_eq!(
        cell(c, "CVE-2021-25741", "v1.19.16-lts.4").status,
        Status::Fixed
    );
    // v1.20.15-lts.3: 1.20.15 >= 1.20.11.
    assert_eq!(
        cell(c, "CVE-2021-25741", "v1.20.15-lts.3").status,
        Status::Fixed
    );

    // CVE-2020-8554 exists only in the native feed: "All Kubernetes versions are affected".
    // v1.19.16-lts.4 lists CVE-2020-8554.1.19; v1.20.15-lts.3's chain has no such patch.
    let x = cell(c, "CVE-2020-8554", "v1.19.16-lts.4");
    assert_eq!(
        (x.status, x.patch.as_deref()),
        (Status::Fixed, Some("CVE-2020-8554.1.19"))
    );
    assert_eq!(
        cell(c, "CVE-2020-8554", "v1.20.15-lts.3").status,
        Status::Affected
    );

    // CVE-2023-5528, kubelet: [1.8.0,1.25.16) among others: 1.22.17 affected, no KLTS patch.
    assert_eq!(
        cell(c, "CVE-2023-5528", "v1.22.17-lts.1").status,
        Status::Affected
    );
    // ... and v1.28.15 >= 1.28.4.
    assert_eq!(
        cell(c, "CVE-2023-5528", "v1.28.15-lts.2").status,
        Status::Fixed
    );

    // CVE-2023-2878 is for sigs.k8s.io/secrets-store-csi-driver: not shipped.
    assert!(
        c.cells
            .iter()
            .filter(|x| x.cve == "CVE-2023-2878")
            .all(|x| x.status == Status::OutOfScope)
    );

    // CVE-2022-3294, apiserver: ranges start at 1.22.0, so 1.20.15 is outside them
    // (not_affected), flagged as older than every published range.
    let x = cell(c, "CVE-2022-3294", "v1.20.15-lts.3");
    assert_eq!(
        (x.status, x.below_published_ranges),
        (Status::NotAffected, true)
    );
    // 1.22.17 >= 1.22.16.
    assert_eq!(
        cell(c, "CVE-2022-3294", "v1.22.17-lts.1").status,
        Status::Fixed
    );

    // CVE-2021-25737, apiserver: [1.16.0,1.18.19): 1.16.15 affected, 1.15.12 not.
    assert_eq!(
        cell(c, "CVE-2021-25737", "v1.16.15-lts.3").status,
        Status::Affected
    );
    assert_eq!(
        cell(c, "CVE-2021-25737", "v1.15.12-lts.1").status,
        Status::NotAffected
    );

    // Rows are newest first.
    let published: Vec<&str> = c
        .cves
        .iter()
        .filter_map(|r| r.published.as_deref())
        .collect();
    assert!(published.windows(2).all(|w| w[0] >= w[1]), "{published:?}");
    // CVSS from the records: CVE-2021-25741 is 8.8 high.
    let row = c.cves.iter().find(|r| r.id == "CVE-2021-25741").unwrap();
    assert_eq!(
        row.cvss.as_ref().map(|s| (s.score, s.severity.as_str())),
        Some((8.8, "high"))
    );
}

fn schema(path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(shared_dir().join(path)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&value).unwrap()
}

#[test]
fn openvex_documents_validate_and_are_deterministic() {
    let r = real();
    let validator = schema("data/openvex/openvex_json_schema.json");
    for release in [
        "v1.18.20-lts.3",
        "v1.17.17-lts.3",
        "v1.28.15-lts.2",
        "v1.10.13-lts.2",
    ] {
        let doc = longhaul::openvex::document(
            &r.coverage,
            release,
            r.manifest.product.as_deref(),
            "KLTS",
            "2026-11-21T00:00:00Z",
        );
        let value = serde_json::to_value(&doc).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{release}: {errors:?}");
        let in_scope = r.coverage.cves.iter().filter(|c| c.in_scope).count();
        assert_eq!(
            doc.statements.len(),
            in_scope,
            "one statement per CVE in scope"
        );
        let again =
            longhaul::openvex::document(&r.coverage, release, None, "KLTS", "2026-11-21T00:00:00Z");
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            serde_json::to_string(&again).unwrap()
        );
        for s in &doc.statements {
            match s.status.as_str() {
                "not_affected" => {
                    assert!(
                        s.rationale.justification.is_some()
                            || s.rationale.impact_statement.is_some()
                    )
                }
                "affected" => assert!(s.rationale.action_statement.is_some()),
                _ => {}
            }
        }
    }
    let doc = longhaul::openvex::document(&r.coverage, "v1.18.20-lts.3", None, "KLTS", "t");
    let s = doc
        .statements
        .iter()
        .find(|s| s.vulnerability.name == "CVE-2021-25741")
        .unwrap();
    assert_eq!(s.status, "fixed");
    assert_eq!(
        s.products[0].identifiers.purl,
        "pkg:golang/k8s.io/kubernetes@v1.18.20-lts.3"
    );
}

#[test]
fn osv_export_validates_and_respects_the_range_rules() {
    let r = real();
    let validator = schema("data/osv/osv_schema.json");
    let records =
        longhaul::osv_export::records(&r.coverage, &r.advisories, None, "2026-11-21T00:00:00Z");
    assert!(!records.is_empty());
    for rec in &records {
        let value = serde_json::to_value(rec).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", rec.id);
        assert_eq!(rec.affected[0].package.ecosystem, "Kubernetes");
        // Evaluated with OSV's own rules, the record says exactly what the matrix says.
        let cve = &rec.aliases[0];
        for release in &r.coverage.releases {
            let x = r.coverage.cell(cve, release).unwrap();
            let v = parse_version(&longhaul::osv_export::lts_version(release)).unwrap();
            let listed = standing(&rec.affected[0], &v) == Standing::Affected;
            assert_eq!(
                listed,
                matches!(x.status, Status::Affected | Status::UnderInvestigation),
                "{cve} {release}"
            );
            // The pre-release trap: the plain upstream version is never marked by these records.
            let upstream = parse_version(x.upstream_version.as_deref().unwrap()).unwrap();
            assert_ne!(standing(&rec.affected[0], &upstream), Standing::Fixed);
            if rec.affected[0]
                .versions
                .iter()
                .all(|s| parse_version(s) != Some(upstream.clone()))
            {
                assert_ne!(standing(&rec.affected[0], &upstream), Standing::Affected);
            }
        }
    }
    let fixed_by_patch = records
        .iter()
        .find(|r| r.aliases[0] == "CVE-2021-25741")
        .unwrap();
    let versions = &fixed_by_patch.affected[0].versions;
    assert!(versions.contains(&"1.17.17-lts.3".to_string()));
    assert!(
        !versions.contains(&"1.18.20-lts.3".to_string()),
        "fixed by a patch, so not listed"
    );
}

#[test]
fn the_schemas_reject_what_they_should() {
    // The official feed writes `kubernetes`; the OSV schema requires `Kubernetes`.
    let raw: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared_dir().join("data/k8s-cve-osv/CVE-2021-25741.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(raw["affected"][0]["package"]["ecosystem"], "kubernetes");
    assert!(!schema("data/osv/osv_schema.json").is_valid(&raw));
    let r = real();
    let mut doc = serde_json::to_value(longhaul::openvex::document(
        &r.coverage,
        "v1.20.15-lts.3",
        None,
        "a",
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    doc["statements"][0]["status"] = "bogus".into();
    assert!(!schema("data/openvex/openvex_json_schema.json").is_valid(&doc));
}
