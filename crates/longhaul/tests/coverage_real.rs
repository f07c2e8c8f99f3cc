//! CVE coverage on the real KLTS manifest and the real Kubernetes CVE feed (both
//! forms), with cells checked by hand against the records, and the OpenVEX and
//! OSV outputs validated against their JSON schemas.

mod common;

use common::real_data;
use longhaul::release::manifest::Manifest;
use longhaul::release::patch_cache::PatchLoader;
use longhaul::security::advisory::range::{Standing, parse_version, standing};
use longhaul::security::coverage::{Coverage, Source, Status};

struct Real {
    _tmp: tempfile::TempDir,
    data: std::path::PathBuf,
    manifest: Manifest,
    advisories: Vec<longhaul::security::advisory::Advisory>,
    inputs: longhaul::security::coverage::Inputs,
    coverage: Coverage,
}

/// Both feeds imported, KLTS's manifest, no statements; coverage of the shipped
/// releases (the default). `None` when the real data is absent (skipped).
fn real(test: &str) -> Option<Real> {
    let data = real_data(test)?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("advisories");
    let sources = [
        data.join("k8s-cve-osv").display().to_string(),
        data.join("k8s-official-cve-feed-2023-07.json")
            .display()
            .to_string(),
    ];
    let report =
        longhaul::security::advisory::import::import(&sources, &dir, &|_| Err("offline".into()))
            .unwrap();
    assert!(report.advisories.len() >= 47);
    let manifest = Manifest::load(&data.join("klts/releases.yml")).unwrap();
    let loader = PatchLoader::new(tmp.path().join("cache"), false);
    let inputs = longhaul::security::coverage::load_inputs(
        &manifest,
        &dir,
        &tmp.path().join("none.yml"),
        &loader,
    )
    .unwrap();
    let coverage = longhaul::security::coverage::coverage(
        &manifest,
        &inputs.advisories,
        &inputs.statements,
        &inputs.links,
        &[],
    )
    .unwrap();
    Some(Real {
        _tmp: tmp,
        data,
        manifest,
        advisories: inputs.advisories.clone(),
        inputs,
        coverage,
    })
}

fn cell<'a>(c: &'a Coverage, cve: &str, release: &str) -> &'a longhaul::security::coverage::Cell {
    c.cell(cve, release)
        .unwrap_or_else(|| panic!("no cell {cve} x {release}"))
}

/// Each expectation below was read off the OSV record's ranges and KLTS's
/// releases.yml by hand (the comment says how), under the rules of
/// docs/coverage.md: patch, statement, published range, fixed upstream, else
/// not assessed.
#[test]
fn cells_checked_by_hand() {
    let Some(r) = real("cells_checked_by_hand") else {
        return;
    };
    let c = &r.coverage;
    // 47 releases, of which 23 are intermediate `-ci` bases: 24 shipped by default.
    assert_eq!(r.manifest.releases.len(), 47);
    assert_eq!(c.releases.len(), 24);
    assert!(c.releases.iter().all(|x| !x.ends_with("-ci")));

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
    // v1.17.17-lts.3: 1.17.17 is inside [0,1.19.16) and its patch line is commented out.
    let x = cell(c, "CVE-2021-25741", "v1.17.17-lts.3");
    assert_eq!((x.status, x.source), (Status::Affected, Source::None));
    // v1.19.16-lts.4: 1.19.16 is the fixed version of its own minor (rule 5).
    let x = cell(c, "CVE-2021-25741", "v1.19.16-lts.4");
    assert_eq!((x.status, x.source), (Status::Fixed, Source::Upstream));
    // v1.20.15-lts.3: 1.20.15 >= 1.20.11, its own minor's fix.
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

    // CVE-2022-3294, apiserver: ranges start at 1.22.0. 1.20.15 lies below all of
    // them: upstream never assessed 1.20 (was `not_affected` before the rules
    // were made truthful; now `not_assessed`, with the reason).
    let x = cell(c, "CVE-2022-3294", "v1.20.15-lts.3");
    assert_eq!((x.status, x.source), (Status::NotAssessed, Source::None));
    assert!(
        x.note
            .as_deref()
            .unwrap()
            .contains("older than every range"),
        "{:?}",
        x.note
    );
    // 1.22.17 >= 1.22.16.
    assert_eq!(
        cell(c, "CVE-2022-3294", "v1.22.17-lts.1").status,
        Status::Fixed
    );

    // CVE-2021-25737, apiserver: [1.16.0,1.18.19): 1.16.15 affected; 1.15.12 is
    // below the only range, so not assessed (was `not_affected`).
    assert_eq!(
        cell(c, "CVE-2021-25737", "v1.16.15-lts.3").status,
        Status::Affected
    );
    assert_eq!(
        cell(c, "CVE-2021-25737", "v1.15.12-lts.1").status,
        Status::NotAssessed
    );

    // CVE-2021-3121 (gogo protobuf): the native feed gives it no versions at all.
    // KLTS carries patch `CVE-2021-3121` on v1.10 to v1.17: fixed by that patch,
    // with a note that the published ranges do not include the version (rule 2).
    for release in [
        "v1.10.13-lts.2",
        "v1.11.10-lts.2",
        "v1.12.10-lts.2",
        "v1.13.12-lts.2",
        "v1.14.10-lts.2",
        "v1.15.12-lts.1",
        "v1.16.15-lts.3",
        "v1.17.17-lts.3",
    ] {
        let x = cell(c, "CVE-2021-3121", release);
        assert_eq!(
            (x.status, x.source, x.patch.as_deref()),
            (Status::Fixed, Source::Patch, Some("CVE-2021-3121")),
            "{release}"
        );
        assert!(
            x.note.as_deref().unwrap().contains("do not include"),
            "{release}"
        );
    }
    // Without a patch, a CVE with no versions is not assessed, never not affected.
    let x = cell(c, "CVE-2021-3121", "v1.18.20-lts.3");
    assert_eq!((x.status, x.source), (Status::NotAssessed, Source::None));
    assert!(x.note.as_deref().unwrap().contains("no affected versions"));

    // No `not_affected` without a statement: there are none here.
    assert!(!c.cells.iter().any(|x| x.status == Status::NotAffected));

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

/// `statements suggest` for the maintained releases, uncommented, loads as a
/// statements file and turns exactly the suggested cells into `not_affected`,
/// with the justification written there.
#[test]
fn suggested_statements_load_and_decide_the_cells() {
    let Some(r) = real("suggested_statements_load_and_decide_the_cells") else {
        return;
    };
    let maintained: Vec<&str> = r
        .manifest
        .shipped_releases()
        .iter()
        .filter(|x| x.must)
        .map(|x| x.name.as_str())
        .collect();
    let suggestions = longhaul::security::suggest::suggestions(&r.coverage, &maintained);
    assert!(!suggestions.is_empty());
    let text = longhaul::security::suggest::render(&suggestions);
    let uncommented: String = text
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let known: std::collections::BTreeSet<String> =
        r.advisories.iter().map(|a| a.cve().to_string()).collect();
    let statements = longhaul::security::statements::parse(
        &uncommented,
        std::path::Path::new("statements.yml"),
        &r.manifest,
        &known,
    )
    .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    let after = longhaul::security::coverage::coverage(
        &r.manifest,
        &r.advisories,
        &statements,
        &r.inputs.links,
        &[],
    )
    .unwrap();
    let suggested: std::collections::BTreeSet<(&str, &str)> = suggestions
        .iter()
        .flat_map(|s| s.releases.iter().map(|rel| (s.cve.as_str(), rel.as_str())))
        .collect();
    for before in &r.coverage.cells {
        let now = after.cell(&before.cve, &before.release).unwrap();
        if suggested.contains(&(before.cve.as_str(), before.release.as_str())) {
            assert_eq!(before.status, Status::NotAssessed);
            assert_eq!(
                (now.status, now.source),
                (Status::NotAffected, Source::Statement)
            );
            assert_eq!(
                now.statement
                    .as_ref()
                    .unwrap()
                    .rationale
                    .justification
                    .as_deref(),
                Some("vulnerable_code_not_present")
            );
        } else {
            assert_eq!(
                now.status, before.status,
                "{} {}",
                before.cve, before.release
            );
        }
    }
}

fn schema(data: &std::path::Path, path: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(data.join(path)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&value).unwrap()
}

#[test]
fn openvex_documents_validate_and_are_deterministic() {
    let Some(r) = real("openvex_documents_validate_and_are_deterministic") else {
        return;
    };
    let validator = schema(&r.data, "openvex/openvex_json_schema.json");
    for release in [
        "v1.18.20-lts.3",
        "v1.17.17-lts.3",
        "v1.28.15-lts.2",
        "v1.10.13-lts.2",
    ] {
        let doc = longhaul::security::openvex::document(
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
        let again = longhaul::security::openvex::document(
            &r.coverage,
            release,
            None,
            "KLTS",
            "2026-11-21T00:00:00Z",
        );
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            serde_json::to_string(&again).unwrap()
        );
        for s in &doc.statements {
            let x = cell(&r.coverage, &s.vulnerability.name, release);
            match s.status.as_str() {
                // Only a maintainers' statement may say not_affected; none exist here.
                "not_affected" => panic!(
                    "{release} {}: not_affected without a statement",
                    s.vulnerability.name
                ),
                "affected" => assert!(s.rationale.action_statement.is_some()),
                "under_investigation" => {
                    assert_eq!(x.status, Status::NotAssessed);
                    assert!(
                        s.status_notes
                            .as_deref()
                            .unwrap()
                            .starts_with("Not assessed: ")
                    );
                }
                _ => {}
            }
        }
    }
    // KLTS's headline case: CVE-2021-3121 on 1.17 is fixed by its patch.
    let doc =
        longhaul::security::openvex::document(&r.coverage, "v1.17.17-lts.3", None, "KLTS", "t");
    let s = doc
        .statements
        .iter()
        .find(|s| s.vulnerability.name == "CVE-2021-3121")
        .unwrap();
    assert_eq!(s.status, "fixed");
    assert!(
        s.status_notes
            .as_deref()
            .unwrap()
            .contains("Fixed by LTS patch CVE-2021-3121")
    );
}

/// go-vex's product matching, as Trivy and Grype use it: type, namespace and
/// name equal; a versioned product needs the very same version string; every
/// qualifier of the statement's purl must be present in the scanned one.
fn go_vex_matches(statement: &str, scanned: &str) -> bool {
    let (Ok(a), Ok(b)) = (
        statement.parse::<packageurl::PackageUrl>(),
        scanned.parse::<packageurl::PackageUrl>(),
    ) else {
        return false;
    };
    a.ty() == b.ty()
        && a.namespace() == b.namespace()
        && a.name() == b.name()
        && a.version().is_none_or(|v| Some(v) == b.version())
        && a.qualifiers()
            .iter()
            .all(|(k, v)| b.qualifiers().get(k) == Some(v))
}

/// For every component purl Trivy reports for a cluster on an LTS release
/// (`k8s.io/<component>` as the name of a `k8s` purl, the version with or
/// without `v`), the release's VEX document has a matching statement for every
/// in-scope CVE; the slash-as-namespace form, which Trivy never writes, matches
/// nothing.
#[test]
fn vex_products_match_what_trivy_reports() {
    let Some(r) = real("vex_products_match_what_trivy_reports") else {
        return;
    };
    let release = "v1.18.20-lts.3";
    let doc = longhaul::security::openvex::document(&r.coverage, release, None, "KLTS", "t");
    let in_scope: Vec<&str> = r
        .coverage
        .cves
        .iter()
        .filter(|c| c.in_scope)
        .map(|c| c.id.as_str())
        .collect();
    // The names Trivy's KBOM and cluster scan use (issue 17: read from its
    // sources; `kube-apiserver` is a pod name, no purl).
    for component in [
        "kubernetes",
        "apiserver",
        "controller-manager",
        "kube-scheduler",
        "cloud-provider",
        "kube-proxy",
        "kubelet",
        "kubectl",
    ] {
        for version in ["v1.18.20-lts.3", "1.18.20-lts.3"] {
            let scanned = packageurl::PackageUrl::new("k8s", format!("k8s.io/{component}"))
                .unwrap()
                .with_version(version)
                .unwrap()
                .to_string();
            for cve in &in_scope {
                let matched = doc.statements.iter().any(|s| {
                    s.vulnerability.name == *cve
                        && s.products
                            .iter()
                            .any(|p| go_vex_matches(&p.identifiers.purl, &scanned))
                });
                assert!(matched, "{scanned} has no statement for {cve}");
            }
        }
    }
    let wrong = format!("pkg:k8s/k8s.io/kubelet@{release}");
    assert!(
        !doc.statements[0]
            .products
            .iter()
            .any(|p| go_vex_matches(&p.identifiers.purl, &wrong)),
        "a namespace is not a name"
    );
    assert!(!go_vex_matches(
        "pkg:k8s/k8s.io%2Fkubelet@1.18.20",
        &format!("pkg:k8s/k8s.io%2Fkubelet@{release}")
    ));
}

#[test]
fn osv_export_validates_and_respects_the_range_rules() {
    let Some(r) = real("osv_export_validates_and_respects_the_range_rules") else {
        return;
    };
    let validator = schema(&r.data, "osv/osv_schema.json");
    let records = longhaul::security::osv_export::records(
        &r.coverage,
        &r.advisories,
        None,
        "2026-11-21T00:00:00Z",
    );
    assert!(!records.is_empty());
    for rec in &records {
        let value = serde_json::to_value(rec).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", rec.id);
        assert_eq!(rec.affected[0].package.ecosystem, "Kubernetes");
        // Evaluated with OSV's own rules, the record says exactly what the matrix
        // says; unassessed versions are listed, so scanners keep flagging them.
        let cve = &rec.aliases[0];
        for release in &r.coverage.releases {
            let x = r.coverage.cell(cve, release).unwrap();
            let v = parse_version(&longhaul::security::osv_export::lts_version(release)).unwrap();
            let listed = standing(&rec.affected[0], &v) == Standing::Affected;
            assert_eq!(
                listed,
                matches!(
                    x.status,
                    Status::Affected | Status::UnderInvestigation | Status::NotAssessed
                ),
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
    let Some(r) = real("the_schemas_reject_what_they_should") else {
        return;
    };
    // The official feed writes `kubernetes`; the OSV schema requires `Kubernetes`.
    let raw: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(r.data.join("k8s-cve-osv/CVE-2021-25741.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(raw["affected"][0]["package"]["ecosystem"], "kubernetes");
    assert!(!schema(&r.data, "osv/osv_schema.json").is_valid(&raw));
    let mut doc = serde_json::to_value(longhaul::security::openvex::document(
        &r.coverage,
        "v1.20.15-lts.3",
        None,
        "a",
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    doc["statements"][0]["status"] = "bogus".into();
    assert!(!schema(&r.data, "openvex/openvex_json_schema.json").is_valid(&doc));
}

/// Issue 8: `backport --write`'s manifest edits on KLTS's real `releases.yml`
/// (comments carrying CVSS scores, commented-out patches, `patches: []`): every
/// original line is kept in order, and the result parses to exactly the intent.
#[test]
fn manifest_edits_on_the_real_klts_manifest_keep_every_line() {
    use longhaul::maintain::edit::{Edits, NewPatch, NewRelease};
    let Some(data) = real_data("manifest_edits_on_the_real_klts_manifest_keep_every_line") else {
        return;
    };
    let path = data.join("klts/releases.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let original = Manifest::parse(&text, &path).unwrap();
    let mut edits = Edits::new(&text, &path);
    // One release with a block list, one with `patches: []`.
    edits
        .add_patch_to_release("v1.28.15-lts.2", "CVE-2025-0002.1.28")
        .unwrap();
    edits
        .add_patch_to_release("v1.32.13-lts.1", "CVE-2025-0002")
        .unwrap();
    for (name, file) in [
        ("CVE-2025-0002.1.28", "patches/CVE-2025-0002.1.28.patch"),
        ("CVE-2025-0002", "patches/CVE-2025-0002.patch"),
    ] {
        edits
            .add_patch(NewPatch {
                name: name.into(),
                file: file.into(),
                cves: vec!["CVE-2025-0002".into()],
                note: None,
                reason: None,
            })
            .unwrap();
    }
    edits
        .add_release(
            NewRelease {
                name: "v1.28.15-lts.3".into(),
                base_release: "v1.28.15-lts.2".into(),
                must: true,
                patches: vec![],
            },
            "v1.28.15-lts.2",
        )
        .unwrap();
    let edited = edits.finish(&original).unwrap();
    let mut new_lines = edited.lines();
    // (A `patches: []` line may be the one rewritten to a block list: checked by parsing below.)
    for line in text.lines().filter(|l| l.trim() != "patches: []") {
        assert!(new_lines.any(|n| n == line), "kept in order: {line:?}");
    }
    let m = Manifest::parse(&edited, &path).unwrap();
    let names = |r: &str| {
        m.release(r)
            .unwrap()
            .patches
            .iter()
            .map(|p| p.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names("v1.28.15-lts.2"),
        ["fix-scheduler-volumebinding.1.28", "CVE-2025-0002.1.28"]
    );
    assert_eq!(names("v1.32.13-lts.1"), ["CVE-2025-0002"]);
    assert_eq!(m.releases.len(), original.releases.len() + 1);
    assert_eq!(m.patches.len(), original.patches.len() + 2);
    // Comments survive: every `#` line of the original is still there.
    let comments = |t: &str| t.lines().filter(|l| l.contains('#')).count();
    assert_eq!(comments(&edited), comments(&text));
    assert!(comments(&text) > 0);
}
