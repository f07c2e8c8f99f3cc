//! Issue 9: `affected` on a copy of the bundled example (a Go module).

mod common;

use common::{example, git, longhaul, stderr};

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
    let patch = lts.join("patches/token-length.patch");
    let text = std::fs::read_to_string(&patch).unwrap();
    std::fs::write(
        &patch,
        text.replacen("Description:", "Description: [edited]", 1),
    )
    .unwrap();
    assert_eq!(since("HEAD"), ["v1.0.3-lts.2"]);
    git(&lts, &["commit", "-q", "-am", "edit"], d);

    // CVE-2024-10220 is in both lines' chains: v1.0.3-lts.2 stacks on lts.1.
    let patch = lts.join("patches/CVE-2024-10220.patch");
    let text = std::fs::read_to_string(&patch).unwrap();
    std::fs::write(&patch, text.replacen("Subject:", "Subject: [edited]", 1)).unwrap();
    assert_eq!(
        since("HEAD"),
        ["v1.0.3-lts.2", "v1.0.3-lts.1", "v1.1.1-lts.1"]
    );
    // Against the first commit, both edits count.
    assert_eq!(since("HEAD~1").len(), 3);
    git(&lts, &["commit", "-q", "-am", "edit"], d);

    // A manifest entry: a release's tolerated list.
    let manifest = lts.join("releases.yml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "      - tinykube/pkg/volume\n",
            "      - tinykube/pkg/volume\n      - tinykube/pkg/auth\n",
        ),
    )
    .unwrap();
    assert_eq!(since("HEAD"), ["v1.0.3-lts.2", "v1.0.3-lts.1"]);

    let out = longhaul(&lts, &["affected", "--since", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-rev"), "{}", stderr(&out));
}
