//! verify and build end to end on a real repository, and URL patch items served
//! by a loopback HTTP server started here.

mod common;

use common::GitRepo;
use longhaul::apply::tree::ApplyOptions;
use longhaul::release::build::{Identity, build_release};
use longhaul::release::manifest::{Manifest, PatchSource};
use longhaul::release::patch_cache::{LoadError, PatchLoader};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

/// An upstream with tag v1.0.0 and a series of two patch files made on it.
struct Fixture {
    upstream: GitRepo,
    lts: tempfile::TempDir,
    fix_patch: Vec<u8>,
}

fn fixture() -> Fixture {
    let upstream = GitRepo::new();
    upstream.write("pkg/a.go", b"package a\n\nfunc A() int {\n\treturn 1\n}\n");
    upstream.write("pkg/b.go", b"package b\n");
    upstream.commit_all("v1.0.0");
    upstream.git(&["tag", "v1.0.0"]);
    upstream.write("pkg/a.go", b"package a\n\nfunc A() int {\n\treturn 2\n}\n");
    upstream.commit_all("fix A (CVE-2099-0001)");
    upstream.write("pkg/b.go", b"package b\n\nconst B = 1\n");
    upstream.commit_all("add B");
    let lts = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(lts.path().join("patches")).unwrap();
    upstream.format_patch("v1.0.0..HEAD~1", &lts.path().join("patches/fix-a.patch"));
    upstream.format_patch("HEAD~1..HEAD", &lts.path().join("patches/add-b.patch"));
    let fix_patch = std::fs::read(lts.path().join("patches/fix-a.patch")).unwrap();
    upstream.git(&["checkout", "-q", "--detach", "v1.0.0"]);
    upstream.git(&["branch", "-q", "-D", "main"]);
    Fixture {
        upstream,
        lts,
        fix_patch,
    }
}

fn write_manifest(dir: &Path, body: &str) -> Manifest {
    let path = dir.join("releases.yml");
    std::fs::write(&path, body).unwrap();
    Manifest::load(&path).unwrap()
}

const MANIFEST: &str = "releases:\n  - name: v1.0.0-lts.2\n    base_release: v1.0.0-lts.1\n    must: true\n    patches: [add-b]\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [fix-a]\npatches: []\n";

#[test]
fn verify_writes_nothing_and_matches_git() {
    let f = fixture();
    let m = write_manifest(f.lts.path(), MANIFEST);
    let loader = PatchLoader::new(f.lts.path().join("cache"), false);
    let plan = longhaul::release::plan::plan(&m, "v1.0.0-lts.2", &loader).unwrap();
    assert_eq!(plan.chain, ["v1.0.0-lts.1", "v1.0.0-lts.2"]);
    let before = f.upstream.git_dir_snapshot();
    let repo = longhaul::repo::open(f.upstream.path()).unwrap();
    let report = longhaul::release::verify::verify_all(
        &repo,
        &m,
        &[plan],
        ApplyOptions::default(),
        2,
        &|_| {},
    )
    .unwrap();
    assert_eq!(
        f.upstream.git_dir_snapshot(),
        before,
        "verify must not write to the repository"
    );
    let r = &report.releases[0];
    assert!(r.ok, "{r:?}");
    assert_eq!(r.base, "v1.0.0");
    let git = f.upstream.git_am_tree(
        "v1.0.0",
        &[
            f.lts.path().join("patches/fix-a.patch"),
            f.lts.path().join("patches/add-b.patch"),
        ],
    );
    assert_eq!(r.tree.as_deref(), git.as_deref());
}

#[test]
fn build_writes_commits_and_tag_and_never_moves_it_without_force() {
    let f = fixture();
    let m = write_manifest(f.lts.path(), MANIFEST);
    let loader = PatchLoader::new(f.lts.path().join("cache"), false);
    let plan = longhaul::release::plan::plan(&m, "v1.0.0-lts.2", &loader).unwrap();
    let repo = longhaul::repo::open(f.upstream.path()).unwrap();
    let who = Identity {
        name: "Rel Eng".into(),
        email: "releng@example.org".into(),
        time: 1_700_000_000,
        offset: 3600,
    };
    let built = build_release(&repo, &m, &plan, ApplyOptions::default(), &who, false).unwrap();
    assert_eq!(built.commits, 2);
    assert_eq!(
        f.upstream.git(&["cat-file", "-t", "v1.0.0-lts.2"]),
        "tag",
        "annotated tag"
    );
    assert_eq!(
        f.upstream.git(&["rev-parse", "v1.0.0-lts.2^{commit}"]),
        built.commit
    );
    assert_eq!(
        f.upstream.git(&["rev-parse", "v1.0.0-lts.2^{tree}"]),
        built.tree
    );
    let log = f.upstream.git(&[
        "log",
        "--format=%an|%ae|%ad|%cn|%s",
        "--date=raw",
        "v1.0.0..v1.0.0-lts.2",
    ]);
    assert_eq!(
        log,
        "Test Author|author@example.org|1704067200 +0000|Rel Eng|add B\nTest Author|author@example.org|1704067200 +0000|Rel Eng|fix A (CVE-2099-0001)"
    );
    f.upstream.git(&["fsck", "--strict", "--no-dangling"]);

    // Like `git am -3`, a patch that is already there adds no commit.
    let twice = write_manifest(
        f.lts.path(),
        "releases:\n  - name: v1.0.0-lts.3\n    base_release: v1.0.0\n    patches: [fix-a, fix-a]\npatches: []\n",
    );
    let plan_twice = longhaul::release::plan::plan(&twice, "v1.0.0-lts.3", &loader).unwrap();
    let built_twice = build_release(
        &repo,
        &twice,
        &plan_twice,
        ApplyOptions::default(),
        &who,
        false,
    )
    .unwrap();
    assert_eq!(built_twice.commits, 1);
    let m = write_manifest(f.lts.path(), MANIFEST);

    let tag_before = f.upstream.git(&["rev-parse", "refs/tags/v1.0.0-lts.2"]);
    let again = build_release(&repo, &m, &plan, ApplyOptions::default(), &who, false);
    assert!(
        matches!(again, Err(longhaul::Error::TagExists { .. })),
        "{again:?}"
    );
    assert_eq!(
        f.upstream.git(&["rev-parse", "refs/tags/v1.0.0-lts.2"]),
        tag_before
    );

    let later = Identity {
        time: 1_800_000_000,
        ..who
    };
    let moved = build_release(&repo, &m, &plan, ApplyOptions::default(), &later, true).unwrap();
    assert!(moved.replaced);
    assert_ne!(
        f.upstream.git(&["rev-parse", "refs/tags/v1.0.0-lts.2"]),
        tag_before
    );
}

#[test]
fn failed_build_changes_nothing() {
    let f = fixture();
    // fix-a and add-b apply; `bad` (a plain diff, so no 3-way fallback) does not.
    std::fs::write(
        f.lts.path().join("patches/bad.patch"),
        "--- a/pkg/a.go\n+++ b/pkg/a.go\n@@ -3,3 +3,3 @@\n func A() int {\n-\treturn 7\n+\treturn 8\n }\n",
    )
    .unwrap();
    let m = write_manifest(
        f.lts.path(),
        "releases:\n  - name: v1.0.0-lts.9\n    base_release: v1.0.0\n    patches: [fix-a, add-b, bad]\npatches: []\n",
    );
    let loader = PatchLoader::new(f.lts.path().join("cache"), false);
    let plan = longhaul::release::plan::plan(&m, "v1.0.0-lts.9", &loader).unwrap();
    let repo = longhaul::repo::open(f.upstream.path()).unwrap();
    let before = f.upstream.git_dir_snapshot();
    let who = Identity {
        name: "R".into(),
        email: "r@example.org".into(),
        time: 0,
        offset: 0,
    };
    let err = build_release(&repo, &m, &plan, ApplyOptions::default(), &who, false).unwrap_err();
    assert!(err.to_string().contains("patch `bad`"), "{err}");
    assert!(err.to_string().contains("pkg/a.go"), "{err}");
    assert_eq!(f.upstream.git_dir_snapshot(), before);
}

/// Serve `body` at `/fix.patch` (404 elsewhere) for up to `requests` requests.
fn serve(body: Vec<u8>, requests: usize) -> (String, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap();
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let (status, payload) = if path == "/fix.patch" {
                ("200 OK", body.clone())
            } else {
                ("404 Not Found", b"nope".to_vec())
            };
            served += 1;
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                payload.len()
            )
            .unwrap();
            stream.write_all(&payload).unwrap();
        }
        served
    });
    (url, handle)
}

#[test]
fn url_items_download_into_the_cache_or_mark_only_their_releases_unverifiable() {
    let f = fixture();
    let (url, server) = serve(f.fix_patch.clone(), 2);
    let manifest = format!(
        "releases:\n  - name: v1.0.0-lts.1\n    base_release: v1.0.0\n    patches: [from-url]\n  - name: v1.0.0-lts.2\n    base_release: v1.0.0\n    patches: [add-b]\n  - name: v1.0.0-lts.3\n    base_release: v1.0.0\n    patches: [gone]\npatches:\n  - name: from-url\n    patch: [{url}/fix.patch]\n  - name: gone\n    patch: [{url}/gone.patch]\n"
    );
    let m = write_manifest(f.lts.path(), &manifest);
    let repo = longhaul::repo::open(f.upstream.path()).unwrap();
    let cache = f.lts.path().join("cache");
    let online = PatchLoader::new(&cache, true);
    let plans: Vec<_> = ["v1.0.0-lts.1", "v1.0.0-lts.2", "v1.0.0-lts.3"]
        .iter()
        .map(|r| longhaul::release::plan::plan(&m, r, &online).unwrap())
        .collect();
    let report = longhaul::release::verify::verify_all(
        &repo,
        &m,
        &plans,
        ApplyOptions::default(),
        1,
        &|_| {},
    )
    .unwrap();
    assert_eq!(server.join().unwrap(), 2);
    assert!(report.releases[0].ok, "{:?}", report.releases[0]);
    assert!(online.is_cached(&format!("{url}/fix.patch")));
    assert!(report.releases[1].ok);
    let gone = &report.releases[2];
    assert!(!gone.ok);
    assert_eq!(gone.unverifiable.len(), 1);
    assert!(
        gone.unverifiable[0].reason.contains("404"),
        "{:?}",
        gone.unverifiable
    );

    // Offline with a fresh cache: only the release that needs the URL is unverifiable.
    let offline = PatchLoader::new(f.lts.path().join("empty-cache"), false);
    let plans: Vec<_> = ["v1.0.0-lts.1", "v1.0.0-lts.2"]
        .iter()
        .map(|r| longhaul::release::plan::plan(&m, r, &offline).unwrap())
        .collect();
    let report = longhaul::release::verify::verify_all(
        &repo,
        &m,
        &plans,
        ApplyOptions::default(),
        2,
        &|_| {},
    )
    .unwrap();
    assert!(!report.releases[0].ok);
    assert_eq!(
        report.releases[0].patches[0].status,
        longhaul::apply::tree::Status::Unverifiable
    );
    assert!(
        report.releases[0].unverifiable[0]
            .url
            .ends_with("/fix.patch")
    );
    assert!(report.releases[1].ok);
    assert!(!report.ok);
}

/// Issue 6, defect 6: a download that is not a patch (an HTML page served with
/// status 200) is reported and never stored, so a later run asks again instead
/// of failing on a poisoned cache; and the cache is keyed by the full URL.
#[test]
fn downloads_that_are_not_patches_are_not_cached() {
    let (url, server) = serve(
        b"<!DOCTYPE html><html>Sign in to continue</html>\n".to_vec(),
        2,
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let source = PatchSource::Url(format!("{url}/fix.patch"));
    for _ in 0..2 {
        let online = PatchLoader::new(&cache, true);
        let loaded = online.load(&source);
        let Err(LoadError::Invalid(file, _, message)) = loaded.as_ref() else {
            panic!("an HTML page is not a patch: {loaded:?}");
        };
        assert!(file.ends_with("/fix.patch"), "{file}");
        assert!(message.contains("not stored in the cache"), "{message}");
        assert!(!online.is_cached(&format!("{url}/fix.patch")));
    }
    assert_eq!(server.join().unwrap(), 2, "each run asked the server again");
    let stored: Vec<_> = std::fs::read_dir(&cache)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(stored.is_empty(), "{stored:?}");
}
