//! `longhaul deps` and its integrations on the bundled example: tiers,
//! evidence, remedies, statements, bad input, VEX (with Trivy's and Grype's
//! own matching) and govulncheck as an oracle.

mod common;

use common::{copy_dir, edit_file, example, git, longhaul_with_env, real_data, stderr, tool};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// 2026-11-26T00:00:00Z.
const NOW: &str = "1795651200";

/// The example with its advisories (Kubernetes and Go) and statements.
fn lts() -> (tempfile::TempDir, PathBuf) {
    let (tmp, lts) = example();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    copy_dir(&src.join("advisories"), &lts.join("advisories"));
    std::fs::copy(src.join("statements.yml"), lts.join("statements.yml")).unwrap();
    (tmp, lts)
}

/// Run with no Go on PATH (an empty folder), so that the standard library
/// is read only from `--goroot`: the results do not depend on the machine.
fn run(lts: &Path, args: &[&str]) -> std::process::Output {
    let empty = lts.parent().unwrap().join("no-go");
    std::fs::create_dir_all(&empty).unwrap();
    longhaul_with_env(
        lts,
        args,
        &[
            ("SOURCE_DATE_EPOCH", NOW),
            ("PATH", empty.to_str().unwrap()),
        ],
    )
}

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn release<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn finding<'a>(r: &'a Value, id: &str, package: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id && f["package"] == package)
        .unwrap_or_else(|| panic!("no finding {id} {package} in {}", r["name"]))
}

/// A Go installation in miniature: go1.19.8 whose `os/exec` imports
/// `path/filepath` and `syscall`, with a `net/http` nothing imports.
fn fake_goroot(dir: &Path) -> PathBuf {
    let root = dir.join("goroot");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("VERSION"), "go1.19.8\n").unwrap();
    for (file, text) in [
        (
            "os/exec/exec.go",
            "package exec\n\nimport (\n\t\"path/filepath\"\n\t\"syscall\"\n)\n",
        ),
        (
            "path/filepath/path.go",
            "package filepath\n\nimport \"os\"\n",
        ),
        ("syscall/syscall.go", "package syscall\n"),
        ("os/file.go", "package os\n\nimport \"syscall\"\n"),
        ("fmt/print.go", "package fmt\n\nimport \"os\"\n"),
        ("errors/errors.go", "package errors\n"),
        ("strings/strings.go", "package strings\n"),
        ("net/http/server.go", "package http\n\nimport \"fmt\"\n"),
    ] {
        let path = root.join("src").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

fn tiers(report: &Value) -> BTreeSet<String> {
    report["releases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap())
        .map(|f| f["tier"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_example_shows_every_tier_with_its_evidence() {
    let (_tmp, lts) = lts();
    let report = json(&run(&lts, &["--json", "deps", "--all"]));
    assert_eq!(
        tiers(&report),
        ["imported", "not_imported", "not_present", "unknown"]
            .map(String::from)
            .into(),
    );
    let old = release(&report, "v1.0.3-lts.2");
    assert_eq!(old["go"]["version"], "1.19");
    assert_eq!(old["go"]["source"], "go.mod");
    assert_eq!(old["go"]["exact"], false);
    let text = &old["modules"][0];
    assert_eq!(
        (text["path"].as_str(), text["version"].as_str()),
        (Some("golang.org/x/text"), Some("v0.3.2"))
    );
    // Not vendored: not_present; vendored but no binary imports it: not_imported.
    assert_eq!(
        finding(old, "GO-2020-0015", "golang.org/x/text/encoding/unicode")["tier"],
        "not_present"
    );
    assert_eq!(
        finding(old, "GO-2020-0015", "golang.org/x/text/transform")["tier"],
        "not_imported"
    );
    // cmd/proxy imports pkg/i18n, which calls language.Parse.
    let lang = finding(old, "GO-2021-0113", "golang.org/x/text/language");
    assert_eq!(lang["tier"], "imported");
    assert_eq!(
        lang["evidence"]["binaries"],
        serde_json::json!(["cmd/proxy"])
    );
    assert_eq!(
        lang["evidence"]["chain"],
        serde_json::json!([
            "tinykube/cmd/proxy",
            "tinykube/pkg/i18n",
            "golang.org/x/text/language"
        ])
    );
    assert_eq!(
        lang["evidence"]["symbol_hint"]["named_in"][0]["file"],
        "pkg/i18n/i18n.go"
    );
    assert_eq!(lang["fixed_in"], "v0.3.7");
    // A standard package reached only through the standard library, no Go 1.19 read.
    assert_eq!(
        finding(old, "GO-2023-1568", "path/filepath")["tier"],
        "unknown"
    );
    // os/exec is imported by pkg/volume; the record limits GO-2022-1095 to Windows.
    let exec = finding(old, "GO-2022-1095", "os/exec");
    assert_eq!(exec["tier"], "imported");
    assert_eq!(
        exec["evidence"]["platforms"],
        serde_json::json!(["windows/amd64"])
    );
    // Statuses: only code-free tiers become not_affected.
    let vulns = old["vulnerabilities"].as_array().unwrap();
    let status = |id: &str| vulns.iter().find(|v| v["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("GO-2020-0015"), "not_affected");
    assert_eq!(status("GO-2021-0113"), "affected");
    assert_eq!(status("GO-2023-1568"), "under_investigation");
    // Remedy: a patch of x/text fixes what is reachable.
    let m = &old["remedy"]["modules"][0];
    assert_eq!(
        (
            m["reachable"]["version"].as_str(),
            m["reachable"]["step"].as_str()
        ),
        (Some("v0.3.8"), Some("patch"))
    );
    assert_eq!(old["remedy"]["go"]["current"], "1.19.0");
    // The newer line vendors x/text v0.3.7 and names Go in .go-version.
    let new = release(&report, "v1.1.1-lts.1");
    assert_eq!(
        (new["go"]["version"].as_str(), new["go"]["source"].as_str()),
        (Some("1.20.14"), Some(".go-version"))
    );
    assert!(
        new["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["id"] != "GO-2021-0113")
    );
    // The database's age is stated as the Kubernetes feed's is, and it is
    // stale: its newest record is old and nothing records an import.
    let age = &report["freshness"]["go_vulndb"];
    assert_eq!(
        (age["stale"].as_bool(), age["modified_days_ago"].as_i64()),
        (Some(true), Some(451)),
        "{age}"
    );
    assert!(
        report["freshness"]["warning"]
            .as_str()
            .unwrap()
            .contains("Go vulnerability database may be out of date"),
        "{report}"
    );
}

#[test]
fn a_go_of_the_release_minor_decides_the_standard_library_closure() {
    let (tmp, lts) = lts();
    let goroot = fake_goroot(tmp.path());
    let report = json(&run(
        &lts,
        &[
            "--json",
            "deps",
            "v1.0.3-lts.2",
            "--goroot",
            goroot.to_str().unwrap(),
        ],
    ));
    let r = release(&report, "v1.0.3-lts.2");
    assert_eq!(r["stdlib_read"], "go1.19.8");
    // Through os/exec → path/filepath (Windows, as the record says).
    let fp = finding(r, "GO-2023-1568", "path/filepath");
    assert_eq!(fp["tier"], "imported");
    assert_eq!(
        fp["evidence"]["chain"].as_array().unwrap().last().unwrap(),
        "path/filepath"
    );
    // net/http is in that standard library, but nothing reaches it.
    assert_eq!(
        finding(r, "GO-2024-2687", "net/http")["tier"],
        "not_imported"
    );
    // The 1.20 line has no Go 1.20 at hand: its closure stays unknown.
    let report = json(&run(
        &lts,
        &[
            "--json",
            "deps",
            "v1.1.1-lts.1",
            "--goroot",
            goroot.to_str().unwrap(),
        ],
    ));
    let r = release(&report, "v1.1.1-lts.1");
    assert!(
        r["stdlib_unread"].as_str().unwrap().contains("no Go 1.20"),
        "{r}"
    );
    assert_eq!(finding(r, "GO-2024-2687", "net/http")["tier"], "unknown");
    // A --goroot that is not a Go installation is bad input.
    let o = run(&lts, &["deps", "--goroot", lts.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a Go installation"),
        "{}",
        stderr(&o)
    );
}

/// A new upstream tag v1.2.0 on the example with `edit` applied to its
/// tree, and a release on it.
fn tag_with(lts: &Path, file: &str, text: &str) {
    let up = lts.parent().unwrap().join("upstream");
    git(&up, &["checkout", "-q", "v1.1.1"], "2024-06-01T10:00:00Z");
    std::fs::write(up.join(file), text).unwrap();
    git(&up, &["commit", "-qam", "v1.2.0"], "2024-07-01T10:00:00Z");
    git(&up, &["tag", "v1.2.0"], "2024-07-01T10:00:00Z");
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.2.0-lts.1\n    base_release: v1.2.0\n",
    );
}

#[test]
fn a_malformed_vendor_modules_txt_names_file_and_line() {
    let (_tmp, lts) = lts();
    tag_with(
        &lts,
        "vendor/modules.txt",
        "# golang.org/x/text v0.3.7\n## explicit\ngolang.org/x/text/language\nnot a package\n",
    );
    let before = std::fs::read_dir(&lts).unwrap().count();
    let o = run(&lts, &["deps", "v1.2.0-lts.1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("v1.2.0-lts.1: vendor/modules.txt:4"), "{err}");
    assert!(err.contains("not a package import path"), "{err}");
    assert_eq!(
        std::fs::read_dir(&lts).unwrap().count(),
        before,
        "nothing written"
    );
    // The other releases are unaffected.
    assert!(run(&lts, &["deps", "v1.1.1-lts.1"]).status.success());
}

#[test]
fn go_vulndb_records_bad_input_and_other_ecosystems() {
    let (tmp, lts) = lts();
    let good = std::fs::read_to_string(lts.join("advisories/go-vulndb/GO-2021-0113.json")).unwrap();
    // A version that is not a Go version: the file, the line and the id; nothing written.
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, good.replace("\"0.3.7\"", "\"0.3\"")).unwrap();
    let store = lts.join("advisories/go-vulndb");
    let listing = || std::fs::read_dir(&store).unwrap().count();
    let n = listing();
    let o = run(&lts, &["advisories", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let line = good.lines().position(|l| l.contains("\"0.3.7\"")).unwrap() + 1;
    assert!(
        stderr(&o).contains(&format!("bad.json:{line}: GO-2021-0113: `0.3`")),
        "{}",
        stderr(&o)
    );
    assert_eq!(listing(), n);
    // The same record read in place (--go-vulndb) fails `deps` the same way.
    let dir = tmp.path().join("vulndb");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&bad, dir.join("GO-2021-0113.json")).unwrap();
    let o = run(&lts, &["--go-vulndb", dir.to_str().unwrap(), "deps"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("GO-2021-0113"), "{}", stderr(&o));
    // A record posing as another (file name ≠ id) is refused.
    std::fs::write(dir.join("GO-2021-0113.json"), &good).unwrap();
    std::fs::rename(dir.join("GO-2021-0113.json"), dir.join("GO-2099-0001.json")).unwrap();
    let o = run(&lts, &["--go-vulndb", dir.to_str().unwrap(), "deps"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected the file to be named GO-2021-0113.json"),
        "{}",
        stderr(&o)
    );
    // A record that is a link (out of the folder) is refused, not read.
    let linked = tmp.path().join("linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(&bad, linked.join("GO-2021-0113.json")).unwrap();
    let o = run(&lts, &["--go-vulndb", linked.to_str().unwrap(), "deps"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", stderr(&o));
    // An id that is not a plain name never becomes a file name.
    let evil = tmp.path().join("evil.json");
    std::fs::write(&evil, good.replace("GO-2021-0113", "GO-../../x")).unwrap();
    let o = run(&lts, &["advisories", "import", evil.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!lts.join("x").exists() && !tmp.path().join("x.json").exists());
    // Another ecosystem: skipped and counted, not fatal; Go records are stored.
    let npm = tmp.path().join("npm.json");
    std::fs::write(&npm, r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}}]}"#).unwrap();
    let fresh = tmp.path().join("fresh.json");
    std::fs::write(&fresh, good.replace("GO-2021-0113", "GO-2099-0002")).unwrap();
    let o = run(
        &lts,
        &[
            "--json",
            "advisories",
            "import",
            npm.to_str().unwrap(),
            fresh.to_str().unwrap(),
        ],
    );
    let v = json(&o);
    assert_eq!(v["skipped"]["npm"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["go_vulndb"]["imported"], 1);
    assert!(store.join("GO-2099-0002.json").is_file());
    assert!(!lts.join("advisories/GHSA-aaaa-bbbb-cccc.json").exists());
    // The example's Kubernetes advisories are untouched by Go imports.
    assert!(lts.join("advisories/CVE-2025-0001.json").is_file());
}

#[test]
fn statements_decide_dependency_findings_and_unknown_ids_are_errors() {
    let (_tmp, lts) = lts();
    edit_file(
        &lts.join("statements.yml"),
        "statements:\n",
        "statements:\n  - cve: GO-2022-1059\n    lines: [\"1.0\"]\n    status: not_affected\n    justification: vulnerable_code_not_in_execute_path\n    impact_statement: tinykube calls neither MatchStrings nor ParseAcceptLanguage\n",
    );
    let report = json(&run(&lts, &["--json", "deps", "v1.0.3-lts.2"]));
    let v = release(&report, "v1.0.3-lts.2")["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "GO-2022-1059")
        .unwrap()
        .clone();
    assert_eq!(
        (v["status"].as_str(), v["source"].as_str()),
        (Some("not_affected"), Some("statement"))
    );
    assert_eq!(v["statement_line"], 3, "the line of `cve:`");
    // coverage --deps shows the same cell.
    let cov = json(&run(&lts, &["--json", "coverage", "--deps"]));
    let row = cov["deps"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "GO-2022-1059")
        .unwrap();
    let cell = row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["release"] == "v1.0.3-lts.2")
        .unwrap();
    assert_eq!(
        (cell["status"].as_str(), cell["source"].as_str()),
        (Some("not_affected"), Some("statement"))
    );
    // An id the database does not have.
    edit_file(
        &lts.join("statements.yml"),
        "cve: GO-2022-1059",
        "cve: GO-2099-9999",
    );
    let o = run(&lts, &["deps"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("statements.yml:3: unknown Go vulnerability database id `GO-2099-9999`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn binaries_entries_choose_the_roots_and_hostile_ones_are_refused() {
    let (_tmp, lts) = lts();
    let manifest = lts.join("releases.yml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("binaries: [cmd/kubelet]\n{text}")).unwrap();
    let report = json(&run(&lts, &["--json", "deps", "v1.0.3-lts.2"]));
    let r = release(&report, "v1.0.3-lts.2");
    assert_eq!(r["binaries"].as_array().unwrap().len(), 1);
    // Without cmd/proxy, nothing imports golang.org/x/text/language.
    assert_eq!(
        finding(r, "GO-2021-0113", "golang.org/x/text/language")["tier"],
        "not_imported"
    );
    for bad in ["../../etc", "/abs", "cmd/../x"] {
        std::fs::write(&manifest, format!("binaries: [\"{bad}\"]\n{text}")).unwrap();
        let o = run(&lts, &["deps"]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("releases.yml:1:")
                && stderr(&o).contains("not a folder of the tree"),
            "{}",
            stderr(&o)
        );
        // lint reports it as well.
        let o = run(&lts, &["lint"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

#[test]
fn notes_site_and_upgrade_path_say_the_dependency_state() {
    let (tmp, lts) = lts();
    let o = run(&lts, &["notes", "v1.0.3-lts.2"]);
    let notes = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        notes.contains("## Dependencies") && notes.contains("GO-2021-0113 (golang.org/x/text)"),
        "{notes}"
    );
    assert!(
        notes
            .contains("Go vulnerability database: 7 records, newest modified 2025-09-01 (451 days ago), imported unknown"),
        "{notes}"
    );
    let out = tmp.path().join("site");
    assert!(
        run(&lts, &["site", "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("Go (open dependency vulnerabilities)")
            && index.contains("1.20.14 (.go-version)"),
        "{index}"
    );
    let page = std::fs::read_to_string(out.join("releases/v1.0.3-lts.2.html")).unwrap();
    assert!(
        page.contains("id=\"dependencies\"") && page.contains("GO-2022-1059"),
        "{page}"
    );
    let plan = json(&run(
        &lts,
        &["--json", "upgrade-path", "v1.0.3-lts.2", "--to", "1.1"],
    ));
    let stops = plan["dependencies"]["stops"].as_array().unwrap();
    assert_eq!(stops.len(), 2);
    assert!(
        stops.iter().all(|s| s["open"].as_u64().unwrap() > 0),
        "{stops:?}"
    );
    assert!(
        plan["dependencies"]["freshness"]["description"]
            .as_str()
            .is_some()
    );
}

/// The purl as go-vex compares it (packageurl-go's FromString: golang
/// namespaces and names lowercased): (type, namespace, name, version).
fn parsed(purl: &str) -> Option<(String, String, String, String)> {
    let p: packageurl::PackageUrl = purl.parse().ok()?;
    let lower = p.ty() == "golang";
    let norm = |s: &str| {
        if lower {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    Some((
        p.ty().to_string(),
        norm(p.namespace().unwrap_or("")),
        norm(p.name()),
        p.version().unwrap_or("").to_string(),
    ))
}

/// go-vex's `PurlMatches(statement, scanner)`: a statement purl without a
/// version matches any version (qualifiers: none are written here).
fn purl_matches(statement: &str, scanner: &str) -> bool {
    match (parsed(statement), parsed(scanner)) {
        (Some(a), Some(b)) => {
            a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && (a.3.is_empty() || a.3 == b.3)
        }
        _ => false,
    }
}

/// go-vex's `Statement.Matches(vuln, product, subcomponents)`.
fn statement_matches(s: &Value, vuln: &str, product: &str, sub: Option<&str>) -> bool {
    let v = &s["vulnerability"];
    let named = v["name"] == vuln
        || v["aliases"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == vuln));
    named
        && s["products"].as_array().unwrap().iter().any(|p| {
            let id = p["@id"].as_str().unwrap();
            let component = id == product || purl_matches(id, product);
            let subs = p["subcomponents"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            component
                && match sub {
                    None => true,
                    Some(_) if subs.is_empty() => true,
                    Some(sc) => subs
                        .iter()
                        .any(|x| x["@id"] == sc || purl_matches(x["@id"].as_str().unwrap(), sc)),
                }
        })
}

/// Trivy (pkg/vex/vex.go `reachRoot`): the package itself without
/// subcomponent, then every ancestor (`chain`, nearest first) with the
/// package as subcomponent; the last statement found wins.
fn trivy_status(doc: &Value, vuln: &str, leaf: &str, ancestors: &[&str]) -> Option<String> {
    let statements = doc["statements"].as_array().unwrap();
    let find = |product: &str, sub: Option<&str>| {
        statements
            .iter()
            .rev()
            .find(|s| statement_matches(s, vuln, product, sub))
            .map(|s| s["status"].as_str().unwrap().to_string())
    };
    find(leaf, None)
        .or_else(|| find(leaf, Some(leaf)))
        .or_else(|| ancestors.iter().find_map(|a| find(a, Some(leaf))))
}

/// Grype (grype/vex/openvex `findMatchingStatement`): the scan's products
/// with the package as subcomponent, then the package as product.
fn grype_status(doc: &Value, vuln: &str, package: &str, context: &[&str]) -> Option<String> {
    let statements = doc["statements"].as_array().unwrap();
    let find = |product: &str, sub: Option<&str>| {
        statements
            .iter()
            .find(|s| statement_matches(s, vuln, product, sub))
            .map(|s| s["status"].as_str().unwrap().to_string())
    };
    context
        .iter()
        .find_map(|p| find(p, Some(package)))
        .or_else(|| find(package, None))
}

/// The purls Trivy and Grype give a finding's package in a Go binary.
fn scanner_purls(f: &Value) -> (String, String) {
    let version = f["version"].as_str().unwrap();
    if f["module"] == "stdlib" {
        (
            format!("pkg:golang/stdlib@v{version}"),
            format!("pkg:golang/stdlib@{version}"),
        )
    } else {
        let p = format!("pkg:golang/{}@{version}", f["module"].as_str().unwrap());
        (p.clone(), p)
    }
}

#[test]
fn vex_statements_match_what_trivy_and_grype_report_for_a_binary() {
    let (_tmp, lts) = lts();
    // The release's binaries built in module mode: Trivy's ancestors are the
    // main module (no version: the build says "(devel)") and the scan root
    // (no purl); Grype scans the file with no source version (no product).
    let main = "pkg:golang/tinykube";
    let mut checked = BTreeSet::new();
    for release in ["v1.0.3-lts.2", "v1.1.1-lts.1"] {
        let vex = |extra: &[&str]| -> Value {
            let mut args = vec!["vex", release, "--timestamp", "2026-11-26T00:00:00Z"];
            args.extend(extra);
            json(&run(&lts, &args))
        };
        let (doc, all) = (vex(&[]), vex(&["--package-products"]));
        let kubelet = format!("pkg:k8s/k8s.io%2Fkubelet@{release}");
        let deps = json(&run(&lts, &["--json", "deps", release]));
        let r = release_of(&deps, release);
        for v in r["vulnerabilities"].as_array().unwrap() {
            let id = v["id"].as_str().unwrap();
            let f = r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["id"] == id)
                .unwrap();
            let (trivy_leaf, grype_leaf) = scanner_purls(f);
            // Trivy names a finding by its CVE; Grype by GHSA for modules, CVE for stdlib.
            let aliases = v["aliases"].as_array().unwrap();
            let cve = aliases
                .iter()
                .find(|a| a.as_str().unwrap().starts_with("CVE-"))
                .unwrap()
                .as_str()
                .unwrap();
            let grype_id = if f["module"] == "stdlib" {
                cve
            } else {
                aliases
                    .iter()
                    .find(|a| a.as_str().unwrap().starts_with("GHSA-"))
                    .map_or(cve, |a| a.as_str().unwrap())
            };
            let want = v["status"].as_str().unwrap();
            checked.insert(want.to_string());
            let trivy = trivy_status(&doc, cve, &trivy_leaf, &[main]);
            let grype = grype_status(&doc, grype_id, &grype_leaf, &[]);
            if want == "not_affected" {
                // Precise by default: the claim names the release's components;
                // a binary scan sees no component, so nothing is suppressed.
                assert_eq!(
                    (trivy.as_deref(), grype.as_deref()),
                    (None, None),
                    "{release} {id}"
                );
                assert_eq!(
                    trivy_status(&all, cve, &trivy_leaf, &[main]).as_deref(),
                    Some(want),
                    "{release} {id} (Trivy, --package-products)"
                );
                assert_eq!(
                    grype_status(&all, grype_id, &grype_leaf, &[]).as_deref(),
                    Some(want),
                    "{release} {id} (Grype, --package-products)"
                );
            } else {
                assert_eq!(trivy.as_deref(), Some(want), "{release} {id} (Trivy)");
                assert_eq!(grype.as_deref(), Some(want), "{release} {id} (Grype)");
            }
            // A scan that names the component (a KBOM) matches the subcomponent form.
            assert_eq!(
                trivy_status(&doc, cve, &trivy_leaf, &[&kubelet]).as_deref(),
                Some(want),
                "{release} {id} (component)"
            );
            // Another release's component never matches.
            assert_eq!(
                trivy_status(
                    &doc,
                    cve,
                    &trivy_leaf,
                    &["pkg:k8s/k8s.io%2Fkubelet@v9.9.9-lts.1"]
                )
                .as_deref(),
                trivy.as_deref()
            );
        }
    }
    assert!(
        checked.contains("not_affected")
            && checked.contains("affected")
            && checked.contains("under_investigation"),
        "{checked:?}"
    );
}

fn release_of<'a>(report: &'a Value, name: &str) -> &'a Value {
    release(report, name)
}

#[test]
fn vex_with_dependency_statements_validates_against_the_openvex_schema() {
    let Some(data) =
        real_data("vex_with_dependency_statements_validates_against_the_openvex_schema")
    else {
        return;
    };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("openvex/openvex_json_schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (_tmp, lts) = lts();
    for release in ["v1.0.3-lts.2", "v1.1.1-lts.1"] {
        for extra in [&[][..], &["--package-products"][..]] {
            let mut args = vec!["vex", release, "--timestamp", "2026-11-26T00:00:00Z"];
            args.extend(extra);
            let doc = json(&run(&lts, &args));
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{release}: {errors:?}");
            let purls: Vec<&str> = doc["statements"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["products"].as_array().unwrap())
                .flat_map(|p| p["subcomponents"].as_array().into_iter().flatten())
                .map(|s| s["@id"].as_str().unwrap())
                .collect();
            assert!(
                purls.contains(&"pkg:golang/golang.org/x/text@v0.3.7")
                    || purls.contains(&"pkg:golang/golang.org/x/text@v0.3.2"),
                "{purls:?}"
            );
            assert!(
                purls
                    .iter()
                    .any(|p| p.starts_with("pkg:golang/stdlib@go1.")),
                "{purls:?}"
            );
        }
    }
}

/// Keep of `record` what applies to linux/amd64: Debian's govulncheck (2023)
/// does not filter by platform in source mode (its `vulncheck.Config.GOOS`
/// is empty, and `matchesPlatformComponent` then matches everything), while
/// later versions do, as longhaul does; the database is filtered instead.
fn for_linux_amd64(mut record: Value) -> Option<Value> {
    let applies = |list: &Value, want: &str| {
        list.as_array()
            .is_none_or(|l| l.is_empty() || l.iter().any(|x| x == want))
    };
    let affected = record["affected"].as_array_mut()?;
    affected.retain_mut(|a| {
        let Some(imports) = a["ecosystem_specific"]["imports"].as_array_mut() else {
            return true;
        };
        let had = !imports.is_empty();
        imports.retain(|i| applies(&i["goos"], "linux") && applies(&i["goarch"], "amd64"));
        !(had && imports.is_empty())
    });
    (!affected.is_empty()).then_some(record)
}

/// A govulncheck database folder (the 2023 client's layout: `index.json`,
/// one `MODULE.json` per module, `ID/ID.json`, `aliases.json`) from OSV records.
fn govulncheck_db(records: &Path, dir: &Path) {
    let mut by_module: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    let mut aliases: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    std::fs::create_dir_all(dir.join("ID")).unwrap();
    let mut ids = Vec::new();
    for e in std::fs::read_dir(records).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let Some(v) = for_linux_amd64(serde_json::from_str(&text).unwrap()) else {
            continue;
        };
        let text = v.to_string();
        let id = v["id"].as_str().unwrap().to_string();
        std::fs::write(dir.join("ID").join(format!("{id}.json")), &text).unwrap();
        let modules: BTreeSet<&str> = v["affected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["package"]["name"].as_str().unwrap())
            .collect();
        for m in modules {
            by_module.entry(m.to_string()).or_default().push(v.clone());
        }
        for a in v["aliases"].as_array().into_iter().flatten() {
            aliases
                .entry(a.as_str().unwrap().to_string())
                .or_default()
                .push(id.clone());
        }
        ids.push(id);
    }
    let mut index = serde_json::Map::new();
    for (module, entries) in &by_module {
        // golang.org/x/mod/module.EscapePath: an upper-case letter becomes `!` and its lower case.
        let escaped: String = module
            .chars()
            .flat_map(|c| match c.is_ascii_uppercase() {
                true => vec!['!', c.to_ascii_lowercase()],
                false => vec![c],
            })
            .collect();
        let file = dir.join(format!("{escaped}.json"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, serde_json::to_string(entries).unwrap()).unwrap();
        index.insert(module.clone(), Value::from("2025-09-01T00:00:00Z"));
    }
    std::fs::write(dir.join("index.json"), Value::Object(index).to_string()).unwrap();
    std::fs::write(
        dir.join("ID/index.json"),
        serde_json::to_string(&ids).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("aliases.json"),
        serde_json::to_string(&aliases).unwrap(),
    )
    .unwrap();
}

#[test]
fn govulncheck_agrees_with_the_imported_tier() {
    let test = "govulncheck_agrees_with_the_imported_tier";
    let Some(govulncheck) = tool(test, "govulncheck", "apt-get install govulncheck") else {
        return;
    };
    let Some(go) = tool(test, "go", "apt-get install golang-go") else {
        return;
    };
    let (tmp, lts) = lts();
    // govulncheck matches the standard library at the Go it runs with: give
    // a release that version in .go-version, so both read the same Go.
    let version = String::from_utf8(
        std::process::Command::new(&go)
            .args(["env", "GOVERSION"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let version = version.trim().trim_start_matches("go").to_string();
    tag_with(&lts, ".go-version", &format!("{version}\n"));
    let up = lts.parent().unwrap().join("upstream");
    let goroot = String::from_utf8(
        std::process::Command::new(&go)
            .args(["env", "GOROOT"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    // The example's own records, and the whole real database when it is here.
    let mut sources = vec![lts.join("advisories/go-vulndb")];
    if let Some(data) = real_data(test) {
        sources.push(data.join("go-vulndb/osv"));
    }
    for (i, records) in sources.iter().enumerate() {
        let db = tmp.path().join(format!("govulndb-{i}"));
        govulncheck_db(records, &db);
        let out = std::process::Command::new(&govulncheck)
            .args(["-json", "./cmd/..."])
            .current_dir(&up)
            .env("GOVULNDB", format!("file://{}", db.display()))
            .env("GOFLAGS", "-mod=vendor")
            .env("GOPROXY", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOOS", "linux")
            .env("GOARCH", "amd64")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "govulncheck: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let result: Value = serde_json::from_slice(&out.stdout).unwrap();
        let theirs: BTreeSet<(String, String)> = result["Vulns"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|v| {
                let id = v["OSV"]["id"].as_str().unwrap().to_string();
                v["Modules"].as_array().unwrap().iter().flat_map(move |m| {
                    let id = id.clone();
                    m["Packages"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(move |p| (id.clone(), p["Path"].as_str().unwrap().to_string()))
                })
            })
            .collect();
        let args = [
            "--go-vulndb",
            records.to_str().unwrap(),
            "--json",
            "deps",
            "v1.2.0-lts.1",
            "--goroot",
            goroot.trim(),
        ];
        let report = json(&run(&lts, &args));
        let ours: BTreeSet<(String, String)> = release(&report, "v1.2.0-lts.1")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["tier"] == "imported")
            .filter(|f| {
                f["evidence"]["platforms"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p == "linux/amd64")
            })
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["package"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(!ours.is_empty());
        assert_eq!(
            ours,
            theirs,
            "{}: longhaul's imported tier (linux/amd64) and govulncheck's imported packages",
            records.display()
        );
    }
}

/// A new upstream tag `tag` on top of v1.1.1 whose tree has `link` as a
/// symbolic link to `target`, and a release on it.
fn tag_with_link(lts: &Path, tag: &str, link: &str, target: &str) {
    let up = lts.parent().unwrap().join("upstream");
    git(
        &up,
        &["checkout", "-q", "-f", "v1.1.1"],
        "2024-06-01T10:00:00Z",
    );
    let path = up.join(link);
    std::fs::remove_file(&path).ok();
    std::os::unix::fs::symlink(target, &path).unwrap();
    git(&up, &["add", "-A"], "2024-07-01T10:00:00Z");
    git(&up, &["commit", "-qm", tag], "2024-07-01T10:00:00Z");
    git(&up, &["tag", tag], "2024-07-01T10:00:00Z");
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        &format!("releases:\n  - name: {tag}-lts.1\n    base_release: {tag}\n"),
    );
}

#[test]
fn module_lists_that_are_links_in_the_tree_are_refused() {
    let (_tmp, lts) = lts();
    // The link text would otherwise be read as the file, or a checkout would
    // read what it points to.
    for (tag, file) in [("v1.2.0", "go.mod"), ("v1.2.1", "vendor/modules.txt")] {
        tag_with_link(&lts, tag, file, "/etc/passwd");
        let release = format!("{tag}-lts.1");
        let o = run(&lts, &["deps", &release]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!(
                "{release}: {file} (in the release's tree) is a symbolic link"
            )),
            "{}",
            stderr(&o)
        );
    }
    assert!(run(&lts, &["deps", "v1.1.1-lts.1"]).status.success());
}

#[test]
fn a_go_vulndb_folder_linked_out_of_the_repository_is_refused() {
    let (tmp, lts) = lts();
    let store = lts.join("advisories/go-vulndb");
    let outside = tmp.path().join("outside");
    std::fs::rename(&store, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &store).unwrap();
    let before: BTreeSet<_> = std::fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let o = run(&lts, &["deps", "v1.0.3-lts.2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("outside the LTS repository"),
        "{}",
        stderr(&o)
    );
    // An import does not write through the link either.
    let record = outside.join("GO-2021-0113.json");
    let o = run(&lts, &["advisories", "import", record.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    let after: BTreeSet<_> = std::fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "nothing written outside");
    // The operator's --go-vulndb is read where it is.
    let o = run(
        &lts,
        &[
            "--go-vulndb",
            outside.to_str().unwrap(),
            "deps",
            "v1.0.3-lts.2",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn tree_file_names_in_symbol_hints_stay_inert_in_drafts() {
    let (_tmp, lts) = lts();
    // A file whose name holds YAML line breaks and a statement names a
    // vulnerable symbol: the draft must stay one comment line.
    let name = "pkg/i18n/a\n  - cve: GO-2022-1059\r    status: not_affected\u{2028}x\u{85}.go";
    let up = lts.parent().unwrap().join("upstream");
    git(&up, &["checkout", "-q", "v1.1.1"], "2024-06-01T10:00:00Z");
    std::fs::write(
        up.join(name),
        "package i18n\n\nimport \"golang.org/x/text/language\"\n\nfunc Accept(s string) { language.ParseAcceptLanguage(s) }\n",
    )
    .unwrap();
    git(&up, &["add", "-A"], "2024-07-01T10:00:00Z");
    git(&up, &["commit", "-qm", "v1.2.0"], "2024-07-01T10:00:00Z");
    git(&up, &["tag", "v1.2.0"], "2024-07-01T10:00:00Z");
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.2.0-lts.1\n    base_release: v1.2.0\n",
    );
    let report = json(&run(&lts, &["--json", "deps", "v1.2.0-lts.1"]));
    let hint = &finding(
        release(&report, "v1.2.0-lts.1"),
        "GO-2022-1059",
        "golang.org/x/text/language",
    )["evidence"]["symbol_hint"];
    assert_eq!(hint["named_in"][0]["file"], name, "{hint}");
    let o = run(&lts, &["statements", "suggest"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let drafts = String::from_utf8(o.stdout).unwrap();
    assert!(drafts.contains("GO-2022-1059"), "{drafts}");
    // Every line, as any YAML reader breaks lines, is a comment or empty.
    for line in drafts.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        assert!(
            line.is_empty() || line.starts_with('#'),
            "a line YAML would read: {line:?}\n{drafts}"
        );
    }
}

#[test]
fn a_stale_or_missing_go_vulndb_is_never_an_all_clear() {
    let (tmp, lts) = lts();
    // One record, for a module no release ships: every release has 0 open.
    let store = lts.join("advisories/go-vulndb");
    let record = std::fs::read_to_string(store.join("GO-2021-0113.json"))
        .unwrap()
        .replace("golang.org/x/text", "example.com/unshipped");
    let source = tmp.path().join("GO-2021-0113.json");
    std::fs::write(&source, &record).unwrap();
    std::fs::remove_dir_all(&store).unwrap();
    std::fs::create_dir(&store).unwrap();
    std::fs::copy(&source, store.join("GO-2021-0113.json")).unwrap();
    let go_cell = |site: &Path| {
        let index = std::fs::read_to_string(site.join("index.html")).unwrap();
        let at = index.find("1.20.14 (.go-version)").expect("the Go column");
        index[at..at + 120].to_string()
    };
    // Stale (no import recorded): said everywhere, and zero is not green.
    let report = json(&run(&lts, &["--json", "deps", "v1.1.1-lts.1"]));
    let r = release(&report, "v1.1.1-lts.1");
    assert!(r["vulnerabilities"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(report["freshness"]["go_vulndb"]["stale"], true);
    let text = run(&lts, &["deps", "v1.1.1-lts.1"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("warning:") && text.contains("may be out of date"),
        "{text}"
    );
    let site = tmp.path().join("site");
    assert!(
        run(&lts, &["site", "--out", site.to_str().unwrap()])
            .status
            .success()
    );
    assert!(go_cell(&site).contains("count warn"), "{}", go_cell(&site));
    let notes = run(&lts, &["notes", "v1.1.1-lts.1"]);
    let notes = String::from_utf8(notes.stdout).unwrap();
    assert!(
        notes.contains("None found, but the database may be out of date"),
        "{notes}"
    );
    // Imported now, within the manifest's limit: current, and zero is zero.
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "feed:\n  max_age_days: 3650\nreleases:\n",
    );
    let o = run(&lts, &["advisories", "import", source.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(store.join("imported-at.txt").is_file());
    let report = json(&run(&lts, &["--json", "deps", "v1.1.1-lts.1"]));
    assert_eq!(report["freshness"]["go_vulndb"]["stale"], false, "{report}");
    assert!(report["freshness"].get("warning").is_none(), "{report}");
    let site = tmp.path().join("site2");
    assert!(
        run(&lts, &["site", "--out", site.to_str().unwrap()])
            .status
            .success()
    );
    assert!(go_cell(&site).contains("count zero"), "{}", go_cell(&site));
    // No database at all: a warning, never a silent zero.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let report = json(&run(
        &lts,
        &[
            "--go-vulndb",
            empty.to_str().unwrap(),
            "--json",
            "deps",
            "v1.1.1-lts.1",
        ],
    ));
    assert!(
        report["freshness"]["warning"]
            .as_str()
            .unwrap()
            .contains("no Go vulnerability database imported"),
        "{report}"
    );
}
