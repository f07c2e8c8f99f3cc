//! Time for reproducible output: `SOURCE_DATE_EPOCH` when set, and RFC 3339.

/// `SOURCE_DATE_EPOCH` is set but is not a time git accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "SOURCE_DATE_EPOCH=`{0}`: expected a whole number of seconds since 1970-01-01 (0 or more, at most {MAX_SECONDS}); unset it to use the clock"
)]
pub struct SourceDateEpochError(pub String);

/// The latest time accepted: the end of year 9999, as git's date handling allows.
pub const MAX_SECONDS: i64 = 253_402_300_799;

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set (reproducible builds),
/// else the clock. A value that is not a non-negative whole number is an error,
/// never silently ignored: negative times make commits `git fsck` flags.
pub fn reproducible_now() -> Result<i64, SourceDateEpochError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => parse_source_date_epoch(&value),
        Err(_) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)),
    }
}

/// Parse a `SOURCE_DATE_EPOCH` value.
pub fn parse_source_date_epoch(value: &str) -> Result<i64, SourceDateEpochError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| {
            (0..=MAX_SECONDS).contains(s) && value.trim().bytes().all(|b| b.is_ascii_digit())
        })
        .ok_or_else(|| SourceDateEpochError(value.to_string()))
}

/// RFC 3339 UTC time of `seconds` since the epoch (`2024-11-20T09:30:00Z`).
pub fn rfc3339(seconds: i64) -> String {
    let secs = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Date::from_seconds(seconds),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Seconds since the epoch of an RFC 3339 time (`2026-12-01T09:00:00Z`,
/// `2026-12-01T11:00:00+02:00`; fractions of a second are dropped). `None`
/// when `text` is not one.
///
/// ```
/// use longhaul::time::parse_rfc3339;
/// assert_eq!(parse_rfc3339("2024-11-20T09:30:00Z"), Some(1_732_095_000));
/// assert_eq!(parse_rfc3339("2024-11-20T11:30:00.5+02:00"), Some(1_732_095_000));
/// assert_eq!(parse_rfc3339("2024-11-20"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_at_checked(10)?;
    let date = Date::parse(date)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, zone) = rest.split_at_checked(8)?;
    let b = clock.as_bytes();
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        (s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (h, m, s) = (num(&clock[0..2])?, num(&clock[3..5])?, num(&clock[6..8])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let zone = match zone.strip_prefix('.') {
        Some(frac) => frac.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => zone,
    };
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if zone.len() != 6 || zone.as_bytes()[3] != b':' {
                return None;
            }
            sign * (num(&zone[1..3])? * 3600 + num(&zone[4..6])? * 60)
        }
    };
    Some(date.days() * 86_400 + h * 3600 + m * 60 + s - offset)
}

/// A calendar day (UTC), as the lifecycle data and the site show dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

impl Date {
    /// The day `seconds` since the epoch falls on.
    pub fn from_seconds(seconds: i64) -> Date {
        Date::from_days(seconds.div_euclid(86_400))
    }

    /// The day `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }

    /// Days since 1970-01-01 (days-from-civil).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let m = i64::from(self.month);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD`, a real calendar day; `None` otherwise.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = &text[r];
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let date = Date {
            year: digits(0..4)? as i32,
            month: digits(5..7)? as u8,
            day: digits(8..10)? as u8,
        };
        // Round-tripping rejects month 13 and February 30.
        (date.month >= 1 && Date::from_days(date.days()) == date).then_some(date)
    }

    /// The same day `years` later (February 29 becomes March 1 in other years).
    pub fn add_years(self, years: i32) -> Date {
        let moved = Date {
            year: self.year + years,
            ..self
        };
        Date::from_days(moved.days())
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a date (expected YYYY-MM-DD)"))
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn source_date_epoch_must_be_a_plain_non_negative_number() {
        assert_eq!(
            super::parse_source_date_epoch("1700000000"),
            Ok(1_700_000_000)
        );
        assert_eq!(super::parse_source_date_epoch("0"), Ok(0));
        for bad in ["-1", "abc", "", "1e9", "+5", "99999999999999"] {
            assert!(super::parse_source_date_epoch(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_round_trip_through_days() {
        use super::Date;
        for days in (-700_000..2_900_000).step_by(997) {
            let d = Date::from_days(days);
            assert_eq!(d.days(), days);
            assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01x",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        let leap = Date::parse("2024-02-29").unwrap();
        assert_eq!(leap.add_years(3).to_string(), "2027-03-01");
        assert_eq!(
            Date::parse("2021-10-28").unwrap().add_years(3).to_string(),
            "2024-10-28"
        );
    }

    #[test]
    fn rfc3339_times_parse_with_zones() {
        use super::parse_rfc3339;
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00-01:00"), Some(3600));
        for bad in [
            "2024-11-20T25:00:00Z",
            "2024-11-20T09:30:00",
            "2024-11-20T09:30:00+0200",
            "tomorrow",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_732_095_000), "2024-11-20T09:30:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
