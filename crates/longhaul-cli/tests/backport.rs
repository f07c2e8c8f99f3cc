//! Issue 8: `backport`, `refresh` and `bump` on a copy of the bundled example,
//! whose upstream has a security fix on `main` (CVE-2025-0002) that ports
//! cleanly onto the v1.1 line and conflicts on the v1.0 line.

mod common;

use common::{example, git, longhaul, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push((e.clone(), std::fs::read(&e).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn backport_write_adds_a_canonical_patch_that_verify_applies() {
    let (_tmp, lts) = example();
    let before = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    let out = longhaul(
        &lts,
        &[
            "--json",
            "backport",
            "--commit",
            "main",
            "--name",
            "CVE-2025-0002",
            "--maintained",
            "--write",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a conflict on one line: {}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = v["targets"].as_array().unwrap();
    let by = |r: &str| targets.iter().find(|t| t["release"] == r).unwrap().clone();
    assert_eq!(by("v1.1.1-lts.1")["status"], "clean");
    assert_eq!(by("v1.1.1-lts.1")["difficulty"], "trivial");
    assert_eq!(by("v1.0.3-lts.2")["status"], "conflict");
    assert_eq!(by("v1.0.3-lts.2")["difficulty"], "manual");
    assert_eq!(v["cves"], serde_json::json!(["CVE-2025-0002"]));

    // The manifest diff holds only the intended lines; every old line is kept.
    let after = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    let added: Vec<&str> = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .collect();
    assert_eq!(
        added,
        [
            "      - CVE-2025-0002.1.1",
            "  - name: CVE-2025-0002.1.1",
            "    patch:",
            "      - patches/CVE-2025-0002.1.1.patch",
            "    cves: [CVE-2025-0002]"
        ]
        .iter()
        .filter(|l| !before.lines().any(|b| b == **l))
        .copied()
        .collect::<Vec<_>>()
    );
    let mut new_lines = after.lines();
    for line in before.lines() {
        assert!(new_lines.any(|n| n == line), "kept: {line:?}");
    }
    // A review file for the conflict, with diff3 markers.
    let review =
        std::fs::read_to_string(lts.join(".longhaul/review/CVE-2025-0002.v1.0.3-lts.2.txt"))
            .unwrap();
    assert!(
        review.contains("<<<<<<< target") && review.contains("||||||| base"),
        "{review}"
    );

    // verify applies the new patch; refresh --check finds it canonical.
    let out = longhaul(&lts, &["--json", "verify", "v1.1.1-lts.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let patch = lts.join("patches/CVE-2025-0002.1.1.patch");
    let out = longhaul(&lts, &["refresh", "--check", patch.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A hand edit makes it non-canonical: --check exits 1, names it, changes nothing.
    let text = std::fs::read_to_string(&patch).unwrap();
    std::fs::write(
        &patch,
        text.replace(
            "index 2979462dc55..c427390d2fb 100644",
            "index 2979462..c427390 100644",
        ),
    )
    .unwrap();
    let edited = std::fs::read(&patch).unwrap();
    let out = longhaul(&lts, &["refresh", "--check", patch.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("CVE-2025-0002.1.1.patch: not canonical")
    );
    assert_eq!(std::fs::read(&patch).unwrap(), edited);
    // refresh restores the canonical bytes.
    let out = longhaul(&lts, &["refresh", patch.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&patch).unwrap(), text);
}

#[test]
fn refresh_writes_what_git_format_patch_writes() {
    let (tmp, lts) = example();
    // Build main-usage's commits as KLTS's CI does (git am -3 on the chain of the
    // first release that uses it: v1.0.3-lts.2 = v1.0.3 + CVE-2024-10220 + token-length),
    // then format-patch them; refresh must give the same bytes.
    let out = longhaul(&lts, &["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let work = tmp.path().join("work");
    let up = tmp.path().join("upstream");
    git(
        tmp.path(),
        &["clone", "-q", up.to_str().unwrap(), work.to_str().unwrap()],
        "2024-01-01T00:00:00Z",
    );
    git(
        &work,
        &["checkout", "-q", "--detach", "v1.0.3"],
        "2024-01-01T00:00:00Z",
    );
    for p in ["CVE-2024-10220", "token-length"] {
        let file = lts.join(format!("patches/{p}.patch"));
        if p == "token-length" {
            git(
                &work,
                &["apply", "--index", file.to_str().unwrap()],
                "2024-01-01T00:00:00Z",
            );
            git(
                &work,
                &["commit", "-q", "-m", "token-length"],
                "2024-01-01T00:00:00Z",
            );
        } else {
            git(
                &work,
                &["am", "-q", "-3", file.to_str().unwrap()],
                "2024-01-01T00:00:00Z",
            );
        }
    }
    let base = git(&work, &["rev-parse", "HEAD"], "2024-01-01T00:00:00Z");
    let main_usage = lts.join("patches/main-usage.patch");
    git(
        &work,
        &["am", "-q", "-3", main_usage.to_str().unwrap()],
        "2024-01-01T00:00:00Z",
    );
    let expected = Command::new("git")
        .args([
            "format-patch",
            "-N",
            "--abbrev=11",
            "--zero-commit",
            "--no-signature",
            "--stdout",
            &format!("{base}..HEAD"),
        ])
        .current_dir(&work)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(expected.status.success());
    assert_eq!(
        String::from_utf8(std::fs::read(&main_usage).unwrap()).unwrap(),
        String::from_utf8(expected.stdout).unwrap()
    );
    let out = longhaul(&lts, &["refresh", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bump_adds_the_next_release_and_keeps_comments() {
    let (_tmp, lts) = example();
    let before = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    let out = longhaul(&lts, &["bump", "1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    assert!(after.contains(
        "  - name: v1.0.3-lts.3\n    base_release: v1.0.3-lts.2\n    must: true\n    patches: []\n"
    ));
    let mut new_lines = after.lines();
    for line in before.lines() {
        assert!(new_lines.any(|n| n == line), "kept: {line:?}");
    }
    let out = longhaul(&lts, &["verify", "v1.0.3-lts.3"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Bad input exits 2, names what was wrong and changes nothing.
#[test]
fn bad_input_changes_nothing() {
    let (_tmp, lts) = example();
    let before = snapshot(&lts);
    let plain = lts.join("patches/token-length.patch");
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "backport",
                "--commit",
                "0123456789012345678901234567890123456789",
                "--name",
                "x",
                "--maintained",
                "--write",
            ],
            "0123456789012345678901234567890123456789",
        ),
        (
            &[
                "backport",
                "--commit",
                "main",
                "--name",
                "x",
                "--to",
                "v9.9.9-lts.1",
                "--write",
            ],
            "v9.9.9-lts.1",
        ),
        (
            &[
                "backport",
                "--commit",
                "main",
                "--name",
                "../x",
                "--maintained",
                "--write",
            ],
            "--name",
        ),
        (
            &[
                "backport",
                "--commit",
                "main",
                "--name",
                "main-usage",
                "--to",
                "v1.1.1-lts.1",
                "--write",
            ],
            "main-usage",
        ),
        (&["bump", "9.9"], "9.9"),
        (&["refresh", plain.to_str().unwrap()], "plain diff"),
        (&["refresh", "no-such.patch"], "no-such.patch"),
    ];
    for (args, needle) in cases {
        let out = longhaul(&lts, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert_eq!(snapshot(&lts), before, "{args:?} changed nothing");
    }
}

/// `--patch FILE`: the upstream fix as a mail ports like the commit (its
/// `index` blobs are the merge base) and writes the same canonical patch.
#[test]
fn a_patch_file_ports_like_its_commit() {
    let (tmp, lts) = example();
    let up = tmp.path().join("upstream");
    let mail = tmp.path().join("fix.patch");
    let text = git(
        &up,
        &["format-patch", "--stdout", "-1", "main"],
        "2025-03-01T10:00:00Z",
    );
    std::fs::write(&mail, text + "\n").unwrap();
    let by_commit = longhaul(
        &lts,
        &[
            "--json",
            "backport",
            "--commit",
            "main",
            "--name",
            "fix",
            "--maintained",
        ],
    );
    let by_patch = longhaul(
        &lts,
        &[
            "--json",
            "backport",
            "--patch",
            mail.to_str().unwrap(),
            "--name",
            "fix",
            "--maintained",
        ],
    );
    assert_eq!(by_commit.status.code(), Some(1));
    assert_eq!(by_patch.status.code(), Some(1), "{}", stderr(&by_patch));
    let targets = |o: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["release"].clone(), t["status"].clone(), t["tree"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(targets(&by_commit), targets(&by_patch));
    let out = longhaul(
        &lts,
        &[
            "backport",
            "--patch",
            mail.to_str().unwrap(),
            "--name",
            "fix",
            "--to",
            "v1.1.1-lts.1",
            "--write",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(lts.join("patches/fix.1.1.patch")).unwrap();
    assert!(written.starts_with("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Tiny Upstream <upstream@example.org>\n"));
    let out = longhaul(
        &lts,
        &[
            "refresh",
            "--check",
            lts.join("patches/fix.1.1.patch").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `rebase`: on a newer tag that already contains a patch, that patch is
/// dropped, the others are re-ported, and one that does not port is reported.
#[test]
fn rebase_drops_what_the_new_tag_contains() {
    let (tmp, lts) = example();
    let up = tmp.path().join("upstream");
    // v1.1.2 = v1.1.1 with the CVE-2024-10220 fix merged upstream.
    git(
        &up,
        &["checkout", "-q", "--detach", "v1.1.1"],
        "2024-07-01T10:00:00Z",
    );
    let patch = lts.join("patches/CVE-2024-10220.patch");
    git(
        &up,
        &["am", "-q", patch.to_str().unwrap()],
        "2024-07-01T10:00:00Z",
    );
    git(&up, &["tag", "v1.1.2"], "2024-07-01T10:00:00Z");
    git(&up, &["checkout", "-q", "main"], "2024-07-01T10:00:00Z");
    let before = snapshot(&lts);
    let out = longhaul(
        &lts,
        &["--json", "rebase", "v1.1.1-lts.1", "--onto", "v1.1.2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fates: Vec<(String, String)> = v["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["patch"].as_str().unwrap().to_string(),
                p["fate"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        fates,
        [
            ("CVE-2024-10220".to_string(), "already_upstream".to_string()),
            ("main-usage".to_string(), "ported".to_string())
        ]
    );
    // The result is v1.1.2 with main-usage applied, as git am builds it.
    git(
        &up,
        &["checkout", "-q", "--detach", "v1.1.2"],
        "2024-07-01T10:00:00Z",
    );
    let mu = lts.join("patches/main-usage.patch");
    git(
        &up,
        &["am", "-q", "-3", mu.to_str().unwrap()],
        "2024-07-01T10:00:00Z",
    );
    assert_eq!(
        v["tree"].as_str().unwrap(),
        git(&up, &["rev-parse", "HEAD^{tree}"], "2024-07-01T10:00:00Z")
    );
    // A patch that does not port: exit 1, named. An unknown tag: exit 2. Nothing written.
    let out = longhaul(&lts, &["rebase", "1.0", "--onto", "v1.1.1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("token-length"));
    let out = longhaul(&lts, &["rebase", "1.0", "--onto", "v9.9.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("v9.9.9"), "{}", stderr(&out));
    assert_eq!(snapshot(&lts), before);
}

/// A second `backport --write` of the same upstream commit (by the same name
/// or another) is refused: exit 2, naming the patch file of the manifest that
/// already makes the change, and nothing is written. A dry run says the same.
/// (It used to fail with "the written patch does not parse again".)
#[test]
fn backporting_a_commit_twice_names_the_patch_already_there() {
    let (_tmp, lts) = example();
    let write = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "backport",
            "--commit",
            "main",
            "--name",
            name,
            "--maintained",
        ];
        args.extend_from_slice(extra);
        longhaul(&lts, &args)
    };
    let first = write("CVE-2025-0002", &["--write"]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let before = snapshot(&lts);
    for (name, extra) in [
        ("CVE-2025-0002", &["--write"][..]),
        ("CVE-2025-0003", &["--write"][..]),
        ("CVE-2025-0002", &[][..]),
    ] {
        let out = write(name, extra);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name} {extra:?}: {err}");
        assert!(
            err.contains("v1.1.1-lts.1")
                && err.contains("patches/CVE-2025-0002.1.1.patch")
                && err.contains("already"),
            "{name} {extra:?}: {err}"
        );
        assert!(!err.contains("does not parse again"), "{err}");
        assert_eq!(snapshot(&lts), before, "{name} {extra:?} wrote nothing");
    }
}
