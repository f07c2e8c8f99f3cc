//! `go list` as the oracle for the Go package graph that `longhaul affected`
//! reads from a tree without Go: for every package, the packages that depend
//! on it (from each package's `Deps`) and the packages whose tests import one
//! of those (`TestImports`, `XTestImports`), in module mode with `vendor/` and
//! in GOPATH mode.

mod common;

use common::{GitRepo, tool};
use longhaul::checks::build_constraints::Target;
use longhaul::checks::go_packages::PackageGraph;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// A module with what the graph must get right: a vendored dependency that
/// imports its own sub-package, files for another GOOS, `//go:build ignore`,
/// `// +build` lines, a `_linux.go` file, in-package and external tests, a
/// package with tests only, cgo, a nested module, and folders `go` skips.
const FILES: &[(&str, &str)] = &[
    (
        "go.mod",
        "module example.com/app\n\ngo 1.19\n\nrequire example.com/dep v1.0.0\n",
    ),
    (
        "vendor/modules.txt",
        "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\nexample.com/dep/sub\n",
    ),
    (
        "vendor/example.com/dep/dep.go",
        "package dep\n\nimport \"example.com/dep/sub\"\n\nvar X = sub.Y\n",
    ),
    (
        "vendor/example.com/dep/sub/sub.go",
        "package sub\n\nvar Y = 1\n",
    ),
    (
        "core/core.go",
        "// Package core.\npackage core\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/dep\"\n)\n\nvar _ = fmt.Sprint(dep.X)\n",
    ),
    (
        "core/core_windows.go",
        "package core\n\nimport _ \"example.com/app/winonly\"\n",
    ),
    ("winonly/w.go", "package winonly\n"),
    (
        "api/api.go",
        "package api\n\nimport \"example.com/app/core\"\n\nvar _ = core.Name\n",
    ),
    ("core/name.go", "package core\n\nconst Name = \"core\"\n"),
    (
        "api/api_test.go",
        "package api\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/testutil\"\n)\n\nfunc TestA(t *testing.T) { testutil.Help() }\n",
    ),
    (
        "api/x_test.go",
        "package api_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/api\"\n\t\"example.com/app/leaf\"\n)\n\nfunc TestX(t *testing.T) { _ = leaf.L }\n\nvar _ = api.V\n",
    ),
    ("api/v.go", "package api\n\nvar V = 1\n"),
    ("leaf/leaf.go", "package leaf\n\nvar L = 1\n"),
    (
        "testutil/t.go",
        "package testutil\n\nimport \"example.com/app/core\"\n\nfunc Help() { _ = core.Name }\n",
    ),
    (
        "tagged/t.go",
        "//go:build ignore\n\npackage tagged\n\nimport _ \"example.com/app/api\"\n",
    ),
    ("tagged/u.go", "package tagged\n"),
    (
        "plus/p.go",
        "// +build !linux\n\npackage plus\n\nimport _ \"example.com/app/api\"\n",
    ),
    (
        "plus/doc.go",
        "// +build windows\npackage plus\n\nimport _ \"example.com/app/leaf\"\n",
    ),
    (
        "plus/q.go",
        "package plus\n\nimport _ \"example.com/app/util\"\n",
    ),
    ("util/util.go", "package util\n"),
    (
        "util/util_linux.go",
        "package util\n\nimport _ \"example.com/app/core\"\n",
    ),
    (
        "util/util_darwin_arm64.go",
        "package util\n\nimport _ \"example.com/app/leaf\"\n",
    ),
    (
        "cmd/app/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/app/api\"\n)\n\nfunc main() { fmt.Println(api.V) }\n",
    ),
    (
        "onlytests/o_test.go",
        "package onlytests\n\nimport (\n\t\"testing\"\n\n\t\"example.com/app/core\"\n)\n\nfunc TestO(t *testing.T) { _ = core.Name }\n",
    ),
    (
        "withcgo/c.go",
        "package withcgo\n\n// int one() { return 1; }\nimport \"C\"\n\nimport _ \"example.com/app/leaf\"\n",
    ),
    (
        "withcgo/nocgo.go",
        "//go:build !cgo\n\npackage withcgo\n\nimport _ \"example.com/app/util\"\n",
    ),
    (
        "testdata/x/x.go",
        "package x\n\nimport _ \"example.com/app/core\"\n",
    ),
    (
        "_hidden/h.go",
        "package hidden\n\nimport _ \"example.com/app/core\"\n",
    ),
];

/// What `go list -deps -json ./...` says of one package.
struct Listed {
    deps: BTreeSet<String>,
    test_imports: BTreeSet<String>,
}

fn go_list(go: &Path, dir: &Path, env: &[(&str, &str)], strip: &str) -> BTreeMap<String, Listed> {
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(go);
    cmd.args(["list", "-e", "-deps", "-test=false", "-json", "./..."])
        .current_dir(dir)
        .env("GOCACHE", cache.path())
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOOS", "linux")
        .env("GOARCH", "amd64")
        .env("CGO_ENABLED", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "go list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rename = |p: &str| p.strip_prefix(strip).unwrap_or(p).to_string();
    let mut listed = BTreeMap::new();
    for value in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<serde_json::Value>()
    {
        let v = value.unwrap();
        if v["Standard"].as_bool() == Some(true) {
            continue;
        }
        let strings = |key: &str| -> BTreeSet<String> {
            v[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str())
                .map(rename)
                .collect()
        };
        let mut test_imports = strings("TestImports");
        test_imports.extend(strings("XTestImports"));
        listed.insert(
            rename(v["ImportPath"].as_str().unwrap()),
            Listed {
                deps: strings("Deps"),
                test_imports,
            },
        );
    }
    listed
}

/// For every package `go` lists, longhaul's affected and tests sets equal the
/// ones derived from `go list`.
fn assert_agrees(graph: &PackageGraph, listed: &BTreeMap<String, Listed>, mode: &str) {
    let universe: BTreeSet<&String> = listed.keys().collect();
    for name in &universe {
        assert!(
            graph.packages.contains_key(*name),
            "{mode}: longhaul has no package {name}; it has {:?}",
            graph.packages.keys().collect::<Vec<_>>()
        );
    }
    let mut compared = 0;
    for x in &universe {
        let mut want_affected: BTreeSet<String> = listed
            .iter()
            .filter(|(_, l)| l.deps.contains(*x))
            .map(|(p, _)| p.clone())
            .collect();
        want_affected.insert((*x).clone());
        let want_tests: BTreeSet<String> = listed
            .iter()
            .filter(|(p, l)| {
                !want_affected.contains(*p)
                    && l.test_imports.iter().any(|i| want_affected.contains(i))
            })
            .map(|(p, _)| p.clone())
            .collect();
        let got = graph.reached_from([(*x).clone()].into());
        let in_universe = |v: &[String]| -> BTreeSet<String> {
            v.iter().filter(|p| universe.contains(p)).cloned().collect()
        };
        assert_eq!(
            in_universe(&got.affected),
            want_affected,
            "{mode}: packages reached from {x}"
        );
        assert_eq!(
            in_universe(&got.tests),
            want_tests,
            "{mode}: test-only importers of what {x} reaches"
        );
        compared += 1;
    }
    assert!(compared >= 12, "{mode}: only {compared} packages compared");
}

#[test]
fn affected_agrees_with_go_list_in_module_and_gopath_mode() {
    let Some(go) = tool(
        "affected_agrees_with_go_list_in_module_and_gopath_mode",
        "go",
        "apt-get install golang-go",
    ) else {
        return;
    };
    let repo = GitRepo::new();
    for (path, content) in FILES {
        repo.write(path, content.as_bytes());
    }
    let commit = repo.commit_all("app");
    let git = longhaul::repo::open(repo.path()).unwrap();
    let local = longhaul::repo::in_memory(&git);
    let tree = longhaul::repo::tree_of(&local, commit.parse().unwrap()).unwrap();
    let graph = PackageGraph::load(&local, tree, &Target::default()).unwrap();
    assert_eq!(graph.module.as_deref(), Some("example.com/app"));

    let listed = go_list(
        &go,
        repo.path(),
        &[("GO111MODULE", "on"), ("GOFLAGS", "-mod=vendor")],
        "",
    );
    assert!(
        listed.contains_key("example.com/dep/sub")
            && listed.contains_key("example.com/app/onlytests")
    );
    assert_agrees(&graph, &listed, "module mode");

    // GOPATH mode: the same files under GOPATH/src/<module path>.
    let gopath = tempfile::tempdir().unwrap();
    let dir = gopath.path().join("src/example.com/app");
    for (path, content) in FILES {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    let listed = go_list(
        &go,
        &dir,
        &[
            ("GO111MODULE", "off"),
            ("GOPATH", gopath.path().to_str().unwrap()),
        ],
        "example.com/app/vendor/",
    );
    assert_agrees(&graph, &listed, "GOPATH mode");
}
