//! Front-matter dates: a plain date (midnight in the site's time zone) or an RFC 3339
//! date-time, always stored in UTC; and [`DateFormat`], for writing dates many times.

use std::sync::OnceLock;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A `strftime` pattern parsed once, on first use, for dates written once per item:
/// `date.format(pattern)` parses its pattern on every call.
#[derive(Debug)]
pub(crate) struct DateFormat {
    pattern: &'static str,
    items: OnceLock<Vec<Item<'static>>>,
}

impl DateFormat {
    /// The format of `pattern` (chrono's `strftime` syntax).
    pub(crate) const fn new(pattern: &'static str) -> Self {
        DateFormat {
            pattern,
            items: OnceLock::new(),
        }
    }

    /// `date` written as the pattern says, as `date.format(pattern)` writes it.
    pub(crate) fn format<Z: TimeZone>(&self, date: &DateTime<Z>) -> String
    where
        Z::Offset: std::fmt::Display,
    {
        // The items `format` would read from the pattern, read once.
        let items = self
            .items
            .get_or_init(|| StrftimeItems::new(self.pattern).collect());
        date.format_with_items(items.iter()).to_string()
    }
}

/// Parses `raw` as `2024-03-15`, `2024-03-15T09:30:00+01:00` (RFC 3339), or a local
/// `2024-03-15T09:30[:00]` / `2024-03-15 09:30[:00]` in `timezone`.
pub(crate) fn parse(raw: &str, timezone: Tz) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
        return Ok(instant.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return local(date.and_time(NaiveTime::MIN), timezone, raw);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(raw, format) {
            return local(naive, timezone, raw);
        }
    }
    Err(format!(
        "{raw:?} is not a date (use 2024-03-15, or an RFC 3339 date-time such as 2024-03-15T09:30:00Z)"
    ))
}

/// Interprets a wall-clock time in `timezone`. In a DST gap the later instant is taken;
/// in a DST overlap, the earlier.
fn local(naive: NaiveDateTime, timezone: Tz, raw: &str) -> Result<DateTime<Utc>, String> {
    let resolved = timezone.from_local_datetime(&naive).earliest().or_else(|| {
        // A gap (clocks jump forward): the first valid instant an hour later.
        timezone
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
    });
    resolved
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{raw:?} does not exist in time zone {timezone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_format_writes_as_chrono_format_does() {
        let date = parse("2024-03-05T09:07:00+01:00", Tz::UTC).unwrap();
        let local = date.with_timezone(&chrono_tz::Europe::Paris);
        for pattern in [
            "%a, %d %b %Y %H:%M:%S GMT",
            "%-d %b %Y",
            "%Y-%m-%d",
            "%:z %Z",
        ] {
            let format = DateFormat::new(pattern);
            assert_eq!(format.format(&date), date.format(pattern).to_string());
            assert_eq!(format.format(&local), local.format(pattern).to_string());
        }
    }

    #[test]
    fn date_forms() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let cases = [
            ("2024-03-15", chrono_tz::UTC, "2024-03-15T00:00:00+00:00"),
            ("2024-03-15", paris, "2024-03-14T23:00:00+00:00"),
            ("2024-07-15", paris, "2024-07-14T22:00:00+00:00"),
            ("2024-03-15T09:30:00Z", paris, "2024-03-15T09:30:00+00:00"),
            (
                "2024-03-15T09:30:00-05:00",
                chrono_tz::UTC,
                "2024-03-15T14:30:00+00:00",
            ),
            ("2024-03-15 09:30", paris, "2024-03-15T08:30:00+00:00"),
            (
                "2024-03-15T09:30:15",
                chrono_tz::UTC,
                "2024-03-15T09:30:15+00:00",
            ),
            (" 2024-03-15 ", chrono_tz::UTC, "2024-03-15T00:00:00+00:00"),
            // 02:30 does not exist in Paris on 2024-03-31: the instant after the gap.
            ("2024-03-31 02:30", paris, "2024-03-31T01:30:00+00:00"),
        ];
        for (raw, tz, expected) in cases {
            assert_eq!(
                parse(raw, tz).unwrap().to_rfc3339(),
                expected,
                "{raw} in {tz}"
            );
        }
    }

    #[test]
    fn rejects_non_dates_with_the_accepted_forms() {
        for raw in ["March 15", "2024-13-01", "15/03/2024", "", "2024-02-30"] {
            let err = parse(raw, chrono_tz::UTC).unwrap_err();
            assert!(err.contains("use 2024-03-15"), "{raw}: {err}");
        }
    }
}
