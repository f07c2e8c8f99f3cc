//! Upstream dates: each Kubernetes minor's x.y.0 day, end of life and last
//! patch version, and each Go release's day, from `data/lifecycle.yml`
//! (compiled in) with the manifest's `lifecycle: lines:` on top.

use crate::release::line::Minor;
use crate::release::manifest::LifecyclePolicy;
use crate::time::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The built-in data file.
pub const BUILT_IN: &str = include_str!("../../data/lifecycle.yml");

/// LTS end of life, in years after upstream end of life, when the manifest
/// does not say: the period KLTS promises.
pub const DEFAULT_LTS_YEARS: u32 = 3;

/// Where a line's dates come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The built-in data file.
    BuiltIn,
    /// The manifest's `lifecycle: lines:` (wholly or in part).
    Manifest,
}

/// One upstream line's dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineDates {
    /// The minor.
    pub minor: Minor,
    /// Upstream x.y.0 release day.
    pub released: Option<Date>,
    /// Upstream end of life.
    pub end_of_life: Option<Date>,
    /// The last upstream patch version (`1.20.15`).
    pub last_patch: Option<String>,
    /// `false` when `last_patch` was the newest known, not a final one.
    pub last_patch_final: bool,
    /// LTS end of life set explicitly by the manifest.
    pub lts_end_of_life: Option<Date>,
    /// Where the dates come from.
    pub origin: Origin,
}

/// All upstream dates, built-in data with the manifest's overrides applied.
#[derive(Debug, Clone)]
pub struct Dates {
    /// The day the built-in data was last checked.
    pub as_of: Date,
    /// Kubernetes lines, oldest first.
    pub lines: BTreeMap<Minor, LineDates>,
    /// Go release days by minor.
    pub go: BTreeMap<Minor, Date>,
    /// Years of LTS after upstream end of life.
    pub lts_years: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    as_of: Date,
    kubernetes: Vec<RawLine>,
    go: Vec<RawGo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    minor: String,
    released: Date,
    end_of_life: Date,
    last_patch: String,
    #[serde(default = "yes")]
    r#final: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGo {
    minor: String,
    released: Date,
}

impl Dates {
    /// The built-in data alone.
    pub fn built_in() -> Dates {
        Dates::parse(BUILT_IN).expect("data/lifecycle.yml is checked by the tests")
    }

    /// Parse a data file in the built-in format.
    pub fn parse(text: &str) -> Result<Dates, String> {
        let raw: RawData = serde_saphyr::from_str(text).map_err(|e| {
            let (line, first) = crate::release::manifest::yaml_error(&e);
            format!("line {line}: {first}")
        })?;
        let minor =
            |s: &str| Minor::parse(s).ok_or_else(|| format!("`{s}` is not a minor version"));
        let mut lines = BTreeMap::new();
        for l in raw.kubernetes {
            let m = minor(&l.minor)?;
            lines.insert(
                m,
                LineDates {
                    minor: m,
                    released: Some(l.released),
                    end_of_life: Some(l.end_of_life),
                    last_patch: Some(l.last_patch),
                    last_patch_final: l.r#final,
                    lts_end_of_life: None,
                    origin: Origin::BuiltIn,
                },
            );
        }
        let mut go = BTreeMap::new();
        for g in raw.go {
            go.insert(minor(&g.minor)?, g.released);
        }
        Ok(Dates {
            as_of: raw.as_of,
            lines,
            go,
            lts_years: DEFAULT_LTS_YEARS,
        })
    }

    /// The built-in data with a manifest's `lifecycle:` applied: its fields
    /// replace the built-in ones line by line; a stated `last_patch` is final.
    pub fn with_policy(mut self, policy: &LifecyclePolicy) -> Result<Dates, String> {
        if let Some(years) = policy.lts_years {
            self.lts_years = years;
        }
        for (name, over) in &policy.lines {
            let minor = Minor::parse_line(name).ok_or_else(|| {
                format!(
                    "`lifecycle: lines:` has `{name}`: expected a minor version such as \"1.20\""
                )
            })?;
            let entry = self.lines.entry(minor).or_insert(LineDates {
                minor,
                released: None,
                end_of_life: None,
                last_patch: None,
                last_patch_final: true,
                lts_end_of_life: None,
                origin: Origin::Manifest,
            });
            entry.origin = Origin::Manifest;
            if over.released.is_some() {
                entry.released = over.released;
            }
            if over.end_of_life.is_some() {
                entry.end_of_life = over.end_of_life;
            }
            if let Some(p) = &over.last_patch {
                if crate::security::advisory::range::parse_version(p).is_none() {
                    return Err(format!(
                        "`lifecycle: lines: {name}: last_patch: {p}` is not a version (expected such as 1.20.15)"
                    ));
                }
                entry.last_patch = Some(p.trim_start_matches('v').to_string());
                entry.last_patch_final = true;
            }
            if over.lts_end_of_life.is_some() {
                entry.lts_end_of_life = over.lts_end_of_life;
            }
        }
        Ok(self)
    }

    /// The built-in data with `manifest`'s `lifecycle:` applied; an error
    /// names the manifest.
    pub fn for_manifest(manifest: &crate::release::manifest::Manifest) -> crate::Result<Dates> {
        Dates::built_in()
            .with_policy(&manifest.lifecycle)
            .map_err(|e| crate::Error::Input(format!("{}: {e}", manifest.path.display())))
    }

    /// The LTS end of life of a line: the manifest's, else upstream end of
    /// life plus `lts_years`.
    pub fn lts_end_of_life(&self, line: &LineDates) -> Option<Date> {
        line.lts_end_of_life
            .or_else(|| line.end_of_life.map(|d| d.add_years(self.lts_years as i32)))
    }

    /// A Go release's end of support: the day two newer major releases exist
    /// (`None` while that has not happened in the data).
    pub fn go_end_of_support(&self, go: Minor) -> Option<Date> {
        self.go.get(&go.plus(2)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in table parses, has every line from 1.10 to its newest with
    /// no gap, and its dates are in order: released before end of life, each
    /// line released after the one before, and the last patch on its own line.
    #[test]
    fn built_in_table_is_complete_and_consistent() {
        let d = Dates::built_in();
        let first = Minor {
            major: 1,
            minor: 10,
        };
        let newest = *d.lines.keys().last().unwrap();
        assert!(
            newest
                >= Minor {
                    major: 1,
                    minor: 32
                },
            "KLTS maintains 1.32"
        );
        let mut expect = first;
        let mut previous: Option<&LineDates> = None;
        for (m, l) in &d.lines {
            assert_eq!(*m, expect, "gap before {m}");
            expect = expect.plus(1);
            let (released, eol) = (l.released.unwrap(), l.end_of_life.unwrap());
            assert!(released < eol, "{m}");
            assert!(
                eol <= d.as_of || !l.last_patch_final,
                "{m}: a line still supported on {} cannot have a final patch",
                d.as_of
            );
            let patch = l.last_patch.as_deref().unwrap();
            assert_eq!(Minor::parse(patch), Some(*m), "{m}: {patch}");
            if let Some(p) = previous {
                assert!(
                    p.released.unwrap() < released,
                    "{m} released before {}",
                    p.minor
                );
            }
            previous = Some(l);
        }
        // Go: consecutive minors from 1.8, each released after the one before.
        let mut days = d.go.iter();
        let (mut go, mut day) = days.next().unwrap();
        for (g, r) in days {
            assert_eq!(*g, go.plus(1));
            assert!(r > day);
            (go, day) = (g, r);
        }
    }

    /// The example figures: upstream end of life from the website's
    /// eol.yaml, LTS three years later, and Go's support ending when the
    /// second newer release ships.
    #[test]
    fn known_dates() {
        let d = Dates::built_in();
        let l = &d.lines[&Minor {
            major: 1,
            minor: 18,
        }];
        assert_eq!(l.end_of_life.unwrap().to_string(), "2021-06-18");
        assert_eq!(l.last_patch.as_deref(), Some("1.18.20"));
        assert_eq!(d.lts_end_of_life(l).unwrap().to_string(), "2024-06-18");
        assert_eq!(
            d.go_end_of_support(Minor {
                major: 1,
                minor: 15
            })
            .unwrap()
            .to_string(),
            "2021-08-16"
        );
        assert_eq!(
            d.go_end_of_support(Minor {
                major: 1,
                minor: 26
            }),
            None
        );
    }

    #[test]
    fn manifest_overrides_replace_fields_and_add_lines() {
        let text = "lifecycle:\n  lts_years: 2\n  lines:\n    \"1.18\": {last_patch: 1.18.21}\n    \"1.0\": {released: 2024-01-10, end_of_life: 2025-03-01, lts_end_of_life: 2026-01-01}\nreleases: []\n";
        let m =
            crate::release::manifest::Manifest::parse(text, std::path::Path::new("r.yml")).unwrap();
        let d = Dates::built_in().with_policy(&m.lifecycle).unwrap();
        let l18 = &d.lines[&Minor {
            major: 1,
            minor: 18,
        }];
        assert_eq!(l18.last_patch.as_deref(), Some("1.18.21"));
        assert_eq!(l18.origin, Origin::Manifest);
        assert_eq!(d.lts_end_of_life(l18).unwrap().to_string(), "2023-06-18");
        let l10 = &d.lines[&Minor { major: 1, minor: 0 }];
        assert_eq!(d.lts_end_of_life(l10).unwrap().to_string(), "2026-01-01");
        let bad = "lifecycle:\n  lines:\n    \"1.18\": {released: 2024-02-30}\nreleases: []\n";
        let e = crate::release::manifest::Manifest::parse(bad, std::path::Path::new("r.yml"))
            .unwrap_err();
        assert!(e.to_string().contains("r.yml:3"), "{e}");
    }
}
