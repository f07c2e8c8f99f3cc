//! Publishing: release notes, the lifecycle table, the static site (in
//! headless Chromium too) and embargoes, on the bundled example.

mod common;

use common::{copy_dir, edit_file, example, longhaul_with_env, stderr, tool};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// 2026-11-26T00:00:00Z: the clock every test pins.
const NOW: &str = "1795651200";

/// The example with its advisories and statements.
fn lts() -> (tempfile::TempDir, PathBuf) {
    let (tmp, lts) = example();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    copy_dir(&src.join("advisories"), &lts.join("advisories"));
    std::fs::copy(src.join("statements.yml"), lts.join("statements.yml")).unwrap();
    (tmp, lts)
}

fn run(lts: &Path, args: &[&str], epoch: &str) -> std::process::Output {
    longhaul_with_env(lts, args, &[("SOURCE_DATE_EPOCH", epoch)])
}

fn stdout(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Every file of a folder, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The `href="…"` and `src="…"` values of a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            out.push(
                rest[..rest.find('"').unwrap()]
                    .replace("&#x2f;", "/")
                    .replace("&amp;", "&"),
            );
        }
    }
    out
}

/// Internal links of `page` (a path inside `site`) that point at no file.
fn broken_links(site: &Path, page: &str, html: &str) -> Vec<String> {
    let base = Path::new(page).parent().unwrap_or(Path::new(""));
    links(html)
        .into_iter()
        .filter(|l| !(l.starts_with("http://") || l.starts_with("https://") || l.starts_with('#')))
        .filter(|l| {
            let target = l.split('#').next().unwrap();
            let target = target
                .strip_prefix("file://")
                .map(PathBuf::from)
                .unwrap_or_else(|| site.join(base).join(target));
            !target.is_file()
        })
        .collect()
}

#[test]
fn notes_list_the_chain_its_cves_and_what_changed() {
    let (_tmp, lts) = lts();
    let md = stdout(&run(&lts, &["notes", "v1.0.3-lts.2"], NOW));
    for want in [
        "# v1.0.3-lts.2",
        "Built on upstream `v1.0.3`; compared with v1.0.3-lts.1",
        "- added `token-length`",
        "- now fixes CVE-2025-0001",
        "| CVE-2024-10220 | 7.5 high | fixed by CVE-2024-10220 |",
        "### v1.0.3-lts.2",
        "### v1.0.3-lts.1",
        "- **main-usage** (reason: regression)",
        "  - gitRepo volume: disable hooks when cloning (Ana Maintainer)",
    ] {
        assert!(md.contains(want), "{want:?} missing from:\n{md}");
    }
    // Newest release first.
    assert!(md.find("### v1.0.3-lts.2").unwrap() < md.find("### v1.0.3-lts.1").unwrap());

    let json: serde_json::Value = serde_json::from_str(&stdout(&run(
        &lts,
        &["--json", "notes", "v1.1.1-lts.1", "--since", "v1.0.3-lts.2"],
        NOW,
    )))
    .unwrap();
    assert_eq!(json["since"], "v1.0.3-lts.2");
    assert_eq!(json["base"], "v1.1.1");
    let fixed: Vec<&str> = json["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(fixed, ["CVE-2024-10220"]);
    assert_eq!(json["dropped"], serde_json::json!(["token-length"]));

    let bad = run(&lts, &["notes", "v9.9.9-lts.1"], NOW);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("no release named `v9.9.9-lts.1`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn lifecycle_reads_dates_go_and_flags_contradictions() {
    let (_tmp, lts) = lts();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&lts, &["--json", "lifecycle"], NOW))).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let r10 = &rows[0];
    assert_eq!(r10["line"], "1.0");
    assert_eq!(r10["released"], "2024-01-10");
    assert_eq!(
        r10["lts_end_of_life"], "2028-01-10",
        "three years after upstream's 2025-01-10"
    );
    assert_eq!(r10["newest_release"], "v1.0.3-lts.2");
    assert_eq!(r10["phase"], "lts");
    // The Go is read from the release's tree, as `check` reads it.
    assert_eq!(r10["go"]["source"], "go.mod");
    let go = std::fs::read_to_string(lts.join("../upstream/go.mod")).unwrap();
    let want = go
        .lines()
        .find_map(|l| l.strip_prefix("go "))
        .unwrap()
        .trim();
    assert_eq!(r10["go"]["version"], want);

    // Not maintained inside its window; maintained after its end.
    let text = std::fs::read_to_string(lts.join("releases.yml")).unwrap();
    let edited = text.replacen(
        "  - name: v1.1.1-lts.1\n    base_release: v1.1.1\n    must: true",
        "  - name: v1.1.1-lts.1\n    base_release: v1.1.1\n    must: false",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(lts.join("releases.yml"), edited).unwrap();
    // Warnings go to standard error, apart from the table (issue 18).
    let out = run(&lts, &["lifecycle"], NOW);
    let (human, warnings) = (stdout(&out), stderr(&out));
    assert!(warnings.contains("1.1: 1.1 is inside its LTS window (until 2028-06-01) but its newest release v1.1.1-lts.1 is not `must: true` [in-window-not-maintained]"), "{warnings}");
    assert!(!human.contains("warning"), "{human}");
    let later = stderr(&run(&lts, &["lifecycle"], "1861920000")); // 2029-01-01
    assert!(
        later.contains("1.0: LTS ended on 2028-01-10 but the manifest still maintains 1.0"),
        "{later}"
    );

    edit_file(
        &lts.join("releases.yml"),
        "\"1.0\": {released: 2024-01-10,",
        "\"1.0\": {released: 2024-02-30,",
    );
    let bad = run(&lts, &["lifecycle"], NOW);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("releases.yml:"), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("2024-02-30"), "{}", stderr(&bad));
}

#[test]
fn site_is_deterministic_linked_and_small() {
    let (tmp, lts) = lts();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    stdout(&run(&lts, &["site", "--out", a.to_str().unwrap()], NOW));
    stdout(&run(&lts, &["site", "--out", b.to_str().unwrap()], NOW));
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa, fb, "same inputs and time, same bytes");
    for want in [
        "index.html",
        "coverage.html",
        "releases/v1.0.3-lts.2.html",
        "cves/CVE-2024-10220.html",
        "vex/v1.0.3-lts.2.json",
        "notes/v1.0.3-lts.2.md",
        "releases.json",
        "coverage.json",
        "feed.xml",
        "files/patches/CVE-2024-10220.patch",
    ] {
        assert!(
            fa.contains_key(want),
            "{want} missing; have {:?}",
            fa.keys().collect::<Vec<_>>()
        );
    }
    for (path, bytes) in &fa {
        assert!(bytes.len() < 1 << 20, "{path} is over 1 MB");
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes.clone()).unwrap();
            assert_eq!(
                broken_links(&a, path, &html),
                Vec::<String>::new(),
                "{path}"
            );
            assert!(!html.contains("<script"), "{path}: no JavaScript");
        }
    }
    let page = String::from_utf8(fa["releases/v1.0.3-lts.2.html"].clone()).unwrap();
    assert!(page.contains("href=\"../vex/v1.0.3-lts.2.json\""), "{page}");
    // The VEX twin is the document `longhaul vex` writes.
    let vex = stdout(&run(
        &lts,
        &["vex", "v1.0.3-lts.2", "--timestamp", "2026-11-26T00:00:00Z"],
        NOW,
    ));
    assert_eq!(vex.as_bytes(), &fa["vex/v1.0.3-lts.2.json"][..]);
    // The feed has an entry per release and per CVE fixed.
    let feed = String::from_utf8(fa["feed.xml"].clone()).unwrap();
    assert_eq!(feed.matches("<entry>").count(), 3 + 2, "{feed}");
    assert!(
        feed.contains("<title>CVE-2024-10220 fixed by LTS patches</title>"),
        "{feed}"
    );
    // A later day changes only what depends on it.
    let c = tmp.path().join("c");
    stdout(&run(
        &lts,
        &["site", "--out", c.to_str().unwrap()],
        "1795737600",
    ));
    assert_eq!(
        files(&c)["files/patches/CVE-2024-10220.patch"],
        fa["files/patches/CVE-2024-10220.patch"]
    );

    // A folder that holds other files is refused and left as it was.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "mine").unwrap();
    let refused = run(&lts, &["site", "--out", other.to_str().unwrap()], NOW);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("not a site longhaul wrote"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(files(&other).len(), 1);
}

#[test]
fn missing_advisories_and_statements_are_said_not_fatal() {
    let (tmp, lts) = example();
    let out = tmp.path().join("site");
    stdout(&run(&lts, &["site", "--out", out.to_str().unwrap()], NOW));
    let site = files(&out);
    let index = String::from_utf8(site["index.html"].clone()).unwrap();
    assert!(
        index
            .contains("Missing input:</strong> no advisories in advisories: CVE status is unknown"),
        "{index}"
    );
    assert!(index.contains("no statements file"), "{index}");
    let release = String::from_utf8(site["releases/v1.0.3-lts.1.html"].clone()).unwrap();
    assert!(
        release.contains("Unknown: see the missing input above."),
        "{release}"
    );
    assert!(
        release.contains("<dt>OpenVEX</dt><dd>none (no advisories)</dd>"),
        "{release}"
    );
    assert!(
        !site.contains_key("vex/v1.0.3-lts.1.json"),
        "no VEX without advisories"
    );
    let notes = stdout(&run(&lts, &["notes", "v1.0.3-lts.1"], NOW));
    assert!(
        notes.contains("> **Missing input:** no advisories"),
        "{notes}"
    );
    assert!(notes.contains("Unknown: no advisories."), "{notes}");
}

/// An embargoed patch, its CVE and its release: nowhere in any published
/// output before the time (pinned), everywhere after it; verify uses it.
#[test]
fn embargoed_patch_stays_out_until_its_time() {
    let (tmp, lts) = lts();
    let secret_cve = "CVE-2026-4242";
    let advisory = std::fs::read_to_string(lts.join("advisories/CVE-2025-0001.json")).unwrap();
    std::fs::write(
        lts.join(format!("advisories/{secret_cve}.json")),
        advisory
            .replace("CVE-2025-0001", secret_cve)
            .replace("short bearer tokens", "QUIETWORD overflow"),
    )
    .unwrap();
    std::fs::write(
        lts.join("patches/secret-fix.patch"),
        format!("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Sam Secret <sam@example.org>\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nSubject: [PATCH] auth: bound the QUIETWORD buffer\n\nFixes {secret_cve}.\n---\n SECURITY-NOTE.md | 1 +\n 1 file changed, 1 insertion(+)\n create mode 100644 SECURITY-NOTE.md\n\ndiff --git a/SECURITY-NOTE.md b/SECURITY-NOTE.md\nnew file mode 100644\nindex 0000000..1b2c3d4\n--- /dev/null\n+++ b/SECURITY-NOTE.md\n@@ -0,0 +1 @@\n+QUIETWORD is bounded now.\n-- \n2.47.0\n\n"),
    )
    .unwrap();
    edit_file(
        &lts.join("releases.yml"),
        "releases:\n",
        "releases:\n  - name: v1.1.1-lts.2\n    base_release: v1.1.1-lts.1\n    must: true\n    patches: [secret-fix]\n\n",
    );
    edit_file(
        &lts.join("releases.yml"),
        "patches:\n  - name: CVE-2024-10220",
        &format!(
            "patches:\n  - name: secret-fix\n    patch: [patches/secret-fix.patch]\n    cves: [{secret_cve}]\n    embargo_until: 2026-12-01T09:00:00Z\n\n  - name: CVE-2024-10220"
        ),
    );
    let before = "1796112000"; // 2026-12-01T08:00:00Z, an hour before
    let after = "1796119200"; // 2026-12-01T10:00:00Z
    let secrets = [
        "secret-fix",
        secret_cve,
        "QUIETWORD",
        "v1.1.1-lts.2",
        "Sam Secret",
    ];
    let leaks = |dir: &Path| -> Vec<String> {
        let mut found = Vec::new();
        for (path, bytes) in files(dir) {
            let text = String::from_utf8_lossy(&bytes);
            for s in secrets {
                if path.contains(s) || text.contains(s) {
                    found.push(format!("{path}: {s}"));
                }
            }
        }
        found
    };

    // The tools that build and check use it as usual.
    let verify = stdout(&run(&lts, &["verify", "v1.1.1-lts.2"], before));
    assert!(verify.contains("v1.1.1-lts.2"), "{verify}");

    let site = tmp.path().join("site");
    let osv = tmp.path().join("osv");
    stdout(&run(
        &lts,
        &["site", "--out", site.to_str().unwrap()],
        before,
    ));
    stdout(&run(&lts, &["osv", "--out", osv.to_str().unwrap()], before));
    assert_eq!(leaks(&site), Vec::<String>::new());
    assert_eq!(leaks(&osv), Vec::<String>::new());
    for args in [&["notes", "v1.1.1-lts.2"][..], &["vex", "v1.1.1-lts.2"]] {
        let o = run(&lts, args, before);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("withheld until"), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    let notes = stdout(&run(&lts, &["notes", "v1.1.1-lts.1"], before));
    assert!(secrets.iter().all(|s| !notes.contains(s)), "{notes}");
    let lint = stdout(&run(&lts, &["lint"], before));
    assert!(
        lint.contains("patch `secret-fix` is embargoed until 2026-12-01T09:00:00Z"),
        "{lint}"
    );
    assert!(
        lint.contains("on publication v1.1.1-lts.2 appear, with CVE-2026-4242"),
        "{lint}"
    );

    // After the time: all of it, published.
    stdout(&run(
        &lts,
        &["site", "--out", site.to_str().unwrap()],
        after,
    ));
    stdout(&run(&lts, &["osv", "--out", osv.to_str().unwrap()], after));
    let published = leaks(&site);
    for s in secrets {
        assert!(
            published.iter().any(|l| l.ends_with(&format!(": {s}"))),
            "{s} not published: {published:?}"
        );
    }
    assert!(files(&site).contains_key("releases/v1.1.1-lts.2.html"));
    assert!(
        !leaks(&osv).is_empty(),
        "the OSV export names the fix after the embargo"
    );
    let notes = stdout(&run(&lts, &["notes", "v1.1.1-lts.2"], after));
    assert!(
        notes.contains("- **secret-fix** (CVE-2026-4242)"),
        "{notes}"
    );
    let lint = stdout(&run(&lts, &["lint"], after));
    assert!(lint.contains("embargo ended"), "{lint}");
}

/// The site as a person sees it, in headless Chromium from file://: the index
/// lists every line, a release page its patches and CVEs, every link a page
/// holds resolves, and no page logs to the console. Screenshots are kept under
/// target/site-screenshots.
#[test]
fn site_in_headless_chromium() {
    let Some(chromium) = tool(
        "site_in_headless_chromium",
        "chromium",
        "apt-get install chromium",
    ) else {
        return;
    };
    let (tmp, lts) = lts();
    let site = tmp.path().join("site");
    stdout(&run(&lts, &["site", "--out", site.to_str().unwrap()], NOW));
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/site-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = tmp.path().join("chromium-profile");
    let browse = |page: &str, extra: &[String]| -> (String, String) {
        let out = std::process::Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,1400",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", site.join(page).display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chromium on {page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut seen = Vec::new();
    for page in [
        "index.html",
        "coverage.html",
        "releases/v1.0.3-lts.2.html",
        "releases/v1.1.1-lts.1.html",
        "cves/CVE-2024-10220.html",
        "cves/CVE-2025-0001.html",
    ] {
        let (dom, log) = browse(page, &["--dump-dom".into()]);
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(console.is_empty(), "{page} logged: {console:?}");
        assert_eq!(
            broken_links(&site, page, &dom),
            Vec::<String>::new(),
            "{page}"
        );
        seen.push((page, dom));
    }
    let index = &seen[0].1;
    for want in [
        ">1.0<",
        ">1.1<",
        ">v1.0.3-lts.2</a>",
        ">v1.1.1-lts.1</a>",
        "<svg",
    ] {
        assert!(index.contains(want), "index lacks {want}");
    }
    let release = &seen[2].1;
    for want in [
        "<strong>token-length</strong>",
        "<strong>main-usage</strong>",
        "<strong>CVE-2024-10220</strong>",
        ">CVE-2025-0001</a>",
        "fixed by LTS patch",
    ] {
        assert!(release.contains(want), "release page lacks {want}");
    }
    for (page, name) in [
        ("index.html", "index.png"),
        ("releases/v1.0.3-lts.2.html", "release.png"),
        ("coverage.html", "coverage.png"),
    ] {
        let shot = shots.join(name);
        browse(page, &[format!("--screenshot={}", shot.display())]);
        let png = std::fs::read(&shot).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name}: {} bytes",
            png.len()
        );
    }
}

/// On KLTS's real manifest and the real CVE feed: the notes of
/// v1.18.20-lts.3 list its four patches with their CVEs; `lifecycle` lists
/// every line from 1.10 to 1.32 with the built-in dates; the site builds with
/// every page under 1 MB and every internal link resolving.
#[test]
fn real_klts_notes_lifecycle_and_site() {
    let Some((tmp, mut base)) = common::klts_with_feed("real_klts_notes_lifecycle_and_site") else {
        return;
    };
    // No upstream repository: the Go column must say why it is empty.
    base.extend(["--upstream".to_string(), "/nonexistent".to_string()]);
    let with = |args: &[&str]| -> std::process::Output {
        let all: Vec<&str> = base
            .iter()
            .map(String::as_str)
            .chain(args.iter().copied())
            .collect();
        run(tmp.path(), &all, NOW)
    };

    let notes: serde_json::Value =
        serde_json::from_str(&stdout(&with(&["--json", "notes", "v1.18.20-lts.3"]))).unwrap();
    let own = &notes["chain"][0];
    assert_eq!(own["release"], "v1.18.20-lts.3");
    let patches: Vec<(&str, Vec<&str>)> = own["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["cves"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        patches,
        [
            ("CVE-2020-8554.1.18", vec!["CVE-2020-8554"]),
            ("fix-missing-env-91500.1.18", vec![]),
            ("CVE-2021-25741.1.18", vec!["CVE-2021-25741"]),
            ("nokmem.1.20", vec![]),
        ]
    );
    let fixed: Vec<&str> = notes["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for cve in ["CVE-2020-8554", "CVE-2021-25741"] {
        assert!(fixed.contains(&cve), "{cve} not in {fixed:?}");
    }
    let md = stdout(&with(&["notes", "v1.18.20-lts.3"]));
    assert!(
        md.contains("- **CVE-2021-25741.1.18** (CVE-2021-25741)"),
        "{md}"
    );

    let life: serde_json::Value =
        serde_json::from_str(&stdout(&with(&["--json", "lifecycle"]))).unwrap();
    let rows = life["rows"].as_array().unwrap();
    let lines: Vec<&str> = rows.iter().map(|r| r["line"].as_str().unwrap()).collect();
    let want: Vec<String> = (10..=32).map(|m| format!("1.{m}")).collect();
    assert_eq!(lines, want);
    for r in rows {
        for field in [
            "released",
            "upstream_end_of_life",
            "last_patch",
            "lts_end_of_life",
            "newest_release",
        ] {
            assert!(r[field].is_string(), "{}: no {field}", r["line"]);
        }
        assert!(
            r["go_unknown"].as_str().unwrap().contains("upstream"),
            "without the repository the Go column says why"
        );
    }
    let r18 = &rows[8];
    assert_eq!(
        (
            r18["line"].as_str(),
            r18["upstream_end_of_life"].as_str(),
            r18["last_patch"].as_str()
        ),
        (Some("1.18"), Some("2021-06-18"), Some("1.18.20"))
    );
    // Every base that is not its line's last upstream patch is flagged, in
    // either direction (KLTS builds 1.29 on 1.29.15, newer than eol.yaml's 1.29.14).
    for r in rows {
        let base = r["base"]
            .as_str()
            .unwrap()
            .trim_start_matches('v')
            .split('-')
            .next()
            .unwrap()
            .to_string();
        let codes: Vec<&str> = r["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        let differs = base != r["last_patch"].as_str().unwrap();
        assert_eq!(
            differs,
            codes.iter().any(|c| c.starts_with("base-")),
            "{}: base {base}, flags {codes:?}",
            r["line"]
        );
    }

    let site = tmp.path().join("site");
    stdout(&with(&["site", "--out", site.to_str().unwrap()]));
    let all = files(&site);
    assert!(all.len() > 100, "{} files", all.len());
    for (path, bytes) in &all {
        assert!(bytes.len() < 1 << 20, "{path}: {} bytes", bytes.len());
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes.clone()).unwrap();
            assert_eq!(
                broken_links(&site, path, &html),
                Vec::<String>::new(),
                "{path}"
            );
        }
    }
    let index = String::from_utf8(all["index.html"].clone()).unwrap();
    for m in 10..=32 {
        assert!(
            index.contains(&format!("<th scope=\"row\">1.{m}</th>")),
            "index lacks 1.{m}"
        );
    }
}

/// `longhaul serve` (the `serve` feature): the site on 127.0.0.1, rebuilt
/// when the manifest changes.
#[cfg(feature = "serve")]
#[test]
fn serve_previews_and_rebuilds_on_change() {
    use std::io::{BufRead, Read, Write};
    let (_tmp, lts) = lts();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_longhaul"))
        .arg("-C")
        .arg(&lts)
        .args(["--offline", "serve", "--port", "0"])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let get = |path: &str| -> String {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    };
    let index = get("/");
    assert!(index.starts_with("HTTP/1.1 200"), "{index}");
    assert!(index.contains("v1.0.3-lts.2"), "{index}");
    assert!(get("/../releases.yml").starts_with("HTTP/1.1 404"));
    edit_file(
        &lts.join("releases.yml"),
        "usage goes to stderr again",
        "usage goes to stderr again (edited while serving)",
    );
    let mut seen = false;
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(250));
        if get("/releases/v1.0.3-lts.2.html").contains("(edited while serving)") {
            seen = true;
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen, "the page was not rebuilt after the manifest changed");
}
