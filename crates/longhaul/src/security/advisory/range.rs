//! OSV `SEMVER` range evaluation, as the OSV specification's pseudo-code does it:
//! events sorted by version (`introduced: 0` first), walked in order; `introduced`
//! opens, `fixed` closes from that version, `last_affected` closes after it, and
//! `limit` events bound the whole range from above.

use super::{Affected, Event, Range};
use semver::Version;

/// Parse a version as OSV's SEMVER type allows (a leading `v` and missing minor
/// or patch components are tolerated, as in `v1.20` → `1.20.0`).
pub fn parse_version(s: &str) -> Option<Version> {
    let s = s.trim().trim_start_matches('v');
    if let Ok(v) = Version::parse(s) {
        return Some(v);
    }
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let padded = format!(
        "{}{}",
        [parts.as_slice(), &["0", "0"][..3 - parts.len()]]
            .concat()
            .join("."),
        rest
    );
    Version::parse(&padded).ok()
}

/// Sort key: `introduced: 0` before everything, then by version.
fn key(e: &Event) -> Option<Version> {
    match e {
        Event::Introduced(v) if v == "0" => Some(Version::new(0, 0, 0)),
        Event::Limit(v) if v == "*" => None,
        _ => parse_version(e.version()),
    }
}

fn sorted(range: &Range) -> Vec<(&Event, Version)> {
    let mut events: Vec<(&Event, Version)> = range
        .events
        .iter()
        .filter(|e| !matches!(e, Event::Limit(_)))
        .filter_map(|e| key(e).map(|v| (e, v)))
        .collect();
    // `introduced: 0` sorts first even against a 0.0.0 of another kind.
    events.sort_by(|a, b| {
        let zero = |e: &Event| matches!(e, Event::Introduced(v) if v == "0");
        zero(b.0).cmp(&zero(a.0)).then_with(|| a.1.cmp(&b.1))
    });
    events
}

fn before_limits(v: &Version, range: &Range) -> bool {
    let limits: Vec<&Event> = range
        .events
        .iter()
        .filter(|e| matches!(e, Event::Limit(_)))
        .collect();
    limits.is_empty()
        || limits.iter().any(|e| match key(e) {
            None => true, // `*`
            Some(limit) => v < &limit,
        })
}

/// Whether `v` is inside `range`.
pub fn range_includes(range: &Range, v: &Version) -> bool {
    if !before_limits(v, range) {
        return false;
    }
    let mut vulnerable = false;
    for (event, at) in sorted(range) {
        match event {
            Event::Introduced(_) if v >= &at => vulnerable = true,
            Event::Fixed(_) if v >= &at => vulnerable = false,
            Event::LastAffected(_) if v > &at => vulnerable = false,
            _ => {}
        }
    }
    vulnerable
}

/// Whether the vulnerable code had been introduced at or before `v` (so that a
/// version outside the ranges but past an `introduced` event carries a fix).
pub fn introduced_by(range: &Range, v: &Version) -> bool {
    before_limits(v, range)
        && sorted(range)
            .iter()
            .any(|(e, at)| matches!(e, Event::Introduced(_)) && v >= at)
}

/// How one version stands against one affected package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Inside a range, or listed in `versions`.
    Affected,
    /// Outside every range, but a vulnerable version came before it: the fix is in.
    Fixed,
    /// Never affected.
    NotAffected,
}

/// Evaluate `v` against an affected entry.
pub fn standing(affected: &Affected, v: &Version) -> Standing {
    let listed = affected
        .versions
        .iter()
        .any(|s| parse_version(s).as_ref() == Some(v));
    if listed || affected.ranges.iter().any(|r| range_includes(r, v)) {
        Standing::Affected
    } else if affected.ranges.iter().any(|r| introduced_by(r, v)) {
        Standing::Fixed
    } else {
        Standing::NotAffected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn range(events: &[(&str, &str)]) -> Range {
        Range {
            kind: "SEMVER".into(),
            events: events
                .iter()
                .map(|(k, v)| match *k {
                    "introduced" => Event::Introduced(v.to_string()),
                    "fixed" => Event::Fixed(v.to_string()),
                    "last_affected" => Event::LastAffected(v.to_string()),
                    _ => Event::Limit(v.to_string()),
                })
                .collect(),
            extra: BTreeMap::new(),
        }
    }

    fn v(s: &str) -> Version {
        parse_version(s).unwrap()
    }

    #[test]
    fn several_introduced_fixed_pairs_in_any_order() {
        // CVE-2021-25741's kubelet range, shuffled.
        let r = range(&[
            ("fixed", "1.20.11"),
            ("introduced", "1.21.0"),
            ("introduced", "0"),
            ("fixed", "1.19.16"),
            ("introduced", "1.20.0"),
            ("fixed", "1.21.5"),
        ]);
        for (ver, want) in [
            ("1.18.20", true),
            ("1.19.15", true),
            ("1.19.16", false),
            ("1.20.0", true),
            ("1.20.10", true),
            ("1.20.11", false),
            ("1.20.15", false),
            ("1.21.4", true),
            ("1.21.5", false),
            ("1.22.0", false),
        ] {
            assert_eq!(range_includes(&r, &v(ver)), want, "{ver}");
        }
    }

    #[test]
    fn last_affected_includes_its_version() {
        let r = range(&[("introduced", "1.24.0"), ("last_affected", "1.24.13")]);
        assert!(!range_includes(&r, &v("1.23.9")));
        assert!(range_includes(&r, &v("1.24.13")));
        assert!(!range_includes(&r, &v("1.24.14")));
    }

    #[test]
    fn limit_bounds_the_range() {
        let r = range(&[("introduced", "0"), ("limit", "1.25.0")]);
        assert!(range_includes(&r, &v("1.24.99")));
        assert!(!range_includes(&r, &v("1.25.0")));
        let star = range(&[("introduced", "0"), ("limit", "*")]);
        assert!(range_includes(&star, &v("9.9.9")));
    }

    #[test]
    fn prerelease_sorts_below_its_release() {
        // The trap an LTS export must avoid: 1.27.16-lts.1 < 1.27.16.
        let r = range(&[("introduced", "0"), ("fixed", "1.27.16-lts.1")]);
        assert!(
            !range_includes(&r, &v("1.27.16")),
            "plain 1.27.16 would wrongly count as fixed"
        );
    }

    #[test]
    fn standing_distinguishes_fixed_from_never_affected() {
        let a = Affected {
            package: super::super::Package {
                ecosystem: "Kubernetes".into(),
                name: "k8s.io/kubelet".into(),
                purl: None,
            },
            severity: vec![],
            ranges: vec![range(&[("introduced", "1.20.0"), ("fixed", "1.20.11")])],
            versions: vec![],
            extra: BTreeMap::new(),
        };
        assert_eq!(standing(&a, &v("1.19.16")), Standing::NotAffected);
        assert_eq!(standing(&a, &v("1.20.5")), Standing::Affected);
        assert_eq!(standing(&a, &v("1.20.15")), Standing::Fixed);
    }

    #[test]
    fn lenient_version_parsing() {
        assert_eq!(parse_version("v1.20"), Some(Version::new(1, 20, 0)));
        assert_eq!(
            parse_version("1.27.16-lts.1").unwrap().pre.as_str(),
            "lts.1"
        );
        assert_eq!(parse_version("1.x"), None);
    }
}
