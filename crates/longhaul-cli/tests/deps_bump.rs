//! `longhaul deps bump` and `deps remedy` on the bundled example, with an
//! upstream bump of `golang.org/x/text` committed in the test: the patch
//! written, `verify` applying it, `deps` no longer reporting the finding,
//! the Go toolchain bump, the backlog, and bad and hostile input.

mod common;

use common::{copy_dir, example, git, longhaul_with_env, stderr, tool};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// 2026-11-26T00:00:00Z.
const NOW: &str = "1795651200";

/// The example with its advisories and statements, and an upstream branch
/// `bump-text` (off v1.1.1) that moves golang.org/x/text from v0.3.7 to
/// v0.3.8, vendored folder and all. Returns the LTS folder and the commit.
fn lts_with_bump() -> (tempfile::TempDir, PathBuf, String) {
    lts_with_bump_adding("// v0.3.8: bounds checks\n")
}

/// [`lts_with_bump`], upstream's v0.3.8 adding `code` to x/text's `language.go`.
fn lts_with_bump_adding(code: &str) -> (tempfile::TempDir, PathBuf, String) {
    let (tmp, lts) = example();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    copy_dir(&src.join("advisories"), &lts.join("advisories"));
    std::fs::copy(src.join("statements.yml"), lts.join("statements.yml")).unwrap();
    let up = tmp.path().join("upstream");
    let date = "2025-04-01T10:00:00Z";
    git(&up, &["checkout", "-q", "-b", "bump-text", "v1.1.1"], date);
    for file in ["go.mod", "vendor/modules.txt"] {
        let text = std::fs::read_to_string(up.join(file)).unwrap();
        assert!(text.contains("v0.3.7"), "{file}: {text}");
        std::fs::write(up.join(file), text.replace("v0.3.7", "v0.3.8")).unwrap();
    }
    let go = up.join("vendor/golang.org/x/text/language/language.go");
    let text = std::fs::read_to_string(&go).unwrap();
    std::fs::write(&go, format!("{text}{code}")).unwrap();
    git(
        &up,
        &[
            "commit",
            "-q",
            "-am",
            "vendor: bump golang.org/x/text to v0.3.8 (CVE-2022-32149)",
        ],
        date,
    );
    let commit = git(&up, &["rev-parse", "HEAD"], date).trim().to_string();
    git(&up, &["checkout", "-q", "main"], date);
    (tmp, lts, commit)
}

/// Run with no Go on PATH, at a fixed time.
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

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The open findings of `release` for `module`, by id.
fn open_ids(lts: &Path, release: &str, module: &str) -> Vec<String> {
    let v = json(&run(lts, &["--json", "deps", release]));
    let r = v["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == release)
        .unwrap();
    let mut ids: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["module"] == module && matches!(f["tier"].as_str(), Some("imported" | "unknown"))
        })
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn a_module_bump_writes_a_patch_verify_applies_and_deps_no_longer_reports_it() {
    let (_tmp, lts, commit) = lts_with_bump();
    let targets = ["v1.1.1-lts.1", "v1.0.3-lts.2"];
    assert_eq!(
        open_ids(&lts, "v1.0.3-lts.2", "golang.org/x/text"),
        ["GO-2021-0113", "GO-2022-1059"]
    );
    assert_eq!(
        open_ids(&lts, "v1.1.1-lts.1", "golang.org/x/text"),
        ["GO-2022-1059"]
    );

    // A dry run finds upstream's commit by its history, and writes nothing.
    let before = snapshot(&lts);
    let mut args = vec!["--json", "deps", "bump", "golang.org/x/text@v0.3.8", "--on"];
    args.extend(targets);
    let v = json(&run(&lts, &args));
    assert_eq!(v["commit"], commit.as_str());
    assert_eq!(snapshot(&lts), before, "a dry run writes nothing");
    let by = |v: &Value, r: &str| {
        v["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["release"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(by(&v, "v1.1.1-lts.1")["status"], "clean");
    assert_eq!(
        by(&v, "v1.1.1-lts.1")["fixes"],
        serde_json::json!(["GO-2022-1059"])
    );
    // The old line drifted (v0.3.2): the module rung takes the folder whole.
    let old = by(&v, "v1.0.3-lts.2");
    assert_eq!(old["rung"], "modules", "{old}");
    assert_eq!(
        old["fixes"],
        serde_json::json!(["GO-2021-0113", "GO-2022-1059"])
    );
    assert!(
        old["diff"]
            .as_str()
            .unwrap()
            .contains("+# golang.org/x/text v0.3.8")
    );

    // --write: patches with reason: security, the CVE ids and the GO- ids.
    args.push("--write");
    let v = json(&run(&lts, &args));
    assert_eq!(v["written"].as_array().unwrap().len(), 2, "{v}");
    let manifest = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    for (name, cves, fixes) in [
        (
            "bump-golang.org-x-text-v0.3.8.1.1",
            "[CVE-2022-32149]",
            "GO-2022-1059",
        ),
        (
            "bump-golang.org-x-text-v0.3.8.1.0",
            "[CVE-2021-38561, CVE-2022-32149]",
            "GO-2021-0113, GO-2022-1059",
        ),
    ] {
        let def = format!(
            "  - name: {name}\n    reason: security\n    patch:\n      - patches/{name}.patch\n    cves: {cves}\n    note: \"dependency bump; fixes {fixes}\"\n"
        );
        assert!(manifest.contains(&def), "{def}\nin\n{manifest}");
        assert!(lts.join(format!("patches/{name}.patch")).is_file());
    }

    // verify applies them; deps no longer reports the findings.
    let out = run(&lts, &["verify", targets[0], targets[1]]);
    assert!(out.status.success(), "{}", stderr(&out));
    for r in targets {
        assert!(open_ids(&lts, r, "golang.org/x/text").is_empty(), "{r}");
    }
    // The written patch is canonical (refresh --check).
    let patch = lts.join("patches/bump-golang.org-x-text-v0.3.8.1.1.patch");
    let out = run(&lts, &["refresh", "--check", patch.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The same bump again: both are already at v0.3.8, nothing is written.
    let before = snapshot(&lts);
    let v = json(&run(&lts, &args));
    assert_eq!(by(&v, "v1.1.1-lts.1")["skipped"], "already at v0.3.8");
    assert_eq!(snapshot(&lts), before);
}

#[test]
fn from_names_the_commit_and_must_carry_the_version() {
    let (_tmp, lts, commit) = lts_with_bump();
    let v = json(&run(
        &lts,
        &[
            "--json",
            "deps",
            "bump",
            "golang.org/x/text@v0.3.8",
            "--on",
            "v1.1.1-lts.1",
            "--from",
            "bump-text",
        ],
    ));
    assert_eq!(v["commit"], commit.as_str());
    // main vendors v0.3.7: not the version asked for.
    let out = run(
        &lts,
        &[
            "deps",
            "bump",
            "golang.org/x/text@v0.3.8",
            "--on",
            "v1.1.1-lts.1",
            "--from",
            "main",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not carry golang.org/x/text at v0.3.8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_go_bump_edits_the_files_that_name_the_toolchain() {
    let (_tmp, lts, _) = lts_with_bump();
    let args = [
        "--json",
        "deps",
        "bump",
        "go@1.23.12",
        "--on",
        "v1.1.1-lts.1",
        "v1.0.3-lts.2",
        "--write",
    ];
    let v = json(&run(&lts, &args));
    let t = &v["targets"][0];
    assert_eq!(t["current"], "1.20.14");
    assert_eq!(
        t["fixes"],
        serde_json::json!(["GO-2024-2687", "GO-2025-3956"])
    );
    assert_eq!(t["files"], serde_json::json!([".go-version"]));
    let diff = t["diff"].as_str().unwrap();
    assert!(diff.contains("-1.20.14\n+1.23.12\n"), "{diff}");
    assert!(
        diff.contains("Subject: [PATCH] build: bump Go to 1.23.12"),
        "{diff}"
    );
    // go.mod's `go 1.19` is a language version: the 1.0 line is left alone.
    let old = &v["targets"][1];
    assert!(
        old["skipped"]
            .as_str()
            .unwrap()
            .contains("no file of the release names a Go older")
    );
    assert!(old["patch"].is_null());
    let manifest = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    assert!(
        manifest.contains("  - name: bump-go-1.23.12\n    reason: security\n"),
        "{manifest}"
    );
    let out = run(&lts, &["verify", "v1.1.1-lts.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&run(&lts, &["--json", "deps", "v1.1.1-lts.1"]));
    assert_eq!(v["releases"][0]["go"]["version"], "1.23.12");
    assert!(open_ids(&lts, "v1.1.1-lts.1", "stdlib").is_empty());
}

#[test]
fn remedy_lists_each_reachable_module_its_commit_and_its_ports() {
    let (_tmp, lts, commit) = lts_with_bump();
    let v = json(&run(&lts, &["--json", "deps", "remedy", "v1.0.3-lts.2"]));
    let modules = v["modules"].as_array().unwrap();
    assert_eq!(modules.len(), 1, "{v}");
    let m = &modules[0];
    assert_eq!(m["module"], "golang.org/x/text");
    assert_eq!(m["fixed_in"], "v0.3.8");
    assert_eq!(m["commit"], commit.as_str());
    assert_eq!(
        m["ids"],
        serde_json::json!(["GO-2021-0113", "GO-2022-1059"])
    );
    let ports: Vec<(String, String, String)> = m["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["release"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap_or("-").to_string(),
                p["rung"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            ("v1.0.3-lts.2".into(), "resolved".into(), "modules".into()),
            ("v1.1.1-lts.1".into(), "clean".into(), "merge".into()),
        ],
        "{m}"
    );
}

#[test]
fn without_an_upstream_commit_remedy_says_so_and_bump_refuses() {
    // The example's own upstream never moves golang.org/x/text.
    let (_tmp, lts) = example();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    copy_dir(&src.join("advisories"), &lts.join("advisories"));
    let out = run(&lts, &["deps", "remedy", "v1.1.1-lts.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("golang.org/x/text v0.3.7 -> v0.3.8: no upstream commit found"),
        "{text}"
    );
    let before = snapshot(&lts);
    let out = run(
        &lts,
        &[
            "deps",
            "bump",
            "golang.org/x/text@v0.3.8",
            "--on",
            "v1.1.1-lts.1",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no upstream commit found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&lts), before);
}

#[test]
fn bad_and_hostile_input_exits_2_naming_it_and_writes_nothing() {
    let (_tmp, lts, _) = lts_with_bump();
    let before = snapshot(&lts);
    let cases: [(&[&str], &str); 10] = [
        (
            &["golang.org/x/net@v0.9.0", "--on", "v1.1.1-lts.1"],
            "unknown module golang.org/x/net",
        ),
        (
            &["golang.org/x/text@v0.9.0", "--on", "v1.1.1-lts.1"],
            "no upstream commit found",
        ),
        (
            &["golang.org/x/text@v0.3.8", "--on", "v9.9.9-lts.1"],
            "v9.9.9-lts.1",
        ),
        (
            &["remedy-only@v1.0.0", "--on", "v1.1.1-lts.1"],
            "unknown module remedy-only",
        ),
        (
            &["../../escape@v1.0.0", "--on", "v1.1.1-lts.1"],
            "not a module path",
        ),
        (
            &["golang.org/x/text/../../x@v0.3.8", "--on", "v1.1.1-lts.1"],
            "not a module path",
        ),
        (
            &[
                "golang.org/x/text\nreason: build@v0.3.8",
                "--on",
                "v1.1.1-lts.1",
            ],
            "not a module path",
        ),
        (
            &["golang.org/x/text@v0.3.8\n  - evil", "--on", "v1.1.1-lts.1"],
            "not a module version",
        ),
        (
            &["go@1.23/../../x", "--on", "v1.1.1-lts.1"],
            "not a Go release",
        ),
        (
            &["go@1.23.12\"\nnote: x", "--on", "v1.1.1-lts.1"],
            "not a Go release",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["deps", "bump"];
        all.extend(args);
        all.push("--write");
        let out = run(&lts, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(snapshot(&lts), before, "{args:?} wrote something");
    }
    // --from names a revision of upstream, nothing else.
    for rev in ["../../etc/passwd", "main\nreason: x", "refs/heads/nope"] {
        let out = run(
            &lts,
            &[
                "deps",
                "bump",
                "golang.org/x/text@v0.3.8",
                "--on",
                "v1.1.1-lts.1",
                "--from",
                rev,
                "--write",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{rev:?}: {}", stderr(&out));
        assert_eq!(snapshot(&lts), before, "{rev:?} wrote something");
    }
    let out = run(&lts, &["deps", "remedy", "v9.9.9-lts.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("v9.9.9-lts.1"));
    // A patches/ folder linked out of the repository: refused, nothing written there.
    let outside = lts.parent().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let patches = lts.join("patches");
    let kept = lts.parent().unwrap().join("patches-kept");
    std::fs::rename(&patches, &kept).unwrap();
    std::os::unix::fs::symlink(&outside, &patches).unwrap();
    let manifest = std::fs::read(lts.join("releases.yml")).unwrap();
    let out = run(
        &lts,
        &[
            "deps",
            "bump",
            "golang.org/x/text@v0.3.8",
            "--on",
            "v1.1.1-lts.1",
            "--write",
        ],
    );
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(std::fs::read(lts.join("releases.yml")).unwrap(), manifest);
}

/// `--typecheck` builds each port's affected packages on its line (Go on
/// PATH): the bump passes; the same bump whose vendored code does not compile
/// (which the guard does not judge: vendored code is a module at a version)
/// is a conflict with the compiler's message, and `--write` writes nothing.
#[test]
fn typecheck_builds_the_bump_on_its_line_and_a_port_that_does_not_compile_is_a_conflict() {
    let test =
        "typecheck_builds_the_bump_on_its_line_and_a_port_that_does_not_compile_is_a_conflict";
    if tool(test, "go", "apt-get install golang-go").is_none() {
        return;
    }
    let args = [
        "--json",
        "deps",
        "bump",
        "golang.org/x/text@v0.3.8",
        "--on",
        "v1.1.1-lts.1",
        "--typecheck",
    ];
    let env = [("SOURCE_DATE_EPOCH", NOW)];
    let (_tmp, lts, _) = lts_with_bump();
    let v = json(&longhaul_with_env(&lts, &args, &env));
    let t = &v["targets"][0];
    assert_eq!(v["typechecked"], true);
    assert_eq!(t["status"], "clean", "{t}");
    assert_eq!(t["typecheck"]["status"], "passed", "{t}");

    let (_tmp, lts, _) = lts_with_bump_adding("\nfunc Broken() int { return notDeclared }\n");
    let before = snapshot(&lts);
    let out = longhaul_with_env(&lts, &[&args[..], &["--write"]].concat(), &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["targets"][0];
    assert_eq!(t["status"], "conflict", "{t}");
    assert_eq!(t["typecheck"]["status"], "failed", "{t}");
    let reasons = t["conflicts"].to_string();
    assert!(reasons.contains("notDeclared"), "{reasons}");
    assert!(v["written"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(snapshot(&lts), before, "a conflict writes nothing");
    // Without --typecheck the same port passes the guard, and says it was not compiled.
    let out = longhaul_with_env(
        &lts,
        &[
            "deps",
            "bump",
            "golang.org/x/text@v0.3.8",
            "--on",
            "v1.1.1-lts.1",
        ],
        &env,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("they were not compiled: pass --typecheck"),
        "{text}"
    );
}
