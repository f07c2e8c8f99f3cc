//! The module rung (issue 21) on real repositories that vendor their modules:
//! two lines that drifted apart (the old line has a module of its own next to
//! the bumped one, so `git cherry-pick` conflicts in every module file), a
//! bump upstream, and the port onto the old line, file by file equal to what
//! the maintainer's `go mod edit -require … && go mod tidy && go mod vendor`
//! gives there. With Go installed that is Go's own answer, offline (a module
//! cache written by the test, `GOPROXY=off`), and `go list -mod=vendor ./...`
//! accepts the port; without Go the expected files are the test's own and
//! the Go half says it was skipped.

mod common;

use common::{GitRepo, tool};
use longhaul::port::{Rung, Status};
use std::path::Path;
use std::process::Command;

/// Module versions of the fixture: path, version, files; then the `go.sum`
/// hashes of the module and of its go.mod (Go checks both).
type Module = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

const LICENSE: &str = "dep license\n";
const DEP_MOD: &str = "module example.com/dep\n\ngo 1.17\n";
const UTIL_MOD: &str = "module example.com/util\n\ngo 1.17\n";

const MODULES: &[Module] = &[
    (
        "example.com/dep",
        "v1.0.0",
        &[
            ("go.mod", DEP_MOD),
            ("LICENSE", LICENSE),
            (
                "dep.go",
                "// Package dep is a dependency.\npackage dep\n\n// V is the version.\nconst V = \"1.0.0\"\n",
            ),
        ],
        "h1:OyjmjKams7E/J6z4P06BKjcWtds6GETCt1TeM53lS+8=",
        "h1:rvH0cDjiiR4IU/GhijvOB7FJDcIXl9PjN9KhYoHlYOM=",
    ),
    (
        "example.com/dep",
        "v1.1.0",
        &[
            ("go.mod", DEP_MOD),
            ("LICENSE", LICENSE),
            (
                "dep.go",
                "// Package dep is a dependency.\npackage dep\n\n// V is the version.\nconst V = \"1.1.0\"\n",
            ),
            (
                "fix.go",
                "package dep\n\n// Fixed says the fix is in.\nfunc Fixed() bool { return true }\n",
            ),
        ],
        "h1:25WvhC9wFuYOAwI4uCPAeRiXfC02w3H0VGu+2sfDmRc=",
        "h1:rvH0cDjiiR4IU/GhijvOB7FJDcIXl9PjN9KhYoHlYOM=",
    ),
    (
        "example.com/dep",
        "v1.2.0",
        &[
            (
                "go.mod",
                "module example.com/dep\n\ngo 1.17\n\nrequire example.com/util v1.1.0\n",
            ),
            ("LICENSE", LICENSE),
            (
                "dep.go",
                "// Package dep is a dependency.\npackage dep\n\nimport \"example.com/util\"\n\n// V is the version.\nconst V = \"1.2.0\"\n\n// U needs util v1.1.0.\nvar U = util.Version\n",
            ),
        ],
        "h1:8kHrC0JiM29hhAvP5FkVsMane/I1fzbchuidcg82hM0=",
        "h1:ZlKWAC4Y+67qfekDSMJLq9oOkMw5YXsh8uLni8HveOo=",
    ),
    (
        "example.com/util",
        "v1.0.0",
        &[
            ("go.mod", UTIL_MOD),
            (
                "util.go",
                "// Package util helps.\npackage util\n\n// Name is the name.\nconst Name = \"util\"\n",
            ),
        ],
        "h1:r5JDe+kvyXJpY2kXmOb+T+63WEblNw/yfuGQdFo3PjM=",
        "h1:hb0MQoDyghVa33QUzS/GpcDHb8plWstVIN6P36ldKA4=",
    ),
    (
        "example.com/util",
        "v1.1.0",
        &[
            ("go.mod", UTIL_MOD),
            (
                "util.go",
                "// Package util helps.\npackage util\n\n// Name is the name.\nconst Name = \"util\"\n\n// Version is new in v1.1.0.\nconst Version = \"v1.1.0\"\n",
            ),
        ],
        "h1:WSVkef6Z5SxOT0TndhK1ghHyEtIZtRDbjKNnaK5vmT4=",
        "h1:hb0MQoDyghVa33QUzS/GpcDHb8plWstVIN6P36ldKA4=",
    ),
    (
        "example.com/legacy",
        "v0.1.0",
        &[
            ("go.mod", "module example.com/legacy\n\ngo 1.17\n"),
            (
                "legacy.go",
                "// Package legacy is the old line's own.\npackage legacy\n\n// Old is old.\nconst Old = true\n",
            ),
        ],
        "h1:M0Cj8frLVz48GlpvV6l769XEgiBZWlvh8gHZdug5+uo=",
        "h1:j1Fgib5HjV/J6WSF43enieR4kC0Jx1zJgJHyarfPzDo=",
    ),
];

fn module(path: &str, version: &str) -> &'static Module {
    MODULES
        .iter()
        .find(|m| m.0 == path && m.1 == version)
        .expect("a fixture module")
}

/// The app's files for these module versions, vendored as `go mod vendor`
/// vendors them: go.mod, go.sum, vendor/modules.txt and each module's folder.
fn vendored(repo: &GitRepo, versions: &[(&str, &str)]) {
    let mut go_mod = String::from("module example.com/app\n\ngo 1.17\n\nrequire (\n");
    let (mut go_sum, mut modules) = (String::new(), String::new());
    let mut sorted = versions.to_vec();
    sorted.sort();
    for (path, version) in &sorted {
        let m = module(path, version);
        go_mod.push_str(&format!("\t{path} {version}\n"));
        go_sum.push_str(&format!(
            "{path} {version} {}\n{path} {version}/go.mod {}\n",
            m.3, m.4
        ));
        modules.push_str(&format!(
            "# {path} {version}\n## explicit; go 1.17\n{path}\n"
        ));
        let _ = std::fs::remove_dir_all(repo.path().join("vendor").join(path));
        for (name, content) in m.2.iter().filter(|(n, _)| *n != "go.mod") {
            repo.write(&format!("vendor/{path}/{name}"), content.as_bytes());
        }
    }
    go_mod.push_str(")\n");
    repo.write("go.mod", go_mod.as_bytes());
    repo.write("go.sum", go_sum.as_bytes());
    repo.write("vendor/modules.txt", modules.as_bytes());
    let imports: String = sorted
        .iter()
        .map(|(p, _)| format!("\t_ \"{p}\"\n"))
        .collect();
    repo.write(
        "main.go",
        format!("package main\n\nimport (\n{imports})\n\nfunc main() {{}}\n").as_bytes(),
    );
}

/// A repository with upstream's bump of example.com/dep from `from` to `to`
/// (upstream also has `upstream_util`) and an old line with `old_util` and a
/// module of its own: (repo, bump commit, old line commit).
fn drifted(from: &str, to: &str, upstream_util: &str, old_util: &str) -> (GitRepo, String, String) {
    let repo = GitRepo::new();
    vendored(
        &repo,
        &[("example.com/dep", from), ("example.com/util", old_util)],
    );
    repo.write("README", b"app\n");
    repo.commit_all("v1");
    repo.git(&["tag", "v1"]);
    vendored(
        &repo,
        &[
            ("example.com/dep", from),
            ("example.com/util", upstream_util),
        ],
    );
    repo.commit_all("upstream moves on");
    vendored(
        &repo,
        &[("example.com/dep", to), ("example.com/util", upstream_util)],
    );
    let bump = repo.commit_all("bump example.com/dep");
    repo.git(&["checkout", "-q", "-b", "old", "v1"]);
    vendored(
        &repo,
        &[
            ("example.com/dep", from),
            ("example.com/legacy", "v0.1.0"),
            ("example.com/util", old_util),
        ],
    );
    repo.write("README", b"app, old line\n");
    let old = repo.commit_all("old line");
    (repo, bump, old)
}

/// The port of the bump onto the old line, and the tree expected there: the
/// old line with example.com/dep at v1.1.0 (Go's own answer when Go is
/// installed, else the test's).
struct Ported {
    repo: GitRepo,
    outcome: longhaul::port::Outcome,
    expected: String,
    cherry_pick: Option<String>,
}

fn ported() -> Ported {
    ported_with_upstream_util("v1.0.0")
}

/// [`ported`], upstream having example.com/util at `upstream_util`.
fn ported_with_upstream_util(upstream_util: &str) -> Ported {
    let (repo, bump, old) = drifted("v1.0.0", "v1.1.0", upstream_util, "v1.0.0");
    let outcome = repo.longhaul_port(&bump, &old);
    let cherry_pick = repo.cherry_pick_tree(&bump, &old);
    vendored(
        &repo,
        &[
            ("example.com/dep", "v1.1.0"),
            ("example.com/legacy", "v0.1.0"),
            ("example.com/util", "v1.0.0"),
        ],
    );
    let expected = repo.commit_all("what the maintainer commits");
    let mut expected = repo.tree(&expected);
    if let Some(go) = go("the module rung's oracle") {
        repo.git(&["checkout", "-q", "-f", &old]);
        let cache = tempfile::tempdir().unwrap();
        module_cache(cache.path());
        go_run(
            &go,
            repo.path(),
            cache.path(),
            &["mod", "edit", "-require=example.com/dep@v1.1.0"],
        );
        go_run(&go, repo.path(), cache.path(), &["mod", "tidy"]);
        go_run(&go, repo.path(), cache.path(), &["mod", "vendor"]);
        let by_go = repo.commit_all("go mod tidy && go mod vendor");
        let by_go = repo.tree(&by_go);
        assert_eq!(
            by_go, expected,
            "the test's expected tree is what Go writes"
        );
        expected = by_go;
    }
    Ported {
        repo,
        outcome,
        expected,
        cherry_pick,
    }
}

fn go(test: &str) -> Option<std::path::PathBuf> {
    tool(test, "go", "apt-get install golang-go")
}

/// A Go module cache holding the fixture modules, as `go mod download` leaves
/// it: what `GOPROXY=off` lets Go read.
fn module_cache(dir: &Path) {
    for (path, version, files, zip_hash, _) in MODULES {
        let download = dir.join("cache/download").join(path).join("@v");
        std::fs::create_dir_all(&download).unwrap();
        let go_mod = files.iter().find(|(n, _)| *n == "go.mod").unwrap().1;
        std::fs::write(download.join(format!("{version}.mod")), go_mod).unwrap();
        std::fs::write(download.join(format!("{version}.ziphash")), zip_hash).unwrap();
        std::fs::write(
            download.join(format!("{version}.info")),
            format!("{{\"Version\":\"{version}\",\"Time\":\"2024-01-01T00:00:00Z\"}}"),
        )
        .unwrap();
        let extracted = dir.join(format!("{path}@{version}"));
        for (name, content) in files.iter() {
            std::fs::create_dir_all(&extracted).unwrap();
            std::fs::write(extracted.join(name), content).unwrap();
        }
    }
}

/// Run `go ARGS` in `dir`, offline: the module cache `cache`, no proxy, no
/// checksum database, no network.
fn go_output(
    go: &Path,
    dir: &Path,
    cache: &Path,
    flags: &str,
    args: &[&str],
) -> std::process::Output {
    Command::new(go)
        .args(args)
        .current_dir(dir)
        .env("GOMODCACHE", cache)
        .env("GOPATH", cache.join("gopath"))
        .env("GOCACHE", cache.join("gocache"))
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOFLAGS", flags)
        .env("GO111MODULE", "on")
        .env("GOWORK", "off")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("go runs")
}

fn go_run(go: &Path, dir: &Path, cache: &Path, args: &[&str]) {
    let out = go_output(go, dir, cache, "-mod=mod", args);
    assert!(
        out.status.success(),
        "go {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bytes of `path` in tree `tree` (empty when absent).
fn file(repo: &GitRepo, tree: &str, path: &str) -> String {
    let out = repo.git_output(&["show", &format!("{tree}:{path}")]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn port_tree(p: &Ported) -> String {
    assert_eq!(
        (p.outcome.status, p.outcome.rung),
        (Status::Resolved, Rung::Modules),
        "{:?}",
        p.outcome
    );
    p.outcome.tree.unwrap().to_string()
}

#[test]
fn go_mod_is_ported_by_module_path() {
    let p = ported();
    assert_eq!(p.cherry_pick, None, "cherry-pick conflicts");
    let tree = port_tree(&p);
    assert_eq!(
        file(&p.repo, &tree, "go.mod"),
        file(&p.repo, &p.expected, "go.mod")
    );
    assert!(file(&p.repo, &tree, "go.mod").contains("\texample.com/legacy v0.1.0\n"));
}

#[test]
fn go_sum_gets_upstreams_lines_and_loses_only_those_upstream_dropped() {
    let p = ported();
    let tree = port_tree(&p);
    assert_eq!(
        file(&p.repo, &tree, "go.sum"),
        file(&p.repo, &p.expected, "go.sum")
    );
}

#[test]
fn modules_txt_gets_upstreams_block() {
    let p = ported();
    let tree = port_tree(&p);
    assert_eq!(
        file(&p.repo, &tree, "vendor/modules.txt"),
        file(&p.repo, &p.expected, "vendor/modules.txt")
    );
}

/// The vendored folder is upstream's at the new version, whole; the whole
/// port is the expected tree, and Go builds its package list from it offline.
#[test]
fn the_vendored_folder_is_upstreams_and_go_accepts_the_tree() {
    let p = ported();
    let tree = port_tree(&p);
    let listing = |t: &str| p.repo.git(&["ls-tree", "-r", t, "vendor/example.com/dep"]);
    assert_eq!(listing(&tree), listing(&p.expected));
    assert_eq!(
        tree, p.expected,
        "the whole port is what the maintainer commits"
    );
    let Some(go) = go("the_vendored_folder_is_upstreams_and_go_accepts_the_tree") else {
        return;
    };
    let checkout = tempfile::tempdir().unwrap();
    let out = p.repo.git_output(&[
        "--work-tree",
        checkout.path().to_str().unwrap(),
        "checkout",
        &tree,
        "--",
        ".",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let empty_cache = tempfile::tempdir().unwrap();
    let out = go_output(
        &go,
        checkout.path(),
        empty_cache.path(),
        "-mod=vendor",
        &["list", "./..."],
    );
    assert!(
        out.status.success(),
        "go list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "example.com/app\n");
}

/// Upstream bumps example.com/dep to v1.2.0, which requires util v1.1.0;
/// upstream already had util v1.1.0, the old line has v1.0.0: the port is a
/// conflict naming example.com/util (Go, given the module cache, raises it).
#[test]
fn a_port_needing_a_missing_transitive_module_is_a_conflict_naming_it() {
    let (repo, bump, old) = drifted("v1.1.0", "v1.2.0", "v1.1.0", "v1.0.0");
    let outcome = repo.longhaul_port(&bump, &old);
    assert_eq!(outcome.status, Status::Conflict, "{outcome:?}");
    let reasons: Vec<&str> = outcome
        .conflicts
        .iter()
        .map(|c| c.reason.as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("example.com/util v1.0.0 (upstream's commit has v1.1.0)")),
        "{reasons:?}"
    );
    let Some(go) = go("a_port_needing_a_missing_transitive_module_is_a_conflict_naming_it") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    module_cache(cache.path());
    go_run(
        &go,
        repo.path(),
        cache.path(),
        &["mod", "edit", "-require=example.com/dep@v1.2.0"],
    );
    go_run(&go, repo.path(), cache.path(), &["mod", "tidy"]);
    let go_mod = std::fs::read_to_string(repo.path().join("go.mod")).unwrap();
    assert!(
        go_mod.contains("example.com/util v1.1.0"),
        "Go needs util v1.1.0 too:\n{go_mod}"
    );
}

/// Upstream builds with a newer util than the old line, but dep v1.1.0 has
/// the very go.mod of v1.0.0 (the same `/go.mod` hash in both go.sum files):
/// its requirements are the old line's, so the bump ports, util stays at
/// v1.0.0, and the port is what Go's `go mod tidy && go mod vendor` writes.
#[test]
fn a_new_version_with_the_same_go_mod_needs_nothing_more() {
    let p = ported_with_upstream_util("v1.1.0");
    assert_eq!(p.cherry_pick, None, "cherry-pick conflicts");
    let tree = port_tree(&p);
    assert_eq!(tree, p.expected, "the port is what the maintainer commits");
    assert!(file(&p.repo, &tree, "go.mod").contains("\texample.com/util v1.0.0\n"));
}

/// Module files from upstream's commit are data: a `modules.txt` naming a
/// folder outside vendor/, or a go.mod requirement that is no module path,
/// is a conflict naming the file and line (the rung reads no further).
#[test]
fn hostile_module_files_are_refused_with_the_line() {
    for (file_name, from, to) in [
        (
            "vendor/modules.txt",
            "# example.com/util",
            "# ../../escape v1.1.0\n../../escape\n# example.com/util",
        ),
        (
            "go.mod",
            "\texample.com/util",
            "\t../../escape v1.1.0\n\texample.com/util",
        ),
    ] {
        let (repo, _, old) = drifted("v1.0.0", "v1.1.0", "v1.0.0", "v1.0.0");
        repo.git(&["checkout", "-q", "main"]);
        let text = std::fs::read_to_string(repo.path().join(file_name)).unwrap();
        repo.write(file_name, text.replace(from, to).as_bytes());
        repo.git(&["commit", "-q", "-a", "--amend", "-m", "bump, hostile"]);
        let hostile = repo.git(&["rev-parse", "HEAD"]);
        let outcome = repo.longhaul_port(&hostile, &old);
        assert_eq!(outcome.status, Status::Conflict, "{file_name}: {outcome:?}");
        assert!(
            outcome
                .conflicts
                .iter()
                .any(|c| c.file == file_name
                    && c.reason.contains(&format!("cannot read {file_name}:"))),
            "{file_name}: {:?}",
            outcome.conflicts
        );
    }
}

/// Upstream's vendored folder is data too: a symbolic link inside the module
/// folder it bumps (pointing out of the repository), or the folder itself a
/// link, is a conflict naming it; nothing of it reaches the port.
#[test]
fn links_in_upstreams_vendored_folder_are_refused() {
    for (link, name) in [
        ("vendor/example.com/dep/evil", "vendor/example.com/dep/evil"),
        ("vendor/example.com/dep", "vendor/example.com/dep"),
    ] {
        let (repo, _, old) = drifted("v1.0.0", "v1.1.0", "v1.0.0", "v1.0.0");
        repo.git(&["checkout", "-q", "main"]);
        let at = repo.path().join(link);
        if at.is_dir() {
            std::fs::remove_dir_all(&at).unwrap();
        }
        std::os::unix::fs::symlink("../../../../../../etc", &at).unwrap();
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "--amend", "-m", "bump, with a link"]);
        let hostile = repo.git(&["rev-parse", "HEAD"]);
        let outcome = repo.longhaul_port(&hostile, &old);
        assert_eq!(outcome.status, Status::Conflict, "{link}: {outcome:?}");
        assert!(
            outcome
                .conflicts
                .iter()
                .any(|c| c.file == name && c.reason.contains("module rung")),
            "{link}: {:?}",
            outcome.conflicts
        );
        assert_eq!(outcome.tree, None);
    }
}
