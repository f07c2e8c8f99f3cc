//! The real Go vulnerability database (4,291 records): every record reads,
//! and longhaul's version matching agrees, on every version each record
//! names and their neighbours, with an independent reading of the OSV
//! ranges written here from the OSV specification and semver 2.0 (as
//! `golang.org/x/vuln/osv`'s `containsSemver` walks them). The same check on
//! the real Kubernetes v1.20.2 tree's `vendor/modules.txt` is
//! `bench/deps-k8s.sh` (it needs the 22,700-file tree).

mod common;

use common::real_data;
use longhaul::deps::database::Database;
use longhaul::deps::version::Version;
use serde_json::Value;
use std::cmp::Ordering;

/// semver 2.0 precedence, from the specification, on `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
fn compare(a: &str, b: &str) -> Ordering {
    let split = |v: &str| -> (Vec<u64>, Option<String>) {
        let v = v.trim_start_matches('v');
        let v = v.split('+').next().unwrap();
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p.to_string())),
            None => (v, None),
        };
        (core.split('.').map(|n| n.parse().unwrap()).collect(), pre)
    };
    let ((ca, pa), (cb, pb)) = (split(a), split(b));
    ca.cmp(&cb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let (xs, ys): (Vec<&str>, Vec<&str>) = (x.split('.').collect(), y.split('.').collect());
            for (p, q) in xs.iter().zip(&ys) {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
    })
}

/// Whether `v` is affected by one OSV range (`introduced`/`fixed` toggles in
/// version order, `introduced: 0` first; `last_affected` closes after its
/// version) — written independently of `longhaul::deps::range`.
fn in_range(events: &[Value], v: &str) -> bool {
    let mut list: Vec<(String, String)> = events
        .iter()
        .flat_map(|e| {
            e.as_object()
                .unwrap()
                .iter()
                .map(|(k, x)| (k.clone(), x.as_str().unwrap().to_string()))
        })
        .collect();
    list.sort_by(|a, b| match (a.1 == "0", b.1 == "0") {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => compare(&a.1, &b.1),
    });
    let mut affected = false;
    for (kind, at) in list {
        match kind.as_str() {
            "introduced" if at == "0" || compare(v, &at) != Ordering::Less => affected = true,
            "fixed" if compare(v, &at) != Ordering::Less => affected = false,
            "last_affected" if compare(v, &at) == Ordering::Greater => affected = false,
            _ => {}
        }
    }
    affected
}

#[test]
fn every_go_vulndb_record_reads_and_its_ranges_match_an_independent_reading() {
    let Some(data) =
        real_data("every_go_vulndb_record_reads_and_its_ranges_match_an_independent_reading")
    else {
        return;
    };
    let dir = data.join("go-vulndb/osv");
    let db = Database::load(&dir).unwrap();
    assert_eq!(db.records.len() + db.withdrawn.len(), 4291);
    assert_eq!(db.skipped_count(), 0);
    // 168 stdlib entries in 167 records (GO-2023-2185 has two).
    let entries = db
        .records
        .iter()
        .flat_map(|r| &r.affected)
        .filter(|a| a.module == "stdlib")
        .count();
    let records = db
        .records
        .iter()
        .filter(|r| r.affected.iter().any(|a| a.module == "stdlib"))
        .count();
    assert_eq!((entries, records), (168, 167));
    // Every record's modified time is Go's zero time: the age is unknown, and said.
    let now = 1_795_651_200; // 2026-11-26
    let age = db.age(now, 30);
    assert_eq!((age.newest_modified.as_deref(), age.stale), (None, true));
    let freshness = longhaul::deps::report::Freshness::of(&db, None, now);
    let warning = freshness.warning.unwrap();
    assert!(
        warning.contains("may be out of date") && warning.contains("Go's zero time"),
        "{warning}"
    );
    let mut probes = 0;
    for record in &db.records {
        let raw: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{}.json", record.id))).unwrap(),
        )
        .unwrap();
        for (a, parsed) in raw["affected"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&record.affected)
        {
            let ranges = a["ranges"].as_array().unwrap();
            let mut versions: Vec<String> = ranges
                .iter()
                .flat_map(|r| r["events"].as_array().unwrap())
                .flat_map(|e| e.as_object().unwrap().values())
                .map(|v| v.as_str().unwrap().to_string())
                .filter(|v| v != "0")
                .collect();
            // Neighbours: the next patch of each, and the very first version.
            let next: Vec<String> = versions
                .iter()
                .filter_map(|v| Version::parse_osv(v))
                .map(|v| format!("{}.{}.{}", v.major, v.minor, v.patch + 1))
                .collect();
            versions.extend(next);
            versions.push("0.0.0".into());
            for v in &versions {
                let theirs = ranges
                    .iter()
                    .any(|r| in_range(r["events"].as_array().unwrap(), v));
                let ours = longhaul::deps::range::affects(
                    &parsed.ranges,
                    &parsed.versions,
                    &Version::parse_osv(v).unwrap(),
                );
                assert_eq!(ours, theirs, "{} {} at {v}", record.id, parsed.module);
                probes += 1;
            }
        }
    }
    assert!(probes > 20_000, "{probes} probes");
}
