//! The command-line contract: exit codes, JSON shapes and one-paragraph errors
//! that name the file and line, on real repositories built here.

use std::path::{Path, PathBuf};
mod common;

use common::{longhaul, stderr};
use std::process::Command;

/// `git ARGS…` in `dir`: the shared helper, at one fixed date.
fn git(dir: &Path, args: &[&str]) -> String {
    common::git(dir, args, "2024-01-01T00:00:00Z")
}

/// An LTS repository (manifest + patches/) beside an upstream with tag v1.0.0.
struct Lts {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    upstream: PathBuf,
}

fn lts() -> Lts {
    let tmp = tempfile::tempdir().unwrap();
    let upstream = tmp.path().join("upstream");
    std::fs::create_dir_all(&upstream).unwrap();
    git(&upstream, &["init", "-q", "-b", "main"]);
    std::fs::write(upstream.join("a.txt"), "one\ntwo\nthree\n").unwrap();
    git(&upstream, &["add", "-A"]);
    git(&upstream, &["commit", "-qm", "v1.0.0"]);
    git(&upstream, &["tag", "v1.0.0"]);
    std::fs::write(upstream.join("a.txt"), "one\n2\nthree\n").unwrap();
    git(&upstream, &["commit", "-qam", "fix two"]);
    let dir = tmp.path().join("lts");
    std::fs::create_dir_all(dir.join("patches")).unwrap();
    let patch = git(&upstream, &["format-patch", "--stdout", "v1.0.0..HEAD"]);
    std::fs::write(dir.join("patches/fix.patch"), patch + "\n").unwrap();
    git(&upstream, &["reset", "-q", "--hard", "v1.0.0"]);
    std::fs::write(
        dir.join("releases.yml"),
        "base: https://example.org/up\nupstream: ../upstream\nreleases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    must: true\n    patches: [fix]\npatches: []\n",
    )
    .unwrap();
    Lts {
        _tmp: tmp,
        dir,
        upstream,
    }
}

#[test]
fn verify_json_has_the_documented_shape() {
    let l = lts();
    let out = longhaul(&l.dir, &["--json", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    let r = &v["releases"][0];
    assert_eq!(r["name"], "v1.0.0-lts.1");
    assert_eq!(r["base"], "v1.0.0");
    assert_eq!(r["chain"], serde_json::json!(["v1.0.0-lts.1"]));
    let tree = r["tree"].as_str().unwrap();
    assert_eq!(tree.len(), 40);
    let p = &r["patches"][0];
    assert_eq!(p["name"], "fix");
    assert_eq!(p["files"], serde_json::json!(["a.txt"]));
    assert_eq!(p["status"], "clean");
    assert_eq!(p["failures"], serde_json::json!([]));
}

#[test]
fn failing_release_exits_1_with_a_located_failure() {
    let l = lts();
    std::fs::write(l.upstream.join("a.txt"), "ONE\nTWO\nTHREE\n").unwrap();
    git(&l.upstream, &["commit", "-qam", "v1.0.1"]);
    git(&l.upstream, &["tag", "v1.0.1"]);
    std::fs::write(
        l.dir.join("releases.yml"),
        "upstream: ../upstream\nreleases:\n  - name: v1.0.1-lts.1\n    base_release: v1.0.1\n    patches: [fix]\npatches: []\n",
    )
    .unwrap();
    let out = longhaul(&l.dir, &["--json", "verify", "--all"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["releases"][0]["patches"][0]["failures"][0];
    assert_eq!(v["releases"][0]["patches"][0]["status"], "failed");
    assert_eq!(f["file"], "a.txt");
    assert_eq!(f["hunk"], 1);
    assert_eq!(f["line"], 1);
    assert!(
        f["reason"].as_str().unwrap().contains("expected `one`"),
        "{f}"
    );
}

/// Exit 2, one paragraph naming `needle` (file and line), and nothing changed.
fn assert_input_error(l: &Lts, args: &[&str], needle: &str) {
    let refs_before = git(&l.upstream, &["for-each-ref"]);
    let manifest_before = std::fs::read(l.dir.join("releases.yml")).unwrap();
    let out = longhaul(&l.dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in {err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    assert_eq!(git(&l.upstream, &["for-each-ref"]), refs_before);
    assert_eq!(
        std::fs::read(l.dir.join("releases.yml")).unwrap(),
        manifest_before
    );
}

#[test]
fn malformed_yaml() {
    let l = lts();
    std::fs::write(
        l.dir.join("releases.yml"),
        "releases:\n  - name: v1.0.0-lts.1\n    base_release: [v1.0.0\n",
    )
    .unwrap();
    assert_input_error(&l, &["verify", "--all"], "releases.yml:3");
}

#[test]
fn unknown_release() {
    let l = lts();
    assert_input_error(
        &l,
        &["verify", "v1.0.0-lts.9"],
        "no release named `v1.0.0-lts.9` (did you mean v1.0.0-lts.1?)",
    );
    assert_input_error(
        &l,
        &["build", "v1.0.0-lts.9"],
        "no release named `v1.0.0-lts.9`",
    );
}

#[test]
fn truncated_and_garbage_patches() {
    let l = lts();
    let full = std::fs::read_to_string(l.dir.join("patches/fix.patch")).unwrap();
    let cut = full.find("+2").unwrap();
    std::fs::write(l.dir.join("patches/fix.patch"), &full[..cut]).unwrap();
    assert_input_error(&l, &["verify"], "fix.patch:");
    assert_input_error(&l, &["build", "v1.0.0-lts.1"], "truncated hunk");
    std::fs::write(
        l.dir.join("patches/fix.patch"),
        [0xffu8, 0x00, 0x13, 0x37].repeat(50),
    )
    .unwrap();
    assert_input_error(&l, &["verify"], "fix.patch:1: no diff found");
}

#[test]
fn missing_tag_names_the_manifest_line() {
    let l = lts();
    std::fs::write(
        l.dir.join("releases.yml"),
        "upstream: ../upstream\nreleases:\n  - name: v9.9.9-lts.1\n    base_release: v9.9.9\n    patches: []\npatches: []\n",
    )
    .unwrap();
    // verify: unverifiable, not an input error (a partial clone is normal; issue 18).
    let out = longhaul(&l.dir, &["verify", "--all"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("v9.9.9-lts.1: base tag v9.9.9 is not in the upstream repository")
            && text.contains("releases.yml:4)"),
        "{text}"
    );
    assert_input_error(&l, &["build", "v9.9.9-lts.1"], "releases.yml:4");
}

#[test]
fn unreadable_repository() {
    let l = lts();
    let not_a_repo = l.dir.join("patches");
    assert_input_error(
        &l,
        &["--upstream", not_a_repo.to_str().unwrap(), "verify"],
        "cannot open git repository",
    );
}

#[test]
fn build_then_refuse_to_move_the_tag_then_force() {
    let l = lts();
    let out = longhaul(&l.dir, &["build", "v1.0.0-lts.1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tag = git(&l.upstream, &["rev-parse", "refs/tags/v1.0.0-lts.1"]);
    assert_input_error(
        &l,
        &["build", "v1.0.0-lts.1"],
        "tag v1.0.0-lts.1 already exists",
    );
    assert_eq!(
        git(&l.upstream, &["rev-parse", "refs/tags/v1.0.0-lts.1"]),
        tag
    );
    let out = longhaul(&l.dir, &["--json", "build", "--force", "v1.0.0-lts.1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["releases"][0]["replaced"], true);
    assert_eq!(
        git(&l.upstream, &["rev-parse", "v1.0.0-lts.1^{tree}"]),
        v["releases"][0]["tree"].as_str().unwrap()
    );
}

#[test]
fn build_with_worktree_checks_the_release_out() {
    let l = lts();
    let wt = l.dir.join("../wt");
    let out = longhaul(
        &l.dir,
        &["build", "v1.0.0-lts.1", "--worktree", wt.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "one\n2\nthree\n"
    );
}

#[test]
fn apply_prints_the_tree_git_would_write() {
    let l = lts();
    let out = longhaul(
        &l.upstream,
        &[
            "apply",
            "--onto",
            "v1.0.0",
            l.dir.join("patches/fix.patch").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    git(&l.upstream, &["read-tree", "v1.0.0"]);
    git(
        &l.upstream,
        &[
            "apply",
            "--cached",
            l.dir.join("patches/fix.patch").to_str().unwrap(),
        ],
    );
    let expected = git(&l.upstream, &["write-tree"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected);
}

#[test]
fn real_klts_manifest_releases() {
    let Some(data) = common::real_data("real_klts_manifest_releases") else {
        return;
    };
    let out = longhaul(&data.join("klts"), &["--json", "releases"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let releases = v["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 47);
    let lts3 = releases
        .iter()
        .find(|r| r["name"] == "v1.20.15-lts.3")
        .unwrap();
    assert_eq!(lts3["base"], "v1.20.15");
    assert_eq!(
        lts3["chain"],
        serde_json::json!(["v1.20.15-ci", "v1.20.15-lts.3"])
    );
    let names: Vec<&str> = lts3["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.first(),
        Some(&"fix-run-docker.1.24"),
        "base of the chain first"
    );
    assert_eq!(names.last(), Some(&"nokmem.1.20"));
    // A name missing from `patches:` resolves to patches/<name>.patch.
    let ci = releases
        .iter()
        .find(|r| r["name"] == "v1.21.14-ci")
        .unwrap();
    let bump = ci["patches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "bump-go-1-25-9.1.21")
        .unwrap();
    assert!(
        bump["items"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("patches/bump-go-1-25-9.1.21.patch")
    );
    assert_eq!(bump["items"][0]["available"], true);
}

#[test]
fn real_klts_manifest_lint_finds_real_problems() {
    let Some(data) = common::real_data("real_klts_manifest_lint_finds_real_problems") else {
        return;
    };
    let out = longhaul(&data.join("klts"), &["--json", "lint"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let has = |code: &str, text: &str| {
        findings
            .iter()
            .any(|f| f["code"] == code && f["message"].as_str().unwrap().contains(text))
    };
    assert!(
        has("unused-patch", "`CVE-2019-1002100.1.10.patch`"),
        "stray .patch suffix"
    );
    assert!(has("unused-patch", "`update-kube-proxy-iptables.1.18`"));
    assert!(has("empty-patch", "`TODO`"));
    assert!(has("uncached-url", "pull/124531.patch"));
    assert!(
        !findings.iter().any(|f| f["code"] == "bad-patch"),
        "every KLTS patch file parses"
    );
    // The backport policy: KLTS's file loads unchanged and its patches without
    // a CVE (build fixes of the -ci bases, for one) are named.
    assert!(has("no-backport-reason", "`fix-run-docker.1.24`"));
    assert!(
        !findings.iter().any(|f| f["code"] == "no-backport-reason"
            && f["message"].as_str().unwrap().contains("`CVE-")),
        "a patch named after its CVE links it"
    );
}

fn tags(upstream: &Path) -> String {
    git(upstream, &["tag", "--list"])
}

/// Issue 6, defect 4: when the worktree cannot be created, nothing is tagged,
/// and a retry works.
#[test]
fn build_with_an_impossible_worktree_writes_nothing() {
    let l = lts();
    let blocker = l.dir.join("file");
    std::fs::write(&blocker, "a file, not a folder").unwrap();
    let bad = blocker.join("wt");
    let out = longhaul(
        &l.dir,
        &[
            "build",
            "v1.0.0-lts.1",
            "--worktree",
            &bad.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nothing was built"),
        "{}",
        stderr(&out)
    );
    assert_eq!(tags(&l.upstream), "v1.0.0");
    let good = l.dir.join("wt");
    let out = longhaul(
        &l.dir,
        &[
            "build",
            "v1.0.0-lts.1",
            "--worktree",
            &good.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(good.join("a.txt").is_file());
}

/// Issue 6, defect 4: `build A B` where B cannot be built tags neither, and
/// says so.
#[test]
fn build_of_several_releases_is_all_or_nothing() {
    let l = lts();
    std::fs::write(
        l.dir.join("patches/broken.patch"),
        "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-nope\n+x\n",
    )
    .unwrap();
    std::fs::write(
        l.dir.join("releases.yml"),
        "upstream: ../upstream\nreleases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [fix]\n  - name: v1.0.0-lts.2\n    base_release: v1.0.0\n    patches: [broken]\npatches: []\n",
    )
    .unwrap();
    let out = longhaul(&l.dir, &["--json", "build", "v1.0.0-lts.1", "v1.0.0-lts.2"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let error = v["error"].as_str().unwrap();
    assert!(
        error.contains("v1.0.0-lts.2") && error.contains("nothing was written"),
        "{error}"
    );
    assert_eq!(tags(&l.upstream), "v1.0.0");
}

/// Issue 6, defect 7: a release name git cannot use as a tag, and a bad
/// SOURCE_DATE_EPOCH, are clear input errors before anything is written.
#[test]
fn unusable_tag_names_and_dates_are_refused() {
    let l = lts();
    std::fs::write(
        l.dir.join("releases.yml"),
        "upstream: ../upstream\nreleases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [fix]\n  - name: x.lock\n    base_release: v1.0.0\n    patches: []\npatches: []\n",
    )
    .unwrap();
    let out = longhaul(&l.dir, &["build", "x.lock"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("releases.yml:6:") && err.contains("cannot be a git tag"),
        "{err}"
    );
    for bad in ["-1", "abc"] {
        let out = Command::new(env!("CARGO_BIN_EXE_longhaul"))
            .args([
                "-C",
                &l.dir.display().to_string(),
                "--offline",
                "build",
                "v1.0.0-lts.1",
            ])
            .env("SOURCE_DATE_EPOCH", bad)
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("SOURCE_DATE_EPOCH"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(tags(&l.upstream), "v1.0.0");
}

/// Issue 6, defect 5: a patch item that is a FIFO, or a symlink to /dev/zero,
/// is refused at once, naming the file; verify does not hang or eat memory.
#[test]
fn special_patch_files_are_refused() {
    let l = lts();
    std::fs::remove_file(l.dir.join("patches/fix.patch")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", l.dir.join("patches/fix.patch")).unwrap();
    let out = longhaul(&l.dir, &["--json", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert_ne!(out.status.code(), Some(0));
    // Refused before it is opened: a device, and (issue 17) outside the repository.
    assert!(
        text.contains("fix.patch")
            && (text.contains("found a device") || text.contains("resolves to /dev/zero")),
        "{text}"
    );
    std::fs::remove_file(l.dir.join("patches/fix.patch")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(l.dir.join("patches/fix.patch"))
            .status()
            .unwrap()
            .success()
    );
    let out = longhaul(&l.dir, &["--json", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(text.contains("found a FIFO"), "{text}");
}

/// Patch items may not point outside the LTS repository.
#[test]
fn patch_items_outside_the_repository_are_refused() {
    let l = lts();
    std::fs::write(
        l.dir.join("releases.yml"),
        "upstream: ../upstream\nreleases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    must: true\n    patches: [escape]\npatches:\n  - name: escape\n    patch: [../upstream/a.txt]\n",
    )
    .unwrap();
    let out = longhaul(&l.dir, &["verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("releases.yml:9:")
            && stderr(&out).contains("outside the LTS repository"),
        "{}",
        stderr(&out)
    );
}

/// `port`: the documented JSON shape, the tree `git merge-tree` writes for a
/// clean port, exit 1 and the conflicting file for a conflict, exit 2 for an
/// unknown commit; nothing written to the repository.
#[test]
fn port_json_and_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let up = tmp.path().join("up");
    std::fs::create_dir_all(&up).unwrap();
    git(&up, &["init", "-q", "-b", "main"]);
    let body: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    std::fs::write(up.join("a.txt"), &body).unwrap();
    git(&up, &["add", "-A"]);
    git(&up, &["commit", "-qm", "v1"]);
    git(&up, &["tag", "v1"]);
    std::fs::write(up.join("a.txt"), body.replace("line 15\n", "fifteen\n")).unwrap();
    git(&up, &["commit", "-qam", "fix"]);
    let fix = git(&up, &["rev-parse", "HEAD"]);
    git(&up, &["checkout", "-q", "-b", "old", "v1"]);
    std::fs::write(up.join("a.txt"), body.replace("line 2\n", "two\n")).unwrap();
    git(&up, &["commit", "-qam", "old line"]);
    git(&up, &["checkout", "-q", "-b", "clash", "v1"]);
    std::fs::write(up.join("a.txt"), body.replace("line 15\n", "FIFTEEN\n")).unwrap();
    git(&up, &["commit", "-qam", "clash"]);
    let refs_before = git(&up, &["for-each-ref"]);
    let repo = up.display().to_string();

    let out = longhaul(
        &up,
        &[
            "--json", "port", "--repo", &repo, "--onto", "old", "--commit", &fix,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["rung"].as_str()),
        (Some("merged"), Some("merge"))
    );
    let merge_tree = git(
        &up,
        &[
            "merge-tree",
            "--write-tree",
            &format!("--merge-base={fix}^"),
            "old",
            &fix,
        ],
    );
    assert_eq!(v["tree"].as_str(), Some(merge_tree.as_str()));

    let out = longhaul(
        &up,
        &[
            "--json", "port", "--repo", &repo, "--onto", "clash", "--commit", &fix,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "conflict");
    assert!(v.get("tree").is_none());
    assert_eq!(v["conflicts"][0]["file"], "a.txt");

    let out = longhaul(
        &up,
        &[
            "port", "--repo", &repo, "--onto", "old", "--commit", "deadbeef",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("deadbeef"), "{}", stderr(&out));
    assert_eq!(git(&up, &["for-each-ref"]), refs_before);
}

/// `port --precedents`: a fix that conflicts on one old line ports through
/// the maintainer's port of it onto another line (the tree `git merge-tree`
/// writes for that port), named in the JSON and the text; without the flag
/// it is a conflict, `--precedents-before` alone is a usage error (exit 2),
/// and nothing is written to the repository.
#[test]
fn port_through_a_precedent() {
    let tmp = tempfile::tempdir().unwrap();
    let up = tmp.path().join("up");
    std::fs::create_dir_all(&up).unwrap();
    let day = |d: u32| format!("2024-01-{d:02}T00:00:00Z");
    let commit = |message: &str, d: u32| {
        common::git(&up, &["commit", "-qam", message], &day(d));
        git(&up, &["rev-parse", "HEAD"])
    };
    let file = "package a\n\nfunc f() {\n\tcall(a, b, mode)\n\tother()\n}\n";
    git(&up, &["init", "-q", "-b", "main"]);
    std::fs::write(up.join("a.go"), file).unwrap();
    git(&up, &["add", "-A"]);
    commit("v1", 1);
    git(&up, &["branch", "release-1"]);
    git(&up, &["branch", "release-2"]);
    std::fs::write(up.join("a.go"), file.replace("mode", "newMode")).unwrap();
    commit("refactor", 2);
    let fixed = file.replace("mode", "newMode").replace("b,", "c,");
    std::fs::write(up.join("a.go"), fixed).unwrap();
    let fix = commit("fix", 3);
    git(&up, &["checkout", "-q", "release-1"]);
    std::fs::write(up.join("a.go"), file.replace("b,", "c,")).unwrap();
    let precedent = commit(&format!("fix\n\n(cherry picked from commit {fix})"), 4);
    let refs_before = git(&up, &["for-each-ref"]);
    let repo = up.display().to_string();
    let port = |extra: &[&str]| {
        let mut args = vec![
            "port",
            "--repo",
            &repo,
            "--onto",
            "release-2",
            "--commit",
            &fix,
        ];
        args.extend_from_slice(extra);
        longhaul(&up, &args)
    };

    assert_eq!(port(&[]).status.code(), Some(1));
    let out = port(&["--json", "--precedents"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["rung"].as_str()),
        (Some("resolved"), Some("precedent"))
    );
    assert_eq!(v["precedent"].as_str(), Some(precedent.as_str()));
    let merge_tree = git(
        &up,
        &[
            "merge-tree",
            "--write-tree",
            &format!("--merge-base={precedent}^"),
            "release-2",
            &precedent,
        ],
    );
    assert_eq!(v["tree"].as_str(), Some(merge_tree.as_str()));
    let text = String::from_utf8(port(&["--precedents"]).stdout).unwrap();
    assert!(text.contains(&format!("through {precedent}")), "{text}");
    // Committed on day 4 (2024-01-04): not before that midnight.
    let cutoff = "1704326400";
    assert_eq!(
        port(&["--precedents", "--precedents-before", cutoff])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        port(&["--precedents-before", cutoff]).status.code(),
        Some(2)
    );
    assert_eq!(git(&up, &["for-each-ref"]), refs_before);
}

/// The README's `LONGHAUL_OFFLINE=1` works: with it, a URL patch item is not
/// downloaded (no connection reaches the loopback server) and its release is
/// unverifiable; with `LONGHAUL_OFFLINE=0` the same item is downloaded and the
/// release verifies. A value that is not a boolean is a usage error.
#[test]
fn offline_from_the_environment_takes_one_and_zero() {
    use std::io::{Read, Write};
    let l = lts();
    let patch = std::fs::read(l.dir.join("patches/fix.patch")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/pull/1.patch", listener.local_addr().unwrap());
    std::fs::remove_file(l.dir.join("patches/fix.patch")).unwrap();
    common::edit_file(
        &l.dir.join("releases.yml"),
        "patches: []",
        &format!("patches:\n  - name: fix\n    patch: [\"{url}\"]"),
    );
    let run = |offline: &str| {
        Command::new(env!("CARGO_BIN_EXE_longhaul"))
            .arg("-C")
            .arg(&l.dir)
            .args(["--json", "verify"])
            .env("LONGHAUL_OFFLINE", offline)
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap()
    };

    let out = run("1");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v["releases"][0]["unverifiable"].is_null(), "{v}");
    listener.set_nonblocking(true).unwrap();
    assert!(
        listener.accept().is_err(),
        "LONGHAUL_OFFLINE=1 still connected"
    );
    listener.set_nonblocking(false).unwrap();

    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).unwrap();
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            patch.len()
        )
        .unwrap();
        s.write_all(&patch).unwrap();
    });
    let out = run("0");
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = run("maybe");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("LONGHAUL_OFFLINE") || stderr(&out).contains("--offline"),
        "{}",
        stderr(&out)
    );
}
