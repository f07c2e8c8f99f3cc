//! A maintainer's first day (issue 18): a stale feed said as such, a partial
//! upstream clone, a real terminal, the manifest found from a subfolder,
//! errors that say their cause once, the conventions (completions, man page)
//! and the README's sample output, all through the CLI.

mod common;

use common::{copy_dir, edit_file, example, git, longhaul, longhaul_with_env, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 2025-03-10T00:00:00Z: when the tests import the example's feed (its newest
/// record is of 2025-03-01).
const IMPORTED: &str = "1741564800";
/// 2025-03-15: five days later, the feed is current.
const FRESH: &str = "1742000000";
/// 2025-04-20: the newest record is 50 days old, the import 41.
const STALE: &str = "1745107200";

fn out(o: &Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn at(dir: &Path, args: &[&str], epoch: &str) -> Output {
    longhaul_with_env(dir, args, &[("SOURCE_DATE_EPOCH", epoch)])
}

/// The example with its advisories imported through the CLI at [`IMPORTED`]
/// and its statements.
fn imported() -> (tempfile::TempDir, PathBuf) {
    let (tmp, lts) = example();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny-lts");
    std::fs::copy(src.join("statements.yml"), lts.join("statements.yml")).unwrap();
    let feed = src.join("advisories");
    out(&at(
        &lts,
        &["advisories", "import", feed.to_str().unwrap()],
        IMPORTED,
    ));
    (tmp, lts)
}

/// `longhaul ARGS…` started in `cwd`, without `-C`.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_longhaul"))
        .current_dir(cwd)
        .arg("--offline")
        .args(args)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("COLUMNS")
        .output()
        .unwrap()
}

#[test]
fn a_stale_feed_is_said_on_every_output_that_counts_open_cves() {
    let (_tmp, lts) = imported();
    let record = std::fs::read_to_string(lts.join("advisories/imported-at.txt")).unwrap();
    assert!(record.contains("2025-03-10T00:00:00Z"), "{record}");

    // Current: the age is stated, no warning.
    let fresh = out(&at(&lts, &["coverage"], FRESH));
    assert!(
        fresh.contains(
            "feed: 2 records, newest modified 2025-03-01 (14 days ago), imported 2025-03-10 (5 days ago)"
        ),
        "{fresh}"
    );
    assert!(!fresh.contains("out of date"), "{fresh}");

    // Stale: every output says so.
    let cov = out(&at(&lts, &["coverage"], STALE));
    assert!(
        cov.contains(
            "warning: the feed may be out of date: it was imported 41 days ago (limit: 30 days)"
        ),
        "{cov}"
    );
    assert!(cov.contains("the counts may be too low"), "{cov}");
    let json: serde_json::Value =
        serde_json::from_str(&out(&at(&lts, &["--json", "coverage"], STALE))).unwrap();
    assert_eq!(json["feed"]["stale"], true);
    assert_eq!(json["feed"]["newest_modified"], "2025-03-01T00:00:00Z");
    assert_eq!(json["feed"]["imported"], "2025-03-10T00:00:00Z");
    assert_eq!(json["feed"]["modified_days_ago"], 50);
    let md = out(&at(&lts, &["coverage", "--markdown"], STALE));
    assert!(md.starts_with("Feed: 2 records"), "{md}");
    assert!(
        md.contains("> **Warning:** the feed may be out of date"),
        "{md}"
    );
    let notes = out(&at(&lts, &["notes", "v1.1.1-lts.1"], STALE));
    let open = &notes[notes.find("## CVEs still open").unwrap()..];
    assert!(
        open.contains("As of the advisory feed: 2 records"),
        "{notes}"
    );
    assert!(
        open.contains("> **Warning:** the feed may be out of date"),
        "{notes}"
    );
    let notes_json: serde_json::Value =
        serde_json::from_str(&out(&at(&lts, &["--json", "notes", "v1.1.1-lts.1"], STALE))).unwrap();
    assert_eq!(notes_json["feed"]["stale"], true);
    let plan = out(&at(
        &lts,
        &["upgrade-path", "v1.0.3-lts.2", "--to", "1.1"],
        STALE,
    ));
    assert!(
        plan.contains("Open CVEs as of the advisory feed: 2 records"),
        "{plan}"
    );
    assert!(
        plan.contains("Warning: the feed may be out of date"),
        "{plan}"
    );
    let plan_json: serde_json::Value = serde_json::from_str(&out(&at(
        &lts,
        &["--json", "upgrade-path", "v1.0.3-lts.2", "--to", "1.1"],
        STALE,
    )))
    .unwrap();
    assert_eq!(plan_json["feed"]["stale"], true);

    // The site: the warning on the index, zero counts not green.
    let site = lts.join("../site");
    out(&at(&lts, &["site", "--out", site.to_str().unwrap()], STALE));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("<strong>The CVE feed may be out of date:</strong>"),
        "{index}"
    );
    assert!(
        index.contains("<span class=\"count warn\""),
        "zero counts not green"
    );
    out(&at(&lts, &["site", "--out", site.to_str().unwrap()], FRESH));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(!index.contains("may be out of date"));
    assert!(!index.contains("count warn"));
    assert!(index.contains("CVE status as of the advisory feed: 2 records"));

    // The limit is the manifest's.
    edit_file(
        &lts.join("releases.yml"),
        "\nreleases:\n",
        "\nfeed:\n  max_age_days: 60\n\nreleases:\n",
    );
    let lenient = out(&at(&lts, &["coverage"], STALE));
    assert!(!lenient.contains("out of date"), "{lenient}");
    edit_file(
        &lts.join("releases.yml"),
        "max_age_days: 60",
        "max_age_days: 0",
    );
    let bad = at(&lts, &["coverage"], STALE);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("releases.yml:")
            && stderr(&bad).contains("`max_age_days: 0` is not a feed age"),
        "{}",
        stderr(&bad)
    );
}

/// The import record is data a pull request can change: one in the future,
/// garbage or a link makes the feed stale, never fresher.
#[test]
fn a_forged_import_record_makes_the_feed_stale_not_fresh() {
    let (_tmp, lts) = imported();
    let record = lts.join("advisories/imported-at.txt");
    std::fs::write(&record, "2099-01-01T00:00:00Z\n").unwrap();
    let cov = out(&at(&lts, &["coverage"], FRESH));
    assert!(
        cov.contains("its recorded import time 2099-01-01T00:00:00Z is in the future"),
        "{cov}"
    );
    std::fs::write(&record, "\u{1b}[32mtoday\u{1b}[0m\n").unwrap();
    let cov = out(&at(&lts, &["coverage"], FRESH));
    assert!(
        cov.contains("nothing records when it was imported"),
        "{cov}"
    );
    #[cfg(unix)]
    {
        let elsewhere = lts.join("../elsewhere.txt");
        std::fs::write(&elsewhere, "2025-03-14T00:00:00Z\n").unwrap();
        std::fs::remove_file(&record).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &record).unwrap();
        let cov = out(&at(&lts, &["coverage"], FRESH));
        assert!(
            cov.contains("nothing records when it was imported"),
            "{cov}"
        );
    }
}

/// A CVE that a patch names but the feed lacks is counted, not left out.
#[test]
fn a_cve_the_feed_lacks_is_counted_as_not_in_the_feed() {
    let (_tmp, lts) = imported();
    edit_file(
        &lts.join("releases.yml"),
        "    reason: regression",
        "    cves: [CVE-2099-7777]\n    reason: regression",
    );
    let json: serde_json::Value =
        serde_json::from_str(&out(&at(&lts, &["--json", "coverage"], FRESH))).unwrap();
    assert_eq!(
        json["not_in_feed"],
        serde_json::json!([{
            "cve": "CVE-2099-7777",
            "patches": ["main-usage"],
            "fixed_in": ["v1.0.3-lts.2", "v1.1.1-lts.1"],
        }])
    );
    let text = out(&at(&lts, &["coverage"], FRESH));
    assert!(
        text.contains("1 CVE named by patches is not in the feed, so not in the matrix: CVE-2099-7777 (patched in 2 releases)"),
        "{text}"
    );
    let site = lts.join("../site");
    out(&at(&lts, &["site", "--out", site.to_str().unwrap()], FRESH));
    let matrix = std::fs::read_to_string(site.join("coverage.html")).unwrap();
    assert!(
        matrix.contains("CVE-2099-7777<br><span class=\"tag\">not in feed</span>"),
        "{matrix}"
    );
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        index.contains("<strong>Not in the feed:</strong> 1 CVEs"),
        "{index}"
    );
}

/// The upstream clone without the example's second tag, with or without a remote.
fn without_tag(lts: &Path, remote: bool) -> PathBuf {
    let full = lts.join("../upstream");
    let partial = lts.join("../partial");
    let date = "2024-01-10T10:00:00Z";
    let f = full.to_str().unwrap();
    if remote {
        git(
            lts,
            &["clone", "-q", "--bare", f, partial.to_str().unwrap()],
            date,
        );
    } else {
        git(
            lts,
            &["init", "-q", "--bare", partial.to_str().unwrap()],
            date,
        );
        git(
            &partial,
            &[
                "fetch",
                "-q",
                f,
                "+refs/tags/*:refs/tags/*",
                "+refs/heads/*:refs/heads/*",
            ],
            date,
        );
    }
    git(&partial, &["tag", "-d", "v1.1.1"], date);
    partial
}

#[test]
fn a_partial_clone_verifies_what_it_can_and_names_the_missing_tags() {
    let (_tmp, lts) = example();
    for remote in [true, false] {
        let partial = without_tag(&lts, remote);
        let up = ["--upstream", partial.to_str().unwrap()];
        let args = |rest: &[&'static str]| -> Vec<&str> {
            up.iter().copied().chain(rest.iter().copied()).collect()
        };
        let o = longhaul(&lts, &args(&["verify", "--all"]));
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            text.contains("? v1.1.1-lts.1: base tag v1.1.1 is not in the upstream repository (")
                && text.contains("releases.yml:43)"),
            "{text}"
        );
        assert!(text.contains("2 of 3 releases apply"), "{text}");
        let fetch = format!("git -C {}", partial.display());
        let want = if remote {
            format!("{fetch} fetch --no-tags origin tag v1.1.1")
        } else {
            format!(
                "{fetch} remote add origin https://example.org/tinykube && {fetch} fetch --no-tags origin tag v1.1.1"
            )
        };
        assert!(text.contains(&want), "{want} not in {text}");

        let v: serde_json::Value =
            serde_json::from_slice(&longhaul(&lts, &args(&["--json", "verify", "--all"])).stdout)
                .unwrap();
        assert_eq!(v["missing_tags"], serde_json::json!(["v1.1.1"]));
        assert_eq!(v["fetch"], want);
        for r in v["releases"].as_array().unwrap() {
            if r["name"] == "v1.1.1-lts.1" {
                assert_eq!(r["missing_base"]["tag"], "v1.1.1");
                assert_eq!(r["missing_base"]["line"], 43);
                assert!(
                    r["patches"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|p| p["status"] == "unverifiable")
                );
            } else {
                assert_eq!(r["ok"], true, "{r}");
                assert!(r.get("missing_base").is_none());
            }
        }

        let releases = out(&longhaul(&lts, &args(&["releases"])));
        assert!(releases.contains("v1.1.1 (not in upstream)"), "{releases}");
        assert!(
            releases
                .contains("1 base tag is not in the upstream repository (1 release unverifiable)"),
            "{releases}"
        );
        // check: the release on the missing tag is reported, not checked, and fails the run.
        if remote
            && common::tool(
                "a_partial_clone_verifies_what_it_can_and_names_the_missing_tags",
                "go",
                "apt-get install golang-go",
            )
            .is_some()
        {
            let o = longhaul(
                &lts,
                &args(&["--json", "check", "v1.1.1-lts.1", "v1.0.3-lts.1"]),
            );
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let r = &v["releases"][0];
            assert_eq!(
                (r["release"].as_str(), r["ok"].as_bool()),
                (Some("v1.1.1-lts.1"), Some(false))
            );
            let warning = r["warnings"][0].as_str().unwrap();
            assert!(
                warning.contains("unverifiable: base tag v1.1.1 is not in the upstream repository"),
                "{warning}"
            );
            assert!(r["warnings"][0].as_str().unwrap().contains(&want), "{r}");
            assert!(
                r["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| c["status"] == "skipped")
            );
            assert_eq!(v["releases"][1]["ok"], true, "the other release is checked");
        }
        // The clone itself is unchanged: read-only commands fetch nothing.
        assert_eq!(
            git(&partial, &["tag", "-l"], "2024-01-10T10:00:00Z"),
            "v1.0.3"
        );
        std::fs::remove_dir_all(&partial).unwrap();
    }
}

/// A tag name from the manifest reaches the advice as one shell word.
#[test]
fn a_hostile_base_tag_stays_one_word_in_the_advice() {
    let (_tmp, lts) = example();
    edit_file(
        &lts.join("releases.yml"),
        "    base_release: v1.1.1\n",
        "    base_release: \"v1;touch pwned\"\n",
    );
    let o = longhaul(&lts, &["--json", "verify", "--all"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fetch = v["fetch"].as_str().unwrap();
    assert!(fetch.ends_with("tag 'v1;touch pwned'"), "{fetch}");
}

/// `s` without the escape codes a colour writes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The table at the top of `text` (its header starts with `header`): every
/// row as wide as the header (by display width), and no cell crossing the
/// start of a header's column.
fn assert_columns_line_up(text: &str, header: &str) {
    use unicode_width::UnicodeWidthStr;
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with(header))
        .take_while(|l| l.starts_with(' '))
        .collect();
    assert!(lines.len() > 1, "no table under {header:?} in {text}");
    let head: Vec<char> = lines[0].chars().collect();
    let starts: Vec<usize> = (1..head.len())
        .filter(|&i| head[i] != ' ' && (i == 1 || (head[i - 1] == ' ' && head[i - 2] == ' ')))
        .collect();
    assert!(starts.len() > 2, "{}", lines[0]);
    for line in &lines {
        assert_eq!(
            line.width(),
            lines[0].width(),
            "row width differs:\n{}\n{line}",
            lines[0]
        );
        let row: Vec<char> = line.chars().collect();
        for &s in &starts {
            assert_eq!(
                row[s - 1],
                ' ',
                "a cell crosses column {s}:\n{}\n{line}",
                lines[0]
            );
        }
    }
}

#[test]
fn coloured_tables_line_up_by_display_width() {
    let (_tmp, lts) = imported();
    for (args, header) in [
        (&["verify", "--all"][..], " RELEASE"),
        (&["coverage"][..], " CVE"),
        (&["coverage", "--wide"][..], " CVE"),
        (&["lifecycle"][..], " LINE"),
        (&["releases"][..], " RELEASE"),
    ] {
        let mut coloured: Vec<&str> = vec!["--color", "always"];
        coloured.extend(args);
        let mut plain: Vec<&str> = vec!["--color", "never"];
        plain.extend(args);
        let c = at(&lts, &coloured, FRESH);
        let raw = String::from_utf8(c.stdout.clone()).unwrap();
        assert!(raw.contains("\u{1b}["), "{args:?}: no colour in {raw}");
        let p = out(&at(&lts, &plain, FRESH));
        assert!(!p.contains('\u{1b}'), "{args:?}: colour with --color never");
        assert_eq!(strip_ansi(&raw), p, "{args:?}: colour moved the columns");
        assert_columns_line_up(&p, header);
        assert_columns_line_up(&strip_ansi(&raw), header);
    }
}

#[test]
fn coverage_fits_the_terminal_by_leaving_out_the_oldest_lines() {
    let (_tmp, lts) = imported();
    let wide = out(&at(&lts, &["coverage"], FRESH));
    let header = wide.lines().find(|l| l.starts_with(" CVE")).unwrap();
    assert!(header.contains("1.1") && header.contains("1.0"), "{wide}");
    assert!(
        header.find("1.1").unwrap() < header.find("1.0").unwrap(),
        "newest line first"
    );
    let narrow = longhaul_with_env(
        &lts,
        &["coverage"],
        &[("SOURCE_DATE_EPOCH", FRESH), ("COLUMNS", "35")],
    );
    let narrow = out(&narrow);
    let header = narrow.lines().find(|l| l.starts_with(" CVE")).unwrap();
    assert!(
        header.contains("1.1") && !header.contains("1.0"),
        "{narrow}"
    );
    assert!(
        narrow.contains("1 older column left out to fit 35 columns: 1.0"),
        "{narrow}"
    );
    for w in ["patched", "fixed", "AFFECTED", "unknown"] {
        if wide.contains(w) {
            return;
        }
    }
    panic!("no status word in {wide}");
}

#[test]
fn the_manifest_is_found_from_a_subfolder_and_paths_follow_dash_c() {
    let (_tmp, lts) = imported();
    let from_patches = out(&run_in(&lts.join("patches"), &["releases"]));
    assert!(
        from_patches.contains("3 releases (3 must) in ../releases.yml"),
        "{from_patches}"
    );
    // Not above the top of the git repository the folder is in.
    let repo = lts.join("../repo");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    git(&repo, &["init", "-q"], "2024-01-10T10:00:00Z");
    std::fs::write(repo.join("../releases.yml"), "releases: []\n").unwrap();
    let o = run_in(&repo.join("sub"), &["releases"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no manifest in"), "{}", stderr(&o));

    let o = run_in(&lts, &["-C", "nope", "releases"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim(), "error: -C nope: no such folder");
    let o = run_in(&lts, &["-C", "releases.yml", "releases"]);
    assert!(
        stderr(&o).contains("-C releases.yml: not a folder"),
        "{}",
        stderr(&o)
    );

    // `--out` with -C means a folder inside DIR, as `--manifest` does.
    let parent = lts.parent().unwrap();
    let o = run_in(
        parent,
        &[
            "-C",
            "lts",
            "--manifest",
            "releases.yml",
            "site",
            "--out",
            "public",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(lts.join("public/index.html").is_file());
    assert!(!parent.join("public").exists());
}

#[test]
fn errors_say_their_cause_once() {
    let (tmp, lts) = example();
    let o = longhaul(&lts, &["--manifest", "nope.yml", "releases"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert_eq!(err.matches("cannot read").count(), 1, "{err}");
    let json = longhaul(&lts, &["--json", "--manifest", "nope.yml", "releases"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v["error"].as_str().unwrap().matches("No such file").count(),
        1
    );

    let deploy = tmp.path().join("deploy.yaml");
    std::fs::write(
        &deploy,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
    )
    .unwrap();
    let o = longhaul(
        &lts,
        &[
            "--manifest",
            deploy.to_str().unwrap(),
            "upgrade-path",
            "v1.0.3-lts.2",
            "--to",
            "1.1",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("deploy.yaml:1: this is a Kubernetes object file (apiVersion and kind), not an LTS manifest: did you mean --manifests"),
        "{err}"
    );
    assert!(!err.contains("from_str_multiple"), "{err}");
    let two = tmp.path().join("two.yml");
    std::fs::write(&two, "releases: []\n---\nreleases: []\n").unwrap();
    let err = stderr(&longhaul(
        &lts,
        &["--manifest", two.to_str().unwrap(), "lint"],
    ));
    assert!(err.contains("several YAML documents"), "{err}");
    assert!(!err.contains("from_str_multiple"), "{err}");
}

#[test]
fn wording_counts_and_hunks() {
    let (_tmp, lts) = example();
    let lint = out(&longhaul(&lts, &["lint"]));
    assert!(lint.contains("0 errors, 0 warnings in "), "{lint}");
    assert!(lint.contains("(3 releases, 2 patch entries)"), "{lint}");
    assert!(!lint.contains("(s)"), "{lint}");
    // A hunk that fails is named once (v1.0.3-lts.1 needs the three-way fallback).
    let o = longhaul(&lts, &["verify", "v1.0.3-lts.1", "--no-3way"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let failures: Vec<&str> = text.lines().filter(|l| l.contains("hunk #")).collect();
    assert!(!failures.is_empty(), "{text}");
    for line in failures {
        assert_eq!(line.matches("hunk #").count(), 1, "{line}");
    }
    assert!(text.contains("0 of 1 release applies"), "{text}");
}

#[test]
fn completions_man_page_and_help() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let script = out(&run_in(tmp.path(), &["completions", shell]));
        assert!(script.contains("longhaul"), "{shell}");
        assert!(
            script.contains("upgrade-path"),
            "{shell}: commands completed"
        );
    }
    let man = out(&run_in(tmp.path(), &["man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH longhaul 1"),
        "{man}"
    );
    assert!(man.contains(".TH longhaul 1"));
    let pages = tmp.path().join("man");
    out(&run_in(
        tmp.path(),
        &["man", "--out", pages.to_str().unwrap()],
    ));
    assert!(pages.join("longhaul.1").is_file());
    assert!(pages.join("longhaul-verify.1").is_file());
    // vex always prints JSON: no --json offered.
    let vex = out(&run_in(tmp.path(), &["vex", "--help"]));
    assert!(!vex.contains("--json"), "{vex}");
    assert!(out(&run_in(tmp.path(), &["verify", "--help"])).contains("--json"));
    // Help is wrapped (clap's default width when not on a terminal).
    let help = out(&run_in(tmp.path(), &["check", "--help"]));
    assert!(help.lines().all(|l| l.chars().count() <= 100), "{help}");
}

/// The README's sample `verify` output is what the example prints: checked
/// here, rewritten with `LONGHAUL_BLESS=1`.
#[test]
fn readme_verify_sample_is_what_the_example_prints() {
    let (_tmp, lts) = example();
    let printed = out(&longhaul(&lts, &["verify", "v1.0.3-lts.2"]));
    let printed: String = printed
        .lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect();
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let marker = "<!-- verify-sample -->\n```\n";
    let start = readme
        .find(marker)
        .expect("README has the verify-sample block")
        + marker.len();
    let end = start + readme[start..].find("```\n").unwrap();
    if readme[start..end] == printed {
        return;
    }
    if std::env::var_os("LONGHAUL_BLESS").is_some_and(|v| v == "1") {
        let updated = format!("{}{printed}{}", &readme[..start], &readme[end..]);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's verify sample differs from what the example prints (run with LONGHAUL_BLESS=1 to update it):\n{printed}"
    );
}

/// KLTS's real manifest and patches, with an upstream clone of one tag built
/// here: the releases on that tag are verified (their local patches apply;
/// URL items not in the cache are named), every other release is
/// unverifiable naming its base tag, and the run exits 1.
#[test]
fn real_klts_with_a_one_tag_clone() {
    let Some(data) = common::real_data("real_klts_with_a_one_tag_clone") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let lts = tmp.path().join("klts");
    copy_dir(&data.join("klts"), &lts);
    let tag = "v1.28.15";
    let releases: serde_json::Value =
        serde_json::from_str(&out(&longhaul(&lts, &["--json", "releases"]))).unwrap();
    let on_tag: Vec<&serde_json::Value> = releases["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["base"] == tag)
        .collect();
    let upstream = tmp.path().join("kubernetes");
    one_tag_upstream(&upstream, tag, &local_patches(&on_tag));

    let up = upstream.to_str().unwrap();
    let o = longhaul(&lts, &["--upstream", up, "--json", "verify", "--all"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let all = v["releases"].as_array().unwrap();
    assert_eq!(all.len(), releases["releases"].as_array().unwrap().len());
    let (verified, unverifiable): (Vec<_>, Vec<_>) = all.iter().partition(|r| r["base"] == tag);
    assert_eq!(verified.len(), on_tag.len());
    assert_eq!(verified.len(), 3, "KLTS has three releases on {tag}");
    assert_eq!(all.len(), 47, "the snapshot's releases");
    assert_eq!(unverifiable.len(), 44);
    for r in &verified {
        assert!(r.get("missing_base").is_none(), "{r}");
        for p in r["patches"].as_array().unwrap() {
            let status = p["status"].as_str().unwrap();
            assert!(
                status == "clean" || status == "offset" || status == "unverifiable",
                "{}: {p}",
                r["name"]
            );
        }
        // Its URL items are not cached offline: named, one by one.
        for m in r["unverifiable"].as_array().into_iter().flatten() {
            assert!(m["url"].as_str().unwrap().starts_with("https://"), "{m}");
        }
    }
    for r in &unverifiable {
        assert_eq!(r["missing_base"]["tag"], r["base"], "{r}");
        assert_eq!(r["ok"], false);
    }
    let tags = v["missing_tags"].as_array().unwrap();
    assert_eq!(tags.len(), 22, "{tags:?}");
    let fetch = v["fetch"].as_str().unwrap();
    assert!(
        fetch.contains("remote add origin https://github.com/kubernetes/kubernetes && ")
            && fetch.contains(" tag v1.32.13 ")
            && !fetch.contains(tag),
        "{fetch}"
    );
    let text =
        String::from_utf8(longhaul(&lts, &["--upstream", up, "verify", "--all"]).stdout).unwrap();
    assert!(
        text.contains("? v1.32.13-ci: base tag v1.32.13 is not in the upstream repository (")
            && text.contains("releases.yml:244)"),
        "{text}"
    );
    assert!(
        text.contains("44 unverifiable: the upstream clone lacks 22 base tags"),
        "{text}"
    );
}

/// The local patch files of `releases`' chains, in chain order, each once.
fn local_patches(releases: &[&serde_json::Value]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let longest = releases
        .iter()
        .max_by_key(|r| r["patches"].as_array().unwrap().len())
        .unwrap();
    for r in std::iter::once(longest).chain(releases.iter()) {
        for p in r["patches"].as_array().unwrap() {
            for i in p["items"].as_array().unwrap() {
                let path = PathBuf::from(i["source"].as_str().unwrap());
                if i["kind"] == "file" && !out.contains(&path) {
                    out.push(path);
                }
            }
        }
    }
    out
}

/// A repository with one commit, tagged `tag`, whose files hold what the
/// hunks of `patches` expect (their context and removed lines, at their
/// stated lines, padded with filler): the local patches apply, as on the
/// real tree. `git apply --check` of the series is the oracle that they do.
fn one_tag_upstream(dir: &Path, tag: &str, patches: &[PathBuf]) {
    use std::collections::BTreeMap;
    let mut files: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    let mut filler = 0;
    for path in patches {
        let parsed = longhaul::patch::parse(&std::fs::read(path).unwrap()).unwrap();
        for c in &parsed.commits {
            for f in &c.files {
                let name = String::from_utf8_lossy(f.source_path()).into_owned();
                let lines = files.entry(name).or_default();
                assert!(
                    lines.is_empty(),
                    "{}: two patches touch one file",
                    path.display()
                );
                for h in &f.hunks {
                    while lines.len() + 1 < h.old_start {
                        filler += 1;
                        lines.push(format!("filler line {filler}\n").into_bytes());
                    }
                    lines.extend(h.preimage().map(|l| l.to_vec()));
                }
            }
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    let date = "2024-10-22T10:00:00Z";
    git(dir, &["init", "-q", "-b", "main"], date);
    for (name, lines) in &files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, lines.concat()).unwrap();
    }
    git(dir, &["add", "-A"], date);
    git(
        dir,
        &["commit", "-q", "-m", "the files KLTS's patches touch"],
        date,
    );
    git(dir, &["tag", tag], date);
    let mut args = vec!["apply", "--check"];
    let names: Vec<String> = patches.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    git(dir, &args, date);
}

/// The site on KLTS's real manifest and the real feed (stale by 2026): the
/// warning is on the index, and in Chromium at 1400 pixels every page of the
/// coverage matrix fits without sideways scrolling (measured in the page, as
/// a person sees it), the older lines one link away.
#[test]
fn real_klts_site_warns_of_the_stale_feed_and_the_matrix_fits() {
    let test = "real_klts_site_warns_of_the_stale_feed_and_the_matrix_fits";
    let Some((tmp, base)) = common::klts_with_feed(test) else {
        return;
    };
    let site = tmp.path().join("site");
    let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
    args.extend(["site", "--out", site.to_str().unwrap()]);
    out(&at(tmp.path(), &args, "1795651200")); // 2026-11-26
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    // (The helper imports with the wall clock: the reason depends on the day.)
    assert!(
        index.contains("<strong>The CVE feed may be out of date:</strong>")
            && index.contains("newest modified 2024-08-16 (831 days ago)"),
        "{index}"
    );
    assert!(
        index.contains("<title>Release lines · klts LTS status</title>"),
        "the project, not base:"
    );
    let first = std::fs::read_to_string(site.join("coverage.html")).unwrap();
    assert!(
        first.contains("<a href=\"coverage-2.html\">Older lines: 1.20 to 1.10</a>"),
        "{first}"
    );
    for page in ["coverage.html", "coverage-2.html"] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        let columns = html
            .matches("<th scope=\"col\"><a href=\"releases/")
            .count();
        assert!((1..=12).contains(&columns), "{page}: {columns} columns");
    }
    let Some(chromium) = common::tool(test, "chromium", "apt-get install chromium") else {
        return;
    };
    for page in ["coverage.html", "coverage-2.html", "index.html"] {
        let probe = tmp.path().join("measure.html");
        std::fs::write(
            &probe,
            format!(
                "<!doctype html><iframe id=f src=\"site/{page}\" style=\"width:1400px;height:1000px;border:0\"></iframe><pre id=out>pending</pre><script>document.getElementById('f').onload=function(){{var d=this.contentDocument,t=d.querySelector('table');document.getElementById('out').textContent='scroll='+d.documentElement.scrollWidth+' client='+d.documentElement.clientWidth+' table='+Math.ceil(t.getBoundingClientRect().right);}};</script>"
            ),
        )
        .unwrap();
        let o = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--allow-file-access-from-files",
                "--window-size=1400,1000",
                "--virtual-time-budget=5000",
                "--dump-dom",
            ])
            .arg(format!(
                "--user-data-dir={}",
                tmp.path().join("profile").display()
            ))
            .arg(format!("file://{}", probe.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&o.stdout);
        let at = dom
            .find("scroll=")
            .unwrap_or_else(|| panic!("{page}: no measure in {dom}"));
        let nums: Vec<u32> = dom[at..]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(3)
            .map(|s| s.parse().unwrap())
            .collect();
        let (scroll, client, table) = (nums[0], nums[1], nums[2]);
        assert!(
            scroll <= client,
            "{page}: {scroll} px wide in a {client} px window"
        );
        assert!(
            table <= client,
            "{page}: the table ends at {table} px of {client}"
        );
    }
}
