//! `advisories import`, `coverage`, `vex` and `osv` from the command line, on a
//! small LTS repository written here (coverage needs no upstream clone).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
mod common;

use common::{longhaul, stderr};
use std::process::Command;

const OSV_25741: &str = r#"{"id":"CVE-2021-25741","modified":"2021-09-13T20:58:56Z","published":"2021-09-13T20:58:56Z","summary":"Symlink exchange","affected":[{"package":{"ecosystem":"kubernetes","name":"k8s.io/kubelet"},"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}],"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.19.16"},{"introduced":"1.20.0"},{"fixed":"1.20.11"}]}]}]}"#;
const OSV_OTHER: &str = r#"{"id":"CVE-2099-0001","modified":"2099-01-01T00:00:00Z","published":"2099-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"kubernetes","name":"k8s.io/apiserver"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}"#;

/// Releases on 1.18.20 (patched by an explicit `cves:` entry whose commit message
/// also names another CVE), 1.17.17 (unpatched) and 1.20.15 (fixed upstream).
fn lts() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lts");
    std::fs::create_dir_all(dir.join("patches")).unwrap();
    std::fs::write(
        dir.join("patches/subpath.patch"),
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] subpath: fix symlink race\n\nAlso hardens against CVE-2099-0001.\n---\ndiff --git a/x b/x\nindex 1111111..2222222 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("releases.yml"),
        "releases:\n  - name: v1.18.20-lts.1\n    base_release: v1.18.20\n    must: true\n    patches: [subpath]\n  - name: v1.17.17-lts.1\n    base_release: v1.17.17\n    must: true\n    patches: []\n  - name: v1.20.15-lts.1\n    base_release: v1.20.15\n    patches: []\npatches:\n  - name: subpath\n    patch: [patches/subpath.patch]\n    cves: [CVE-2021-25741]\n",
    )
    .unwrap();
    (tmp, dir)
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn import_then_coverage_json_lists_every_pair() {
    let (tmp, dir) = lts();
    let a = write(tmp.path(), "a.json", OSV_25741);
    let b = write(tmp.path(), "b.json", OSV_OTHER);
    let out = longhaul(&dir, &["advisories", "import", &a, &b]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stored = std::fs::read_to_string(dir.join("advisories/CVE-2021-25741.json")).unwrap();
    assert!(
        stored.contains("\"ecosystem\": \"Kubernetes\""),
        "normalised: {stored}"
    );

    let out = longhaul(&dir, &["--json", "coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2 * 3, "every (CVE, release) pair");
    let find = |cve: &str, rel: &str| {
        cells
            .iter()
            .find(|c| c["cve"] == cve && c["release"] == rel)
            .unwrap()
            .clone()
    };
    let patched = find("CVE-2021-25741", "v1.18.20-lts.1");
    assert_eq!(
        (
            patched["status"].as_str(),
            patched["source"].as_str(),
            patched["patch"].as_str()
        ),
        (Some("fixed"), Some("patch"), Some("subpath"))
    );
    assert_eq!(patched["inferred"], false, "explicit cves: link");
    let inferred = find("CVE-2099-0001", "v1.18.20-lts.1");
    assert_eq!(
        (inferred["status"].as_str(), inferred["inferred"].as_bool()),
        (Some("fixed"), Some(true)),
        "linked by the commit message"
    );
    assert_eq!(
        find("CVE-2021-25741", "v1.17.17-lts.1")["status"],
        "affected"
    );
    assert_eq!(
        find("CVE-2021-25741", "v1.20.15-lts.1")["source"],
        "upstream"
    );
    assert_eq!(v["cves"][0]["id"], "CVE-2099-0001", "newest first");
    assert_eq!(v["cves"][1]["cvss"]["score"], 8.8);

    let md = longhaul(&dir, &["coverage", "--markdown"]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("Feed: 2 records, newest modified "), "{md}");
    assert!(
        md.contains("\n| CVE | CVSS | v1.18.20-lts.1 | v1.17.17-lts.1 | v1.20.15-lts.1 |"),
        "{md}"
    );
    assert!(
        md.contains("| CVE-2021-25741 | 8.8 | patch | **AFFECTED** | upstream |"),
        "{md}"
    );
}

#[test]
fn import_is_all_or_nothing() {
    let (tmp, dir) = lts();
    let good = write(tmp.path(), "good.json", OSV_25741);
    let garbage = write(
        tmp.path(),
        "garbage.json",
        "{\"id\": \"CVE-1\",\n  \"modified\": ",
    );
    let out = longhaul(&dir, &["advisories", "import", &good, &garbage]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("garbage.json:2"), "{}", stderr(&out));
    assert!(!dir.join("advisories").exists(), "nothing half-imported");

    let ecosystem = OSV_25741.replace("\"SEMVER\"", "\"ECOSYSTEM\"");
    let bad = write(
        tmp.path(),
        "bad-range.json",
        &ecosystem.replace(",\"affected\"", ",\n\"affected\""),
    );
    let out = longhaul(&dir, &["advisories", "import", &good, &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad-range.json:2") && err.contains("range type `ECOSYSTEM`"),
        "{err}"
    );
    assert!(!dir.join("advisories").exists());
}

#[test]
fn a_statement_for_an_unknown_release_is_a_located_error() {
    let (tmp, dir) = lts();
    let a = write(tmp.path(), "a.json", OSV_25741);
    assert_eq!(
        longhaul(&dir, &["advisories", "import", &a]).status.code(),
        Some(0)
    );
    std::fs::write(
        dir.join("statements.yml"),
        "statements:\n  - cve: CVE-2021-25741\n    releases: [v1.16.15-lts.1]\n    status: affected\n    action_statement: will not fix\n",
    )
    .unwrap();
    let out = longhaul(&dir, &["coverage"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "statements.yml:3: statement for CVE-2021-25741 names release `v1.16.15-lts.1`"
        ),
        "{}",
        stderr(&out)
    );

    // A valid statement decides an otherwise exposed pair.
    std::fs::write(
        dir.join("statements.yml"),
        "statements:\n  - cve: CVE-2021-25741\n    lines: [\"1.17\"]\n    status: affected\n    action_statement: \"will not fix: change too large\"\n",
    )
    .unwrap();
    let out = longhaul(&dir, &["--json", "coverage", "v1.17.17-lts.1"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cells"][0]["source"], "statement");
    assert_eq!(
        v["cells"][0]["statement"]["action_statement"],
        "will not fix: change too large"
    );
}

#[test]
fn vex_and_osv_outputs() {
    let (tmp, dir) = lts();
    let a = write(tmp.path(), "a.json", OSV_25741);
    assert_eq!(
        longhaul(&dir, &["advisories", "import", &a]).status.code(),
        Some(0)
    );
    let vex = tmp.path().join("v.json");
    let args = [
        "vex",
        "v1.17.17-lts.1",
        "--timestamp",
        "2026-11-21T00:00:00Z",
        "--out",
        vex.to_str().unwrap(),
    ];
    assert_eq!(longhaul(&dir, &args).status.code(), Some(0));
    let first = std::fs::read(&vex).unwrap();
    assert_eq!(longhaul(&dir, &args).status.code(), Some(0));
    assert_eq!(
        std::fs::read(&vex).unwrap(),
        first,
        "same input, same bytes"
    );
    let doc: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(doc["statements"][0]["status"], "affected");

    let out_dir = tmp.path().join("osv");
    let out = longhaul(
        &dir,
        &[
            "osv",
            "--out",
            out_dir.to_str().unwrap(),
            "--timestamp",
            "2026-11-21T00:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("x_longhaul-CVE-2021-25741.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        rec["affected"][0]["versions"],
        serde_json::json!(["1.17.17-lts.1"])
    );
    assert_eq!(
        rec["affected"][0]["database_specific"]["fixed_lts_versions"][0]["version"],
        "1.18.20-lts.1"
    );
}

#[test]
fn import_from_a_url() {
    let (_tmp, dir) = lts();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/CVE-2021-25741.json",
        listener.local_addr().unwrap()
    );
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).unwrap();
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{OSV_25741}",
            OSV_25741.len()
        )
        .unwrap();
    });
    let out = Command::new(env!("CARGO_BIN_EXE_longhaul"))
        .arg("-C")
        .arg(&dir)
        .args(["advisories", "import", &url])
        .output()
        .unwrap();
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.join("advisories/CVE-2021-25741.json").is_file());
}

/// Issue 6, defect 2: an advisory id is never joined into a path: an id with
/// `/` or `..` is refused at import, naming the file and line, and nothing is
/// written anywhere.
#[test]
fn advisory_ids_that_are_not_file_names_are_refused() {
    let (tmp, dir) = lts();
    std::fs::create_dir_all(tmp.path().join("out/x_longhaul-CVE-2099-1")).unwrap();
    let evil = write(
        tmp.path(),
        "evil.json",
        &OSV_OTHER.replace("CVE-2099-0001", "CVE-2099-1/../../../x"),
    );
    let out = longhaul(&dir, &["advisories", "import", &evil]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("evil.json:1:") && err.contains("is not a plain name"),
        "{err}"
    );
    assert!(!dir.join("advisories").exists(), "nothing written");
    // A stored file that claims another id is refused too, so a hand-placed
    // record cannot smuggle one in.
    std::fs::create_dir_all(dir.join("advisories")).unwrap();
    std::fs::write(
        dir.join("advisories/CVE-2099-0001.json"),
        OSV_OTHER.replace("CVE-2099-0001", "CVE-2099-1/../../x"),
    )
    .unwrap();
    let out = longhaul(
        &dir,
        &[
            "osv",
            "--out",
            &tmp.path().join("out").display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!tmp.path().join("x.json").exists() && !tmp.path().join("x").exists());
}

/// Issue 6, defect 2: `osv --out DIR` makes DIR hold exactly the current
/// export (records of earlier runs go), and refuses a folder it did not write.
#[test]
fn osv_out_holds_exactly_the_current_export() {
    let (tmp, dir) = lts();
    let a = write(tmp.path(), "a.json", OSV_25741);
    let b = write(tmp.path(), "b.json", OSV_OTHER);
    assert_eq!(
        longhaul(&dir, &["advisories", "import", &a, &b])
            .status
            .code(),
        Some(0)
    );
    let out_dir = tmp.path().join("osv");
    let out_arg = out_dir.display().to_string();
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("x_longhaul-CVE-2000-0001.json"), "{}").unwrap();
    let out = longhaul(&dir, &["osv", "--out", &out_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        !names.contains(&"x_longhaul-CVE-2000-0001.json".to_string()),
        "{names:?}"
    );
    assert!(
        names.iter().all(|n| n.starts_with("x_longhaul-CVE-")),
        "{names:?}"
    );
    assert!(!names.is_empty());
    let siblings = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(
        siblings, 4,
        "no staging folders left beside it (lts, a, b, osv)"
    );

    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("notes.txt"), "mine").unwrap();
    let out = longhaul(&dir, &["osv", "--out", &home.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("notes.txt"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(home.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Issue 6, defect 3: ids that would share a file are refused before anything
/// is written, and temporaries of an interrupted import are cleaned up.
#[test]
fn import_refuses_colliding_ids_and_cleans_stale_temporaries() {
    let (tmp, dir) = lts();
    let a = write(tmp.path(), "a.json", OSV_25741);
    assert_eq!(
        longhaul(&dir, &["advisories", "import", &a]).status.code(),
        Some(0)
    );
    let stored = dir.join("advisories");
    std::fs::write(stored.join("CVE-2021-25741.json.tmp4242"), "half").unwrap();
    std::fs::write(stored.join(".CVE-2021-25741.json.tmp-4242-0"), "half").unwrap();
    let before: Vec<_> = {
        let mut v: Vec<_> = std::fs::read_dir(&stored)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let upper = write(
        tmp.path(),
        "u.json",
        &OSV_OTHER.replace("CVE-2099-0001", "x_Dup-1"),
    );
    let lower = write(
        tmp.path(),
        "l.json",
        &OSV_OTHER.replace("CVE-2099-0001", "x_dup-1"),
    );
    let out = longhaul(&dir, &["advisories", "import", &upper, &lower]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("differ only in case"),
        "{}",
        stderr(&out)
    );
    let after: Vec<_> = {
        let mut v: Vec<_> = std::fs::read_dir(&stored)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(before, after, "nothing written");
    let b = write(tmp.path(), "b.json", OSV_OTHER);
    let out = longhaul(&dir, &["advisories", "import", &b]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&stored)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "CVE-2021-25741.json",
            "CVE-2099-0001.json",
            "imported-at.txt"
        ]
    );
}

/// Issue 6, defect 5: a statements file or an advisory that is a symlink to
/// `/dev/zero`, or a FIFO, is refused at once with its name and the reason.
#[test]
fn special_files_are_refused_not_read() {
    let (tmp, dir) = lts();
    let a = write(tmp.path(), "a.json", OSV_25741);
    assert_eq!(
        longhaul(&dir, &["advisories", "import", &a]).status.code(),
        Some(0)
    );
    std::os::unix::fs::symlink("/dev/zero", dir.join("statements.yml")).unwrap();
    let out = longhaul(&dir, &["coverage"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("statements.yml: refused: expected a regular file, found a device"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(dir.join("statements.yml")).unwrap();
    let fifo = dir.join("advisories/CVE-2099-0002.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = longhaul(&dir, &["advisories", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("CVE-2099-0002.json: refused: expected a regular file, found a FIFO"),
        "{}",
        stderr(&out)
    );
}

/// Issue 7: a release older than every published range is `not_assessed` in
/// every output (never `not_affected`), and `statements suggest` drafts a
/// statement for it that, once uncommented, decides it.
#[test]
fn unassessed_cells_are_said_and_can_be_assessed() {
    let (tmp, dir) = lts();
    let newer = write(
        tmp.path(),
        "n.json",
        r#"{"id":"CVE-2099-0003","modified":"2099-01-01T00:00:00Z","published":"2099-01-02T00:00:00Z","summary":"Only 1.19 was assessed","affected":[{"package":{"ecosystem":"Kubernetes","name":"k8s.io/kubelet"},"ranges":[{"type":"SEMVER","events":[{"introduced":"1.19.0"},{"fixed":"1.19.5"}]}]}]}"#,
    );
    assert_eq!(
        longhaul(&dir, &["advisories", "import", &newer])
            .status
            .code(),
        Some(0)
    );
    let out = longhaul(&dir, &["--json", "coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cell = |rel: &str| {
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["cve"] == "CVE-2099-0003" && c["release"] == rel)
            .unwrap()
            .clone()
    };
    assert_eq!(cell("v1.17.17-lts.1")["status"], "not_assessed");
    assert!(
        cell("v1.17.17-lts.1")["note"]
            .as_str()
            .unwrap()
            .contains("older than every range")
    );
    assert_eq!(cell("v1.20.15-lts.1")["status"], "fixed");
    assert_eq!(cell("v1.20.15-lts.1")["source"], "upstream");

    let out = longhaul(&dir, &["vex", "v1.17.17-lts.1"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = doc["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2099-0003")
        .unwrap();
    assert_eq!(s["status"], "under_investigation");
    assert!(
        s["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["@id"] == "pkg:k8s/k8s.io%2Fkubelet@1.17.17-lts.1")
    );

    let out = longhaul(&dir, &["statements", "suggest"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let draft = String::from_utf8(out.stdout).unwrap();
    assert!(draft.contains("#   - cve: CVE-2099-0003"), "{draft}");
    let uncommented: String = draft
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l)))
        .collect();
    std::fs::write(dir.join("statements.yml"), uncommented).unwrap();
    let out = longhaul(&dir, &["--json", "coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let now = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cve"] == "CVE-2099-0003" && c["release"] == "v1.17.17-lts.1")
        .unwrap();
    assert_eq!(
        (now["status"].as_str(), now["source"].as_str()),
        (Some("not_affected"), Some("statement"))
    );
}
