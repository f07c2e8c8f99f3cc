//! One row per release line: upstream and LTS support, the newest LTS
//! release, the Go it builds with, and the contradictions found.

use super::dates::{Dates, Origin};
use crate::release::line::{Minor, lines};
use crate::release::manifest::{Manifest, version_of};
use crate::time::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// The Go a line's newest release builds with, as read from its tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoUsed {
    /// The version (`1.15.5`).
    pub version: String,
    /// The file of the tree it was read from.
    pub source: String,
}

/// What is known about a line's Go: the version, or why there is none.
pub type GoLookup = Result<GoUsed, String>;

/// Where a line is in its life on the day of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Upstream still patches it.
    Upstream,
    /// Past upstream end of life, inside the LTS window.
    Lts,
    /// Past its LTS end of life.
    Ended,
    /// No dates: the phase cannot be told.
    Unknown,
}

/// A contradiction between the manifest, the dates and the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// A stable code: `ended-but-maintained`, `in-window-not-maintained`,
    /// `base-not-last-patch`, `base-newer-than-data`, `go-out-of-support`,
    /// `no-dates`.
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

/// One line of the lifecycle table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The minor.
    pub line: Minor,
    /// Upstream x.y.0 release day.
    pub released: Option<Date>,
    /// Upstream end of life.
    pub upstream_end_of_life: Option<Date>,
    /// The last upstream patch version.
    pub last_patch: Option<String>,
    /// `false` when `last_patch` is only the newest known.
    pub last_patch_final: bool,
    /// LTS end of life.
    pub lts_end_of_life: Option<Date>,
    /// Where the dates come from (`None`: there are none).
    pub dates_from: Option<Origin>,
    /// The line's newest LTS release.
    pub newest_release: Option<String>,
    /// The upstream tag the newest release is built on.
    pub base: Option<String>,
    /// Whether the manifest maintains the line (`must: true` on its newest release).
    pub maintained: bool,
    /// The Go the newest release builds with, or why it is unknown.
    pub go: Option<GoUsed>,
    /// Why `go` is `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go_unknown: Option<String>,
    /// That Go release's end of support (`None`: still supported, or unknown).
    pub go_end_of_support: Option<Date>,
    /// Where the line is on `today`.
    pub phase: Phase,
    /// Contradictions.
    pub flags: Vec<Flag>,
}

/// The lifecycle table.
#[derive(Debug, Clone, Serialize)]
pub struct Lifecycle {
    /// The day the phases and flags are for.
    pub today: Date,
    /// Years of LTS after upstream end of life.
    pub lts_years: u32,
    /// The day the built-in upstream dates were last checked.
    pub data_as_of: Date,
    /// Oldest line first.
    pub rows: Vec<Row>,
}

/// Go out of support for longer than this is flagged.
const GO_GRACE_DAYS: i64 = 365;

/// The lifecycle of every line of `manifest`, and of the lines between its
/// oldest and newest that have upstream dates but no release (so a skipped
/// line shows). `go` gives the Go of each line's newest release, when read.
pub fn lifecycle(
    manifest: &Manifest,
    dates: &Dates,
    go: &BTreeMap<Minor, GoLookup>,
    today: Date,
) -> Lifecycle {
    let lines = lines(manifest);
    let mut minors: Vec<Minor> = lines.iter().map(|l| l.minor).collect();
    if let (Some(&first), Some(&last)) = (minors.first(), minors.last()) {
        minors.extend(dates.lines.range(first..=last).map(|(m, _)| *m));
    }
    minors.sort();
    minors.dedup();
    let rows = minors
        .into_iter()
        .map(|minor| {
            row_of(
                manifest,
                dates,
                go,
                today,
                minor,
                lines.iter().find(|l| l.minor == minor),
            )
        })
        .collect();
    Lifecycle {
        today,
        lts_years: dates.lts_years,
        data_as_of: dates.as_of,
        rows,
    }
}

/// The row of line `minor` (`line`: its releases in the manifest, if any).
fn row_of(
    manifest: &Manifest,
    dates: &Dates,
    go: &BTreeMap<Minor, GoLookup>,
    today: Date,
    minor: Minor,
    line: Option<&crate::release::line::Line<'_>>,
) -> Row {
    let data = dates.lines.get(&minor);
    let newest = line.map(|l| l.newest());
    let base = newest.and_then(|r| manifest.base_tag(&r.name).ok());
    let lts_end = data.and_then(|d| dates.lts_end_of_life(d));
    let eol = data.and_then(|d| d.end_of_life);
    let phase = match (eol, lts_end) {
        (Some(e), _) if today <= e => Phase::Upstream,
        (Some(_), Some(l)) if today <= l => Phase::Lts,
        (Some(_), Some(_)) => Phase::Ended,
        _ => Phase::Unknown,
    };
    let maintained = line.is_some_and(|l| l.releases.iter().any(|r| r.must));
    let (go_used, go_unknown) = match (newest, go.get(&minor)) {
        (None, _) => (None, None),
        (Some(_), Some(Ok(g))) => (Some(g.clone()), None),
        (Some(_), Some(Err(why))) => (None, Some(why.clone())),
        (Some(_), None) => (None, Some("not read".to_string())),
    };
    let go_end = go_used
        .as_ref()
        .and_then(|g| Minor::parse(&g.version))
        .and_then(|m| dates.go_end_of_support(m));
    let mut row = Row {
        line: minor,
        released: data.and_then(|d| d.released),
        upstream_end_of_life: eol,
        last_patch: data.and_then(|d| d.last_patch.clone()),
        last_patch_final: data.is_none_or(|d| d.last_patch_final),
        lts_end_of_life: lts_end,
        dates_from: data.map(|d| d.origin),
        newest_release: newest.map(|r| r.name.clone()),
        base,
        maintained,
        go: go_used,
        go_unknown,
        go_end_of_support: go_end,
        phase,
        flags: Vec::new(),
    };
    row.flags = flags(&row, today);
    row
}

/// The Go each line's newest release builds with, read from its tree (the
/// base tag with the chain applied in memory, as `check` reads it). Without a
/// repository, every line says so.
pub fn read_go(
    repo: Result<&gix::Repository, &str>,
    manifest: &Manifest,
    loader: &crate::release::patch_cache::PatchLoader,
) -> BTreeMap<Minor, GoLookup> {
    lines(manifest)
        .iter()
        .map(|line| {
            let lookup = match repo {
                Err(why) => Err(why.to_string()),
                Ok(repo) => go_of(repo, manifest, &line.newest().name, loader),
            };
            (line.minor, lookup)
        })
        .collect()
}

fn go_of(
    repo: &gix::Repository,
    manifest: &Manifest,
    release: &str,
    loader: &crate::release::patch_cache::PatchLoader,
) -> GoLookup {
    let tip = crate::release::tip::release_tip(repo, manifest, release, loader)
        .map_err(|e| format!("{release} does not build in memory: {e}"))?;
    let tree = crate::repo::tree_of(repo, tip).map_err(|e| e.to_string())?;
    match crate::checks::toolchain::needed(repo, tree).map_err(|e| e.to_string())? {
        Some(g) => Ok(GoUsed {
            version: g.version,
            source: g.source,
        }),
        None => Err(format!(
            "{release}'s tree names no Go version (.go-version, build/build-image/cross/VERSION, go.mod)"
        )),
    }
}

/// What is wrong with `row`, each with a code and a message saying what to do.
fn flags(row: &Row, today: Date) -> Vec<Flag> {
    let line = row.line;
    let mut out = Vec::new();
    if row.dates_from.is_none() {
        out.push(Flag {
            code: "no-dates",
            message: format!(
                "no upstream dates for {line}: add them under `lifecycle: lines: \"{line}\":` in the manifest"
            ),
        });
    }
    out.extend(phase_flag(row));
    out.extend(base_flag(row));
    out.extend(go_flag(row, today));
    out
}

/// A line maintained after its LTS window, or not maintained inside it.
fn phase_flag(row: &Row) -> Option<Flag> {
    let line = row.line;
    let (code, message) = match (row.phase, row.maintained, &row.newest_release) {
        (Phase::Ended, true, _) => (
            "ended-but-maintained",
            format!(
                "LTS ended on {} but the manifest still maintains {line} (`must: true`): drop `must:` or extend `lifecycle: lines: \"{line}\": lts_end_of_life:`",
                fmt(row.lts_end_of_life)
            ),
        ),
        (Phase::Lts, false, None) => (
            "in-window-not-maintained",
            format!(
                "{line} is inside its LTS window (until {}) but the manifest has no release for it",
                fmt(row.lts_end_of_life)
            ),
        ),
        (Phase::Lts, false, Some(r)) => (
            "in-window-not-maintained",
            format!(
                "{line} is inside its LTS window (until {}) but its newest release {r} is not `must: true`",
                fmt(row.lts_end_of_life)
            ),
        ),
        _ => return None,
    };
    Some(Flag { code, message })
}

/// A base older than upstream's last patch, or newer than the data knows.
fn base_flag(row: &Row) -> Option<Flag> {
    let line = row.line;
    let base_version = row.base.as_deref().and_then(version_of);
    let parse = crate::security::advisory::range::parse_version;
    let (base, last) = (base_version.as_ref()?, row.last_patch.as_ref()?);
    let (b, l) = (parse(base)?, parse(last)?);
    if b < l {
        Some(Flag {
            code: "base-not-last-patch",
            message: format!(
                "{} is built on {base}, but upstream's {} {last} is newer: its fixes are missing unless backported",
                row.newest_release
                    .as_deref()
                    .unwrap_or("the newest release"),
                if row.last_patch_final {
                    "last patch"
                } else {
                    "newest known patch"
                }
            ),
        })
    } else if b > l && row.last_patch_final {
        Some(Flag {
            code: "base-newer-than-data",
            message: format!(
                "the base {base} is newer than the last upstream patch the data knows ({last}): correct the data with `lifecycle: lines: \"{line}\": last_patch: {base}`"
            ),
        })
    } else {
        None
    }
}

/// A Go out of support for more than a year.
fn go_flag(row: &Row, today: Date) -> Option<Flag> {
    let (go, end) = (row.go.as_ref()?, row.go_end_of_support?);
    (today.days() - end.days() > GO_GRACE_DAYS).then(|| Flag {
        code: "go-out-of-support",
        message: format!(
            "builds with Go {} ({}), out of support since {end}, more than a year: its own CVEs go unfixed",
            go.version, go.source
        ),
    })
}

fn fmt(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// Each flag fires on its case and not on its neighbour.
    #[test]
    fn flags_contradictions() {
        let text = "releases:\n  - {name: v1.18.20-lts.1, base_release: v1.18.20, must: true}\n  - {name: v1.20.13-lts.1, base_release: v1.20.13, must: true}\n  - {name: v1.22.17-lts.1, base_release: v1.22.17}\n  - {name: v1.24.18-lts.1, base_release: v1.24.18, must: true}\n";
        let m = Manifest::parse(text, Path::new("r.yml")).unwrap();
        let dates = Dates::built_in();
        let mut go = BTreeMap::new();
        go.insert(
            Minor {
                major: 1,
                minor: 18,
            },
            Ok(GoUsed {
                version: "1.13.15".into(),
                source: "build/build-image/cross/VERSION".into(),
            }),
        );
        go.insert(
            Minor {
                major: 1,
                minor: 24,
            },
            Ok(GoUsed {
                version: "1.20.7".into(),
                source: ".go-version".into(),
            }),
        );
        go.insert(
            Minor {
                major: 1,
                minor: 20,
            },
            Err("no upstream repository".into()),
        );
        let l = lifecycle(&m, &dates, &go, day("2024-01-01"));
        let codes = |minor: u32| -> Vec<&str> {
            l.rows
                .iter()
                .find(|r| r.line.minor == minor)
                .unwrap()
                .flags
                .iter()
                .map(|f| f.code)
                .collect()
        };
        // 1.18: inside LTS until 2024-06-18; its Go 1.13 ended 2020-08-11.
        assert_eq!(codes(18), ["go-out-of-support"]);
        assert_eq!(
            codes(19),
            ["in-window-not-maintained"],
            "a skipped line shows"
        );
        assert_eq!(codes(20), ["base-not-last-patch"]);
        assert_eq!(codes(22), ["in-window-not-maintained"]);
        assert_eq!(
            codes(24),
            ["base-newer-than-data"],
            "1.24.18: newer than the data's 1.24.17"
        );
        assert_eq!(l.rows.len(), 7, "1.18 to 1.24");
        let later = lifecycle(&m, &dates, &go, day("2024-07-01"));
        let r18 = &later.rows[0];
        assert_eq!(r18.phase, Phase::Ended);
        assert!(r18.flags.iter().any(|f| f.code == "ended-but-maintained"));
        let r20 = later.rows.iter().find(|r| r.line.minor == 20).unwrap();
        assert_eq!(r20.go_unknown.as_deref(), Some("no upstream repository"));
        let upstream = lifecycle(&m, &dates, &go, day("2021-01-01"));
        assert_eq!(upstream.rows[0].phase, Phase::Upstream);
    }
}
