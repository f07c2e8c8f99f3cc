//! Go versions as the Go toolchain compares them (`golang.org/x/mod/semver`):
//! module versions (`v1.2.3`, `v0.0.0-20220906165146-f3363e06e74c`,
//! `v43.0.0+incompatible`), the unprefixed versions of the Go vulnerability
//! database (`0.3.3`, `1.19.0-0`) and Go release names (`go1.15.5`,
//! `go1.21rc2`), all as one [`Version`].
//!
//! Ordering follows semantic versioning 2.0: numbers compare as numbers, a
//! pre-release sorts below its release (`1.19.0-0` < `1.19.0-rc.1` <
//! `1.19.0`), and build metadata (`+incompatible`) is ignored. This is the one
//! version order of the library: the porter's module rung compares the text
//! of `go.mod` lines with [`compare`] and [`compare_go`], dependency coverage
//! matches OSV ranges with [`Version`].

use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// One dot-separated pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identifier {
    Number(u64),
    Text(String),
}

impl Ord for Identifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Identifier::Number(a), Identifier::Number(b)) => a.cmp(b),
            (Identifier::Number(_), Identifier::Text(_)) => Ordering::Less,
            (Identifier::Text(_), Identifier::Number(_)) => Ordering::Greater,
            (Identifier::Text(a), Identifier::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Number(n) => write!(f, "{n}"),
            Identifier::Text(t) => f.write_str(t),
        }
    }
}

/// A Go semantic version. Equality and ordering ignore build metadata, as
/// `semver.Compare` does.
#[derive(Debug, Clone)]
pub struct Version {
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    pre: Vec<Identifier>,
    build: String,
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.major, self.minor, self.patch, &self.pre).hash(state);
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How far a version change goes: what an upgrade on an old line risks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Same major and minor version (a patch, or a newer commit of the same
    /// pseudo-version line).
    Patch,
    /// A newer minor version of the same major (breaking for `v0` modules by
    /// Go's own compatibility rules).
    Minor,
    /// A newer major version.
    Major,
}

impl Step {
    /// Report name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Patch => "patch",
            Step::Minor => "minor",
            Step::Major => "major",
        }
    }
}

impl Version {
    /// A plain `major.minor.patch`.
    pub fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
            build: String::new(),
        }
    }

    /// A module version as `go.mod` and `vendor/modules.txt` write it: a
    /// leading `v` and all three numbers (`v1.2.3`, `v0.0.0-2020…-abc…`).
    pub fn parse_module(s: &str) -> Option<Version> {
        let v = parse_core(s.strip_prefix('v')?)?;
        Some(v)
    }

    /// A version as the Go vulnerability database's OSV records write it:
    /// without the `v` (`0.3.3`, `1.19.0-0`); a `v` is tolerated.
    pub fn parse_osv(s: &str) -> Option<Version> {
        parse_core(s.strip_prefix('v').unwrap_or(s))
    }

    /// A Go toolchain version: `go1.15.5`, `1.15.5`, `go1.20` (1.20.0),
    /// `go1.21rc2` (1.21.0-rc.2), `go1.9beta1` (1.9.0-beta.1), or the
    /// database's own form (`1.21.0-rc.2`). Trailing build text after a space
    /// (`go1.22.3 X:boringcrypto`) is ignored.
    pub fn parse_go(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.split(' ').next().unwrap_or(s);
        let s = s.strip_prefix("go").unwrap_or(s);
        let s = s.strip_prefix('v').unwrap_or(s);
        if let Some(v) = parse_core(s) {
            return Some(v);
        }
        // go1.21rc2, go1.9beta1, go1.20: numbers, then an optional word and number.
        let digits_end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (numbers, tail) = s.split_at(digits_end);
        let parts: Vec<&str> = numbers.split('.').collect();
        if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| !is_number(p)) {
            return None;
        }
        let n = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse().ok());
        let mut v = Version::new(n(0)?, n(1)?, n(2)?);
        if !tail.is_empty() {
            let word_end = tail
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(tail.len());
            let (word, number) = tail.split_at(word_end);
            if !matches!(word, "rc" | "beta" | "alpha") || !is_number(number) {
                return None;
            }
            v.pre = vec![
                Identifier::Text(word.to_string()),
                Identifier::Number(number.parse().ok()?),
            ];
        }
        Some(v)
    }

    /// Whether this is a pre-release (`-rc.1`, a pseudo-version, `-0`).
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// Whether this is a pseudo-version (`v0.0.0-20220906165146-f3363e06e74c`,
    /// `v1.2.4-0.20191109021931-daa7c04131f5`, `v1.2.3-pre.0.2019…-…`): a commit
    /// without a tag, as `golang.org/x/mod/module.IsPseudoVersion` defines it.
    pub fn is_pseudo(&self) -> bool {
        self.pseudo_commit().is_some()
    }

    /// The commit time (`2022-09-06`) and revision of a pseudo-version.
    pub fn pseudo_commit(&self) -> Option<(String, String)> {
        let Identifier::Text(last) = self.pre.last()? else {
            return None;
        };
        let (time, rev) = last.split_once('-')?;
        let stamp = time.len() == 14 && time.bytes().all(|b| b.is_ascii_digit());
        let revision = !rev.is_empty() && rev.bytes().all(|b| b.is_ascii_alphanumeric());
        let shape = match self.pre.len() {
            // vX.0.0-yyyymmddhhmmss-abcdefabcdef
            1 => self.minor == 0 && self.patch == 0,
            // vX.Y.(Z+1)-0.yyyymmddhhmmss-… or vX.Y.Z-pre.0.yyyymmddhhmmss-…
            n => self.pre[n - 2] == Identifier::Number(0),
        };
        (stamp && revision && shape).then(|| {
            (
                format!("{}-{}-{}", &time[0..4], &time[4..6], &time[6..8]),
                rev.to_string(),
            )
        })
    }

    /// `(major, minor)`.
    pub fn minor_line(&self) -> (u64, u64) {
        (self.major, self.minor)
    }

    /// How far moving from `self` to `to` goes.
    pub fn step_to(&self, to: &Version) -> Step {
        if to.major != self.major {
            Step::Major
        } else if to.minor != self.minor {
            Step::Minor
        } else {
            Step::Patch
        }
    }

    /// The version without the leading `v` (`1.15.5`, `0.3.3`), as OSV and
    /// Go release numbers write it.
    pub fn bare(&self) -> String {
        let s = self.to_string();
        s[1..].to_string()
    }

    /// Go's release name for a toolchain version: `go1.15.5`, `go1.21rc2`,
    /// and `go1.20` for 1.20.0 before Go 1.21 (from 1.21 on, `go1.21.0`).
    pub fn go_name(&self) -> String {
        let numbers = if self.patch == 0 && (self.major, self.minor) < (1, 21) {
            format!("go{}.{}", self.major, self.minor)
        } else {
            format!("go{}.{}.{}", self.major, self.minor, self.patch)
        };
        match self.pre.as_slice() {
            [] => numbers,
            [Identifier::Text(w), Identifier::Number(n)] => {
                format!("go{}.{}{w}{n}", self.major, self.minor)
            }
            _ => format!("{numbers}-{}", join(&self.pre)),
        }
    }
}

impl fmt::Display for Version {
    /// The canonical module form: `v1.2.3`, `v1.2.3-rc.1`, `v2.0.0+incompatible`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", join(&self.pre))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Whether `v` is a valid Go module version (`v1.2.3`, `v1.2.3-pre`,
/// `v0.0.0-20230301143203-a9d515a09cc2`, `v2.0.0+incompatible`).
pub fn is_valid(v: &str) -> bool {
    Version::parse_module(v).is_some()
}

/// Go's order of module versions `a` and `b` as written; an invalid version
/// sorts before every valid one (and invalid ones by their text), as
/// `semver.Compare` does.
pub fn compare(a: &str, b: &str) -> Ordering {
    by_text_when_invalid(a, b, Version::parse_module)
}

/// The order of two Go toolchain versions as `go` and `toolchain` lines write
/// them (`1.16`, `1.21.0`, `1.21rc2`, `go1.22.1`): by number, a release
/// candidate before its release (see [`Version::parse_go`]); one that does
/// not parse sorts first.
pub fn compare_go(a: &str, b: &str) -> Ordering {
    by_text_when_invalid(a, b, Version::parse_go)
}

fn by_text_when_invalid(a: &str, b: &str, parse: fn(&str) -> Option<Version>) -> Ordering {
    match (parse(a), parse(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

fn join(ids: &[Identifier]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, strictly: no leading zeros, no empty
/// identifiers.
fn parse_core(s: &str) -> Option<Version> {
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, b),
        None => (s, ""),
    };
    if !build.is_empty() && !build.split('.').all(is_identifier) || s.ends_with('+') {
        return None;
    }
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3 || !numbers.iter().all(|n| is_number(n)) {
        return None;
    }
    let mut v = Version::new(
        numbers[0].parse().ok()?,
        numbers[1].parse().ok()?,
        numbers[2].parse().ok()?,
    );
    if let Some(pre) = pre {
        for id in pre.split('.') {
            if !is_identifier(id) {
                return None;
            }
            v.pre.push(if id.bytes().all(|b| b.is_ascii_digit()) {
                if !is_number(id) {
                    return None;
                }
                Identifier::Number(id.parse().ok()?)
            } else {
                Identifier::Text(id.to_string())
            });
        }
    }
    v.build = build.to_string();
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Version {
        Version::parse_module(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn orders_as_go_semver_does() {
        let ordered = [
            "v0.0.0-20180207000608-0eeff89b0690",
            "v0.0.0-20220906165146-f3363e06e74c",
            "v0.0.0",
            "v0.3.2",
            "v0.3.10",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4-pre",
            "v1.2.4",
            "v1.19.0-0",
            "v1.19.0-beta.1",
            "v1.19.0-rc.1",
            "v1.19.0-rc.2",
            "v1.19.0",
        ];
        for w in ordered.windows(2) {
            assert!(m(w[0]) < m(w[1]), "{} < {}", w[0], w[1]);
        }
        // Build metadata is ignored, as semver.Compare ignores it.
        assert_eq!(m("v43.0.0+incompatible"), m("v43.0.0"));
        assert_eq!(
            m("v43.0.0+incompatible").to_string(),
            "v43.0.0+incompatible"
        );
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "1.2.3",
            "v1.2",
            "v01.2.3",
            "v1.2.3-01",
            "v1.2.3-",
            "v1.2.3+",
            "v1.2.3-a..b",
            "vx",
        ] {
            assert_eq!(Version::parse_module(bad), None, "{bad}");
        }
        assert_eq!(
            Version::parse_osv("1.19.0-0").unwrap().to_string(),
            "v1.19.0-0"
        );
        assert_eq!(
            Version::parse_osv("10.5.0+incompatible").unwrap().bare(),
            "10.5.0+incompatible"
        );
    }

    #[test]
    fn go_release_names() {
        assert_eq!(
            Version::parse_go("go1.15.5").unwrap(),
            Version::new(1, 15, 5)
        );
        assert_eq!(Version::parse_go("1.15.5").unwrap(), Version::new(1, 15, 5));
        assert_eq!(Version::parse_go("go1.20").unwrap(), Version::new(1, 20, 0));
        assert_eq!(
            Version::parse_go("go1.22.3 X:boringcrypto").unwrap(),
            Version::new(1, 22, 3)
        );
        let rc = Version::parse_go("go1.21rc2").unwrap();
        assert_eq!(rc.to_string(), "v1.21.0-rc.2");
        assert!(rc < Version::new(1, 21, 0) && rc > Version::parse_osv("1.21.0-0").unwrap());
        assert_eq!(rc.go_name(), "go1.21rc2");
        assert_eq!(Version::new(1, 20, 0).go_name(), "go1.20");
        assert_eq!(Version::new(1, 21, 0).go_name(), "go1.21.0");
        assert_eq!(Version::parse_go("devel"), None);
        assert_eq!(Version::parse_go("go1.21xyz3"), None);
    }

    #[test]
    fn pseudo_versions() {
        let p = m("v0.0.0-20220906165146-f3363e06e74c");
        assert_eq!(
            p.pseudo_commit(),
            Some(("2022-09-06".into(), "f3363e06e74c".into()))
        );
        assert!(m("v1.2.4-0.20191109021931-daa7c04131f5").is_pseudo());
        assert!(m("v1.2.3-pre.0.20191109021931-daa7c04131f5").is_pseudo());
        assert!(!m("v1.2.3-rc.1").is_pseudo());
        assert!(!m("v1.2.3-20191109021931-daa7c04131f5").is_pseudo());
        assert_eq!(
            p.step_to(&m("v0.0.0-20230906165146-aaaaaaaaaaaa")),
            Step::Patch
        );
        assert_eq!(p.step_to(&m("v0.7.0")), Step::Minor);
        assert_eq!(m("v1.2.3").step_to(&m("v2.0.0")), Step::Major);
    }

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
            assert_eq!(
                compare(w[0], w[1]),
                std::cmp::Ordering::Less,
                "{} < {}",
                w[0],
                w[1]
            );
            assert_eq!(compare(w[1], w[0]), std::cmp::Ordering::Greater);
        }
        assert_eq!(
            compare("v2.0.0+incompatible", "v2.0.0"),
            std::cmp::Ordering::Equal
        );
        assert!(!is_valid("1.2.3") && !is_valid("v1.2") && !is_valid("v01.2.3"));
        assert_eq!(compare("bogus", "v0.0.1"), std::cmp::Ordering::Less);
        assert_eq!(compare_go("1.9", "1.22"), std::cmp::Ordering::Less);
        assert_eq!(compare_go("1.21rc2", "1.21"), std::cmp::Ordering::Less);
        assert_eq!(compare_go("1.21", "1.21.0"), std::cmp::Ordering::Equal);
        assert_eq!(
            compare_go("go1.22.1", "1.22.0"),
            std::cmp::Ordering::Greater
        );
    }
}
