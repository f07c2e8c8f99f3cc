//! How old an imported feed is, and whether what is counted from it may be
//! out of date: a green "0 open CVEs" from a feed nobody refreshed is the
//! worst thing a status page can say.
//!
//! A feed's age has two witnesses: the newest `modified` time among its
//! records (the snapshot is at least that old) and the time it was imported
//! (recorded by `advisories import` in [`IMPORT_RECORD`], from the
//! reproducible clock). The feed is *stale* when either is older than the
//! limit (default [`DEFAULT_MAX_AGE_DAYS`], the manifest's
//! `feed: max_age_days:`), when the import time is unknown, or when it lies
//! in the future: a quiet month upstream and an old snapshot imported today
//! look the same from here, so both are said rather than guessed.
//!
//! [`FeedAge::new`] knows no advisory type: any feed (the Kubernetes CVE feed,
//! the Go vulnerability database) gives it its records' `modified` times.

use serde::Serialize;
use std::path::Path;

/// Days after which a feed is stale unless the manifest says otherwise.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 30;

/// The file in a feed's folder that records when it was imported.
pub const IMPORT_RECORD: &str = "imported-at.txt";

const SECONDS_PER_DAY: i64 = 86_400;

/// A feed's age at `now`, and whether counts from it may be out of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedAge {
    /// How many records the feed has.
    pub records: usize,
    /// The newest `modified` time among them (RFC 3339), if any parses.
    pub newest_modified: Option<String>,
    /// The record that has it.
    pub newest_record: Option<String>,
    /// When the feed was imported (RFC 3339), if recorded.
    pub imported: Option<String>,
    /// The time the age is measured at (RFC 3339).
    pub now: String,
    /// Whole days since `newest_modified`.
    pub modified_days_ago: Option<i64>,
    /// Whole days since `imported` (negative: in the future).
    pub imported_days_ago: Option<i64>,
    /// The limit, in days.
    pub max_age_days: u32,
    /// Whether counts from the feed may be out of date.
    pub stale: bool,
    /// Why it is stale, as a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_because: Option<String>,
}

impl FeedAge {
    /// The age of a feed whose records carry `modified` (id and RFC 3339
    /// time, unparseable ones ignored), imported at `imported`, at `now`.
    pub fn new<'a>(
        modified: impl IntoIterator<Item = (&'a str, &'a str)>,
        imported: Option<i64>,
        now: i64,
        max_age_days: u32,
    ) -> FeedAge {
        let mut records = 0;
        let mut newest: Option<(i64, &str, &str)> = None;
        for (id, time) in modified {
            records += 1;
            if let Some(t) = crate::time::parse_rfc3339(time)
                && newest.is_none_or(|(n, _, _)| t > n)
            {
                newest = Some((t, id, time));
            }
        }
        let days = |t: i64| (now - t).div_euclid(SECONDS_PER_DAY);
        let modified_days_ago = newest.map(|(t, _, _)| days(t).max(0));
        let imported_days_ago = imported.map(days);
        let limit = i64::from(max_age_days);
        let stale_because = match (imported, imported_days_ago) {
            _ if records == 0 => Some("the feed has no records".to_string()),
            (None, _) => Some(format!(
                "nothing records when it was imported (no {IMPORT_RECORD} from `longhaul advisories import`)"
            )),
            (Some(t), _) if t > now => Some(format!(
                "its recorded import time {} is in the future",
                crate::time::rfc3339(t)
            )),
            (_, Some(d)) if d > limit => Some(format!(
                "it was imported {d} days ago (limit: {limit} days)"
            )),
            _ => match modified_days_ago {
                None => Some("no record says when it was last modified".to_string()),
                Some(d) if d > limit => Some(format!(
                    "its newest record was modified {d} days ago (limit: {limit} days)"
                )),
                Some(_) => None,
            },
        };
        FeedAge {
            records,
            newest_modified: newest.map(|(_, _, text)| text.to_string()),
            newest_record: newest.map(|(_, id, _)| id.to_string()),
            imported: imported.map(crate::time::rfc3339),
            now: crate::time::rfc3339(now),
            modified_days_ago,
            imported_days_ago,
            max_age_days,
            stale: stale_because.is_some(),
            stale_because,
        }
    }

    /// One sentence for every output that counts from the feed: `feed: 47
    /// records, newest modified 2024-08-16 (832 days ago), imported
    /// 2026-11-20 (6 days ago)`.
    pub fn summary(&self) -> String {
        let when = |time: &Option<String>, days: Option<i64>| match (time, days) {
            (Some(t), Some(d)) => format!("{} ({})", &t[..t.len().min(10)], days_ago(d)),
            _ => "unknown".to_string(),
        };
        format!(
            "{} record{}, newest modified {}, imported {}",
            self.records,
            if self.records == 1 { "" } else { "s" },
            when(&self.newest_modified, self.modified_days_ago),
            when(&self.imported, self.imported_days_ago),
        )
    }

    /// The warning a stale feed needs, or `None`.
    pub fn warning(&self) -> Option<String> {
        self.stale_because.as_ref().map(|why| {
            format!(
                "the feed may be out of date: {why}. Counts of open CVEs may be too low: import the feed again from its source (the limit is the manifest's `feed: max_age_days:`)"
            )
        })
    }
}

fn days_ago(d: i64) -> String {
    match d {
        0 => "today".to_string(),
        1 => "1 day ago".to_string(),
        d if d < 0 => format!("{} days from now", -d),
        d => format!("{d} days ago"),
    }
}

/// The age of the advisories stored in `dir` at `now`, with the manifest's
/// limit.
pub fn of_advisories(
    advisories: &[crate::security::advisory::Advisory],
    dir: &Path,
    manifest: &crate::release::manifest::Manifest,
    now: i64,
) -> FeedAge {
    FeedAge::new(
        advisories
            .iter()
            .map(|a| (a.id.as_str(), a.modified.as_str())),
        read_import_record(dir),
        now,
        manifest.feed_max_age_days.unwrap_or(DEFAULT_MAX_AGE_DAYS),
    )
}

/// When the feed in `dir` was imported, from its [`IMPORT_RECORD`]; `None`
/// when there is none or it holds no time (a stale feed either way). The
/// record is untrusted: a regular file only (no link), read with the bounded
/// reader, and only its first line that is not a comment counts.
pub fn read_import_record(dir: &Path) -> Option<i64> {
    let path = dir.join(IMPORT_RECORD);
    // A link could make the record say what another file says: refused.
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file()) {
        return None;
    }
    let text = crate::fs::read_to_string(&path).ok()?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    crate::time::parse_rfc3339(line)
}

/// The text of an [`IMPORT_RECORD`] for an import at `now`.
pub fn import_record(now: i64) -> String {
    format!(
        "# When `longhaul advisories import` last imported this folder (RFC 3339, UTC).\n{}\n",
        crate::time::rfc3339(now)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_651_200; // 2026-11-26T00:00:00Z
    const DAY: i64 = SECONDS_PER_DAY;

    fn age(modified: &[&str], imported: Option<i64>) -> FeedAge {
        FeedAge::new(modified.iter().map(|m| ("CVE-1", *m)), imported, NOW, 30)
    }

    #[test]
    fn fresh_when_both_witnesses_are_recent() {
        let a = age(&["2026-11-20T00:00:00Z", "garbage"], Some(NOW - DAY));
        assert!(!a.stale, "{a:?}");
        assert_eq!(a.modified_days_ago, Some(6));
        assert_eq!(a.imported_days_ago, Some(1));
        assert_eq!(
            a.summary(),
            "2 records, newest modified 2026-11-20 (6 days ago), imported 2026-11-25 (1 day ago)"
        );
        assert_eq!(a.warning(), None);
    }

    #[test]
    fn an_old_snapshot_imported_today_is_stale() {
        let a = age(&["2024-08-16T16:10:31Z"], Some(NOW));
        assert!(a.stale);
        assert!(
            a.warning().unwrap().contains("modified 831 days ago"),
            "{a:?}"
        );
    }

    #[test]
    fn an_old_import_is_stale() {
        let a = age(&["2026-11-25T00:00:00Z"], Some(NOW - 31 * DAY));
        assert!(a.stale_because.unwrap().contains("imported 31 days ago"));
    }

    #[test]
    fn unknown_or_future_import_times_are_stale() {
        assert!(age(&["2026-11-25T00:00:00Z"], None).stale);
        let future = age(&["2026-11-25T00:00:00Z"], Some(NOW + DAY));
        assert!(
            future
                .stale_because
                .as_deref()
                .unwrap()
                .contains("in the future")
        );
        assert!(age(&[], Some(NOW)).stale);
        assert!(age(&["not a time"], Some(NOW)).stale);
    }

    #[test]
    fn the_record_reads_back_and_ignores_garbage() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_import_record(dir.path()), None);
        std::fs::write(dir.path().join(IMPORT_RECORD), import_record(NOW)).unwrap();
        assert_eq!(read_import_record(dir.path()), Some(NOW));
        std::fs::write(dir.path().join(IMPORT_RECORD), "# x\n\u{1b}[31mnow\n").unwrap();
        assert_eq!(read_import_record(dir.path()), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_record_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, import_record(NOW)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(IMPORT_RECORD)).unwrap();
        assert_eq!(read_import_record(dir.path()), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_record_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join(IMPORT_RECORD);
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(read_import_record(dir.path()), None);
    }
}
