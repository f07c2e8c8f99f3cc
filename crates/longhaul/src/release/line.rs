//! Release lines: the upstream minor (`1.20`) each release belongs to, and
//! a line's releases newest first.
//!
//! KLTS lists each line's releases newest first, and so does every manifest
//! `longhaul bump` writes: within a line, file order is release order.

use crate::release::manifest::{Manifest, Release, version_of};
use serde::Serialize;
use std::fmt;

/// An upstream minor version: a release line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minor {
    /// The major version (1 for every Kubernetes release so far).
    pub major: u32,
    /// The minor version.
    pub minor: u32,
}

impl Minor {
    /// `1.20`, `v1.20` or a version or release name on that line
    /// (`1.20.15`, `v1.20.15-lts.3`).
    ///
    /// ```
    /// use longhaul::release::line::Minor;
    /// assert_eq!(Minor::parse("v1.20.15-lts.3").unwrap().to_string(), "1.20");
    /// assert_eq!(Minor::parse("1.9").unwrap(), Minor { major: 1, minor: 9 });
    /// assert_eq!(Minor::parse("release-1.18"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Minor> {
        let rest = text.trim().strip_prefix('v').unwrap_or(text.trim());
        let mut parts = rest.split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Minor { major, minor })
    }

    /// A line as written on its own: `1.20` or `v1.20`, nothing more precise
    /// (`1.20.3` is a version, not a line).
    ///
    /// ```
    /// use longhaul::release::line::Minor;
    /// assert_eq!(Minor::parse_line("v1.28").unwrap().to_string(), "1.28");
    /// assert_eq!(Minor::parse_line("1.28.3"), None);
    /// ```
    pub fn parse_line(text: &str) -> Option<Minor> {
        Minor::parse(text).filter(|_| text.trim().matches('.').count() == 1)
    }

    /// The line `count` minors later (`1.20` + 2 = `1.22`).
    pub fn plus(self, count: u32) -> Minor {
        Minor {
            minor: self.minor + count,
            ..self
        }
    }
}

impl fmt::Display for Minor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for Minor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The line of a release: the minor of the version its name starts with, else
/// of its base tag.
pub fn line_of(manifest: &Manifest, release: &str) -> Option<Minor> {
    version_of(release)
        .or_else(|| manifest.base_tag(release).ok().and_then(|t| version_of(&t)))
        .and_then(|v| Minor::parse(&v))
}

/// One line and its shipped releases, newest first (file order).
#[derive(Debug, Clone)]
pub struct Line<'m> {
    /// The minor.
    pub minor: Minor,
    /// Shipped releases of the line, newest first.
    pub releases: Vec<&'m Release>,
}

impl<'m> Line<'m> {
    /// The newest shipped release.
    pub fn newest(&self) -> &'m Release {
        self.releases[0]
    }

    /// The release shipped before `release` on this line, if any.
    pub fn previous(&self, release: &str) -> Option<&'m Release> {
        let i = self.releases.iter().position(|r| r.name == release)?;
        self.releases.get(i + 1).copied()
    }
}

/// Every line with a shipped release, oldest line first. Releases whose line
/// cannot be told (no version in the name or base tag) are left out.
pub fn lines(manifest: &Manifest) -> Vec<Line<'_>> {
    let mut out: Vec<Line> = Vec::new();
    for r in manifest.shipped_releases() {
        let Some(minor) = line_of(manifest, &r.name) else {
            continue;
        };
        match out.iter_mut().find(|l| l.minor == minor) {
            Some(l) => l.releases.push(r),
            None => out.push(Line {
                minor,
                releases: vec![r],
            }),
        }
    }
    out.sort_by_key(|l| l.minor);
    out
}

/// The newest shipped release of every line, oldest line first.
pub fn newest_per_line(manifest: &Manifest) -> Vec<String> {
    lines(manifest)
        .iter()
        .map(|l| l.newest().name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn lines_group_shipped_releases_newest_first() {
        let text = "releases:\n  - {name: v1.2.3-lts.2, base_release: v1.2.3-lts.1, must: true}\n  - {name: v1.2.3-lts.1, base_release: v1.2.3-ci, must: true}\n  - {name: v1.2.3-ci, base_release: v1.2.3}\n  - {name: v1.10.0-lts.1, base_release: v1.10.0}\n  - {name: custom, base_release: v1.3.4}\n";
        let m = Manifest::parse(text, Path::new("releases.yml")).unwrap();
        let lines = lines(&m);
        let shown: Vec<(String, Vec<&str>)> = lines
            .iter()
            .map(|l| {
                (
                    l.minor.to_string(),
                    l.releases.iter().map(|r| r.name.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("1.2".to_string(), vec!["v1.2.3-lts.2", "v1.2.3-lts.1"]),
                ("1.3".to_string(), vec!["custom"]),
                ("1.10".to_string(), vec!["v1.10.0-lts.1"]),
            ]
        );
        assert_eq!(
            lines[0].previous("v1.2.3-lts.2").unwrap().name,
            "v1.2.3-lts.1"
        );
        assert!(lines[0].previous("v1.2.3-lts.1").is_none());
        assert_eq!(
            newest_per_line(&m),
            ["v1.2.3-lts.2", "custom", "v1.10.0-lts.1"]
        );
    }
}
