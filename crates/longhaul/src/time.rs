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
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
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
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_732_095_000), "2024-11-20T09:30:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
