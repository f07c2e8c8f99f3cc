//! OSV `SEMVER` ranges over Go versions, evaluated as the OSV specification
//! says: events sorted by version (`introduced: 0` first), walked in order;
//! `introduced` opens, `fixed` closes from its version, `last_affected`
//! closes after it, and `limit` bounds the range from above.

use crate::gomod::version::Version;
use serde::Serialize;

/// A bound of an event: a version, or `0` / `*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Bound {
    /// `introduced: 0` or `limit: *`.
    Unbounded,
    /// A version.
    At(Version),
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Vulnerable from here (`Unbounded`: from the beginning).
    Introduced(Bound),
    /// Not vulnerable from here.
    Fixed(Version),
    /// Vulnerable up to and including here.
    LastAffected(Version),
    /// The range ends below here (`Unbounded`: `*`).
    Limit(Bound),
}

/// A `SEMVER` range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    /// Its events, in the record's order.
    pub events: Vec<Event>,
}

impl Range {
    fn sorted(&self) -> Vec<&Event> {
        let mut events: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| !matches!(e, Event::Limit(_)))
            .collect();
        events.sort_by(|a, b| match (key(a), key(b)) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        });
        events
    }

    fn below_limits(&self, v: &Version) -> bool {
        let limits: Vec<&Bound> = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Limit(b) => Some(b),
                _ => None,
            })
            .collect();
        limits.is_empty()
            || limits.iter().any(|b| match b {
                Bound::Unbounded => true,
                Bound::At(l) => v < l,
            })
    }

    /// Whether `v` is inside the range.
    pub fn includes(&self, v: &Version) -> bool {
        if !self.below_limits(v) {
            return false;
        }
        let mut inside = false;
        for e in self.sorted() {
            match e {
                Event::Introduced(Bound::Unbounded) => inside = true,
                Event::Introduced(Bound::At(at)) if v >= at => inside = true,
                Event::Fixed(at) if v >= at => inside = false,
                Event::LastAffected(at) if v > at => inside = false,
                _ => {}
            }
        }
        inside
    }

    /// The `fixed` versions of the range.
    pub fn fixed(&self) -> impl Iterator<Item = &Version> {
        self.events.iter().filter_map(|e| match e {
            Event::Fixed(v) => Some(v),
            _ => None,
        })
    }
}

/// `None` sorts first (`introduced: 0`).
fn key(e: &Event) -> Option<&Version> {
    match e {
        Event::Introduced(Bound::Unbounded) => None,
        Event::Introduced(Bound::At(v)) | Event::Fixed(v) | Event::LastAffected(v) => Some(v),
        Event::Limit(Bound::At(v)) => Some(v),
        Event::Limit(Bound::Unbounded) => None,
    }
}

/// Whether `v` is inside any of `ranges`, or listed in `versions`.
pub fn affects(ranges: &[Range], versions: &[Version], v: &Version) -> bool {
    versions.contains(v) || ranges.iter().any(|r| r.includes(v))
}

/// The versions above `v` that the ranges name as fixed and that are not
/// affected themselves, lowest first: the candidate upgrades.
pub fn fixes_above(ranges: &[Range], versions: &[Version], v: &Version) -> Vec<Version> {
    let mut out: Vec<Version> = ranges
        .iter()
        .flat_map(Range::fixed)
        .filter(|f| *f > v && !affects(ranges, versions, f))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse_osv(s).unwrap()
    }

    fn stdlib_range() -> Range {
        // GO-2022-0969: introduced 0, fixed 1.18.6, introduced 1.19.0-0, fixed 1.19.1.
        Range {
            events: vec![
                Event::Introduced(Bound::At(v("1.19.0-0"))),
                Event::Fixed(v("1.19.1")),
                Event::Introduced(Bound::Unbounded),
                Event::Fixed(v("1.18.6")),
            ],
        }
    }

    #[test]
    fn stdlib_ranges_with_prerelease_starts() {
        let r = stdlib_range();
        for (ver, want) in [
            ("1.15.5", true),
            ("1.18.5", true),
            ("1.18.6", false),
            ("1.18.10", false),
            ("1.19.0-rc.1", true),
            ("1.19.0", true),
            ("1.19.1", false),
            ("1.20.0", false),
        ] {
            assert_eq!(r.includes(&v(ver)), want, "{ver}");
        }
        assert_eq!(
            fixes_above(std::slice::from_ref(&r), &[], &v("1.15.5")),
            [v("1.18.6"), v("1.19.1")]
        );
        assert_eq!(fixes_above(&[r], &[], &v("1.19.0")), [v("1.19.1")]);
    }

    #[test]
    fn pseudo_versions_and_last_affected_and_limits() {
        let r = Range {
            events: vec![
                Event::Introduced(Bound::Unbounded),
                Event::Fixed(v("0.0.0-20220906165146-f3363e06e74c")),
            ],
        };
        assert!(r.includes(&v("0.0.0-20201110031124-69a78807bb2b")));
        assert!(!r.includes(&v("0.0.0-20220906165146-f3363e06e74c")));
        assert!(!r.includes(&v("0.1.0")));
        let last = Range {
            events: vec![
                Event::Introduced(Bound::At(v("1.0.0"))),
                Event::LastAffected(v("1.2.0")),
            ],
        };
        assert!(
            last.includes(&v("1.2.0"))
                && !last.includes(&v("1.2.1"))
                && !last.includes(&v("0.9.0"))
        );
        let limited = Range {
            events: vec![
                Event::Introduced(Bound::Unbounded),
                Event::Limit(Bound::At(v("2.0.0"))),
            ],
        };
        assert!(limited.includes(&v("1.9.9")) && !limited.includes(&v("2.0.0")));
        assert!(affects(&[], &[v("3.0.0")], &v("3.0.0")));
    }
}
