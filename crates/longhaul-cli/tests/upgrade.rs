//! `longhaul upgrade-path`: hops, node upgrades, API removals and the objects
//! of --manifests they break; on the example, the test manifests, and KLTS.

mod common;

use common::{copy_dir, example, longhaul, stderr};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests")
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Human output: no line wider than 100 columns.
fn narrow(text: String) -> String {
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line:?}"
        );
    }
    text
}

#[test]
fn example_plan_in_json() {
    let (_tmp, lts) = example();
    let json: serde_json::Value = serde_json::from_str(&ok(&longhaul(
        &lts,
        &["--json", "upgrade-path", "v1.0.3-lts.2", "--to", "1.1"],
    )))
    .unwrap();
    let plan = &json["plan"];
    assert_eq!(plan["from"]["release"], "v1.0.3-lts.2");
    assert_eq!(plan["from"]["version"], "1.0.3");
    assert_eq!(plan["to"], "1.1");
    assert_eq!(plan["control_plane"].as_array().unwrap().len(), 1);
    assert_eq!(plan["control_plane"][0]["stop"]["release"], "v1.1.1-lts.1");
    assert_eq!(plan["control_plane"][0]["stop"]["source"], "lts");
    assert_eq!(plan["nodes"][0]["stop"]["line"], "1.1");
    assert_eq!(plan["summary"]["control_plane_stops"], 1);
    assert_eq!(plan["summary"]["node_stops"], 1);
    // The example has no advisories folder beside it here: exposure unknown, said.
    assert_eq!(plan["from"]["exposure_unknown"], "no advisories");
    assert!(
        json["missing"][0]
            .as_str()
            .unwrap()
            .starts_with("no advisories")
    );
}

/// The test manifests: each outdated object with file, line, the stop where
/// it breaks and the replacement; the current ones are not named.
#[test]
fn manifests_name_each_outdated_object() {
    let (_tmp, lts) = example();
    let dir = fixtures();
    let out = narrow(ok(&longhaul(
        &lts,
        &[
            "upgrade-path",
            "1.15.12",
            "--to",
            "1.28",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    )));
    let file = |name: &str| dir.join(name).display().to_string();
    for want in [
        format!(
            "{}:5: Deployment shop/web (extensions/v1beta1) breaks at 1.16; use apps/v1",
            file("app.yaml")
        ),
        format!(
            "{}:1: Ingress shop/web (networking.k8s.io/v1beta1) breaks at 1.22; use",
            file("ingress.yaml")
        ),
        format!(
            "{}:1: CronJob shop/nightly-report",
            file("kustomize/build.yaml")
        ),
        "(batch/v1beta1) breaks at 1.25; use batch/v1".to_string(),
        "(5 objects read)".to_string(),
        "your manifests first break at 1.16".to_string(),
    ] {
        assert!(
            out.replace("\n    ", " ").contains(&want),
            "{want:?} missing from:\n{out}"
        );
    }
    assert!(
        !out.contains("Service shop/web"),
        "a current Service is not named:\n{out}"
    );
    assert!(!out.contains("ConfigMap"), "{out}");
    // JSON: the same, structured.
    let json: serde_json::Value = serde_json::from_str(&ok(&longhaul(
        &lts,
        &[
            "--json",
            "upgrade-path",
            "1.15.12",
            "--to",
            "1.28",
            "--manifests",
            dir.to_str().unwrap(),
        ],
    )))
    .unwrap();
    let b: Vec<(String, u64, String, String)> = json["plan"]["breakages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["object"]["kind"].as_str().unwrap().to_string(),
                b["object"]["line"].as_u64().unwrap(),
                b["breaks_at"].as_str().unwrap().to_string(),
                b["replacement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        b,
        [
            ("Deployment".into(), 5, "1.16".into(), "apps/v1".into()),
            (
                "Ingress".into(),
                1,
                "1.22".into(),
                "networking.k8s.io/v1".into()
            ),
            ("CronJob".into(), 1, "1.25".into(), "batch/v1".into()),
        ]
    );
    // Upstream stops (the example maintains no Kubernetes line) say so.
    assert_eq!(
        json["plan"]["control_plane"][0]["stop"]["source"],
        "upstream"
    );
    assert_eq!(
        json["plan"]["control_plane"][0]["stop"]["version"],
        "1.16.15"
    );
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let (tmp, lts) = example();
    let broken = tmp.path().join("broken");
    copy_dir(&fixtures(), &broken);
    std::fs::write(
        broken.join("zz.yaml"),
        "apiVersion: v1\nkind: Service\n---\nkind: [oops\n",
    )
    .unwrap();
    for (args, want) in [
        (
            vec!["upgrade-path", "1.18.99", "--to", "1.20"],
            "Kubernetes 1.18.99 does not exist: the last 1.18 patch is 1.18.20".to_string(),
        ),
        (
            vec!["upgrade-path", "v1.1.1-lts.1", "--to", "1.0"],
            "--to 1.0 is not newer than v1.1.1-lts.1".to_string(),
        ),
        (
            vec!["upgrade-path", "1.18.20", "--to", "next"],
            "expected a line such as 1.28".to_string(),
        ),
        (
            vec![
                "upgrade-path",
                "1.18.20",
                "--to",
                "1.20",
                "--manifests",
                "/nonexistent/x",
            ],
            "/nonexistent/x:0: cannot read".to_string(),
        ),
        (
            vec![
                "upgrade-path",
                "1.18.20",
                "--to",
                "1.20",
                "--manifests",
                broken.to_str().unwrap(),
            ],
            format!(
                "{}:4: not a Kubernetes object",
                broken.join("zz.yaml").display()
            ),
        ),
    ] {
        let o = longhaul(&lts, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(&want), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

/// KLTS's real manifest and feed: ten control-plane stops from
/// v1.18.20-lts.3 to 1.28, each the newest KLTS release of its line; fewer
/// node stops; the removals of 1.22 and 1.25 on the way.
#[test]
fn real_klts_path_from_1_18_to_1_28() {
    let Some((tmp, base)) = common::klts_with_feed("real_klts_path_from_1_18_to_1_28") else {
        return;
    };
    let run = |args: &[&str]| {
        let all: Vec<&str> = base
            .iter()
            .map(String::as_str)
            .chain(args.iter().copied())
            .collect();
        longhaul(tmp.path(), &all)
    };
    let json: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "--json",
        "upgrade-path",
        "v1.18.20-lts.3",
        "--to",
        "1.28",
    ])))
    .unwrap();
    let plan = &json["plan"];
    let stops: Vec<&str> = plan["control_plane"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["stop"]["release"].as_str().unwrap())
        .collect();
    assert_eq!(stops.len(), 10);
    // Each the newest shipped KLTS release of its line (KLTS lists the newest first).
    let releases: serde_json::Value =
        serde_json::from_str(&ok(&run(&["--json", "releases"]))).unwrap();
    let names: Vec<&str> = releases["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for (i, stop) in stops.iter().enumerate() {
        let minor = 19 + i;
        let newest = names
            .iter()
            .find(|n| n.starts_with(&format!("v1.{minor}.")) && n.contains("-lts."))
            .unwrap();
        assert_eq!(stop, newest, "1.{minor}");
    }
    let nodes = plan["nodes"].as_array().unwrap().len();
    assert!(nodes < stops.len(), "{nodes} node stops");
    let removed = |minor: &str| -> Vec<String> {
        plan["control_plane"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["stop"]["line"] == minor)
            .flat_map(|h| {
                h["removals"].as_array().unwrap().iter().map(|r| {
                    format!(
                        "{}/{} {}",
                        r["group"].as_str().unwrap(),
                        r["version"].as_str().unwrap(),
                        r["kind"].as_str().unwrap()
                    )
                })
            })
            .collect()
    };
    assert!(removed("1.22").contains(&"networking.k8s.io/v1beta1 Ingress".to_string()));
    assert!(removed("1.25").contains(&"policy/v1beta1 PodSecurityPolicy".to_string()));
    // Every stop's exposure is known (the feed is imported), with severities.
    for h in plan["control_plane"].as_array().unwrap() {
        assert!(h["stop"]["exposure_unknown"].is_null());
        for c in h["stop"]["open"].as_array().unwrap() {
            assert!(
                ["affected", "not_assessed", "under_investigation"]
                    .contains(&c["status"].as_str().unwrap())
            );
        }
    }
    assert!(
        plan["summary"]["worst_exposure"]["cve"]["score"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // The human form fits 100 columns and tells the same.
    let text = narrow(ok(&run(&[
        "upgrade-path",
        "v1.18.20-lts.3",
        "--to",
        "1.28",
    ])));
    assert!(
        text.starts_with("Upgrade path from v1.18.20-lts.3 (1.18) to 1.28: 10 control-plane stops"),
        "{text}"
    );
}
