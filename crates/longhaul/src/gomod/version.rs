//! Go's order of module versions (`golang.org/x/mod/semver.Compare`):
//! semantic versions with a `v`, pre-releases (and so pseudo-versions) before
//! their release, build metadata (`+incompatible`) ignored.

use std::cmp::Ordering;

/// A parsed version: major, minor, patch and the pre-release identifiers.
#[derive(Debug, PartialEq, Eq)]
struct Parsed<'a> {
    core: [u64; 3],
    pre: Vec<&'a str>,
}

fn parse(v: &str) -> Option<Parsed<'_>> {
    let v = v.strip_prefix('v')?;
    let v = v.split('+').next()?;
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) if !p.is_empty() => (c, p.split('.').collect()),
        Some(_) => return None,
        None => (v, Vec::new()),
    };
    let mut parts = core.split('.');
    let mut out = [0u64; 3];
    for slot in &mut out {
        let p = parts.next()?;
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    if parts.next().is_some() || pre.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some(Parsed { core: out, pre })
}

/// Whether `v` is a valid Go module version (`v1.2.3`, `v1.2.3-pre`,
/// `v0.0.0-20230301143203-a9d515a09cc2`, `v2.0.0+incompatible`).
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// Go's order of `a` and `b`; an invalid version sorts before every valid one
/// (and invalid ones by their text), as `semver.Compare` does.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x
            .core
            .cmp(&y.core)
            .then_with(|| compare_pre(&x.pre, &y.pre)),
    }
}

/// The order of two Go toolchain versions as `go` and `toolchain` lines write
/// them (`1.16`, `1.21.0`, `1.21rc2`, `go1.22.1`): by number, a release
/// candidate before its release.
pub fn compare_go(a: &str, b: &str) -> Ordering {
    fn parts(v: &str) -> (Vec<u64>, Option<String>) {
        let v = v.strip_prefix("go").unwrap_or(v);
        let end = v
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(v.len());
        let nums = v[..end]
            .split('.')
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let pre = (end < v.len()).then(|| v[end..].to_string());
        (nums, pre)
    }
    let ((mut na, pa), (mut nb, pb)) = (parts(a), parts(b));
    let len = na.len().max(nb.len());
    na.resize(len, 0);
    nb.resize(len, 0);
    na.cmp(&nb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    })
}

fn compare_pre(a: &[&str], b: &[&str]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.iter().zip(b) {
        let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
        let o = match (numeric(x), numeric(y)) {
            (true, true) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::{compare, is_valid};
    use std::cmp::Ordering::*;

    #[test]
    fn versions_sort_as_go_sorts_them() {
        let sorted = [
            "v0.0.0-20210615171337-6886f2dfbf5b",
            "v0.0.0-20210927222741-03fcf44c2211",
            "v0.1.0",
            "v1.2.3-rc.1",
            "v1.2.3-rc.2",
            "v1.2.3-rc.10",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.10.0",
            "v20.10.14+incompatible",
        ];
        for w in sorted.windows(2) {
            assert_eq!(compare(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(compare(w[1], w[0]), Greater);
        }
        assert_eq!(compare("v2.0.0+incompatible", "v2.0.0"), Equal);
        assert!(!is_valid("1.2.3") && !is_valid("v1.2") && !is_valid("v01.2.3"));
        assert_eq!(compare("bogus", "v0.0.1"), Less);
        assert_eq!(super::compare_go("1.9", "1.22"), Less);
        assert_eq!(super::compare_go("1.21rc2", "1.21"), Less);
        assert_eq!(super::compare_go("1.21", "1.21.0"), Equal);
        assert_eq!(super::compare_go("go1.22.1", "1.22.0"), Greater);
    }
}
