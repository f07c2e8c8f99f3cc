//! How old the imported Go vulnerability database is: the newest `modified`
//! of its records. Every output that counts open vulnerabilities says it, and
//! warns when the data is old or its age cannot be told: a count of zero from
//! a stale database is not a statement of safety.
//!
//! Kept small and separate so that it can later share one type with the
//! Kubernetes feed's age.

use serde::Serialize;

/// Older than this many days is old (the Go vulnerability database changes
/// almost every day).
pub const DEFAULT_MAX_AGE_DAYS: i64 = 30;

/// The age of a database, from its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbAge {
    /// The database it describes (`Go vulnerability database`).
    pub name: String,
    /// How many records were read.
    pub records: usize,
    /// The newest `modified` time (RFC 3339), when any record states one.
    pub newest_modified: Option<String>,
    /// Records whose `modified` is Go's zero time (`0001-01-01T00:00:00Z`) or
    /// does not parse: they do not say when they changed.
    pub undated: usize,
    /// The highest record id (`GO-2026-6249`): ids carry the year they were
    /// assigned, a lower bound when no record is dated.
    pub newest_id: Option<String>,
}

impl DbAge {
    /// Compute the age of `name` from `(id, modified)` pairs.
    pub fn of<'a>(name: &str, records: impl IntoIterator<Item = (&'a str, &'a str)>) -> DbAge {
        let mut age = DbAge {
            name: name.to_string(),
            records: 0,
            newest_modified: None,
            undated: 0,
            newest_id: None,
        };
        let mut newest: Option<i64> = None;
        for (id, modified) in records {
            age.records += 1;
            if age.newest_id.as_deref().is_none_or(|n| id > n) {
                age.newest_id = Some(id.to_string());
            }
            match crate::time::parse_rfc3339(modified).filter(|&t| t > 0) {
                Some(t) if newest.is_none_or(|n| t > n) => {
                    newest = Some(t);
                    age.newest_modified = Some(modified.to_string());
                }
                Some(_) => {}
                None => age.undated += 1,
            }
        }
        age
    }

    /// Days from the newest `modified` to `now` (seconds since the epoch).
    pub fn days_old(&self, now: i64) -> Option<i64> {
        let t = crate::time::parse_rfc3339(self.newest_modified.as_deref()?)?;
        Some((now - t).div_euclid(86_400))
    }

    /// One line for every output that counts open vulnerabilities.
    pub fn describe(&self, now: i64) -> String {
        match (&self.newest_modified, self.days_old(now)) {
            (Some(m), Some(days)) => format!(
                "{}: {} records, newest modified {m} ({days} days ago)",
                self.name, self.records
            ),
            _ => format!(
                "{}: {} records, none says when it was modified{}",
                self.name,
                self.records,
                self.newest_id
                    .as_deref()
                    .map(|id| format!(" (newest id {id})"))
                    .unwrap_or_default()
            ),
        }
    }

    /// A warning when the data is older than `max_days`, or its age unknown.
    pub fn warning(&self, now: i64, max_days: i64) -> Option<String> {
        if self.records == 0 {
            return Some(format!(
                "no {} imported: no dependency vulnerability can be found (import it with `longhaul advisories import DIR`)",
                self.name
            ));
        }
        match self.days_old(now) {
            Some(days) if days <= max_days => None,
            Some(days) => Some(format!(
                "the {} is {days} days old (newest modified {}): open vulnerability counts may be out of date; import a current copy",
                self.name,
                self.newest_modified.as_deref().unwrap_or("?")
            )),
            None => Some(format!(
                "the {}'s age is unknown: its {} records all carry Go's zero time as `modified` (the repository's data folder leaves it unset){}; open vulnerability counts may be out of date",
                self.name,
                self.records,
                self.newest_id
                    .as_deref()
                    .map(|id| format!("; the newest id is {id}"))
                    .unwrap_or_default()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_modified_and_warnings() {
        let now = crate::time::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
        let age = DbAge::of(
            "Go vulnerability database",
            [
                ("GO-2026-0002", "2026-02-20T10:00:00Z"),
                ("GO-2020-0001", "2021-01-01T00:00:00Z"),
            ],
        );
        assert_eq!(age.newest_modified.as_deref(), Some("2026-02-20T10:00:00Z"));
        assert_eq!(age.days_old(now), Some(8));
        assert_eq!(age.warning(now, 30), None);
        assert!(age.warning(now, 5).unwrap().contains("8 days old"));
        assert!(
            age.describe(now)
                .contains("2 records, newest modified 2026-02-20T10:00:00Z (8 days ago)")
        );
        let zero = DbAge::of(
            "Go vulnerability database",
            [("GO-2026-6249", "0001-01-01T00:00:00Z")],
        );
        assert_eq!((zero.newest_modified.as_deref(), zero.undated), (None, 1));
        let w = zero.warning(now, 30).unwrap();
        assert!(
            w.contains("age is unknown") && w.contains("GO-2026-6249"),
            "{w}"
        );
        assert!(
            DbAge::of("x", [])
                .warning(now, 30)
                .unwrap()
                .contains("no x imported")
        );
    }
}
