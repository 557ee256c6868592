//! The one time zone people live in: we store UTC and plan and show in Asia/Ho_Chi_Minh.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Vietnam's time zone (UTC+7, no daylight saving).
pub const VN_TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// The local calendar date of an instant in Vietnam.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VN_TZ).date_naive()
}

/// The UTC instant of a local wall-clock time in Vietnam (unambiguous: no DST there).
pub fn from_local(local: NaiveDateTime) -> DateTime<Utc> {
    VN_TZ
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        // Vietnam has no DST gaps; this fallback only documents the impossibility.
        .unwrap_or_else(|| Utc.from_utc_datetime(&(local - chrono::Duration::hours(7))))
}

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not written `YYYY-MM-DD` with zero-padded month and day.
    #[error("expected a date written YYYY-MM-DD (for example 1990-05-01), got {0:?}")]
    Format(String),
    /// Written correctly but no such day exists (30 February).
    #[error("{0} is not a day of the calendar")]
    NoSuchDay(String),
}

/// Parses a calendar date written strictly `YYYY-MM-DD`, as the API documents it.
///
/// `1990-5-1`, `+1990-05-01` and `1990-05-01T00:00` are refused rather than guessed at, so
/// that every date input means the same thing whatever a client library sends.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let b = input.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        // Show at most a short prefix of what was sent: the error is echoed to the caller.
        let shown: String = input.chars().take(20).collect();
        return Err(DateError::Format(shown));
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| DateError::NoSuchDay(input.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strictly_year_month_day() {
        assert_eq!(
            parse_date("1990-05-01"),
            Ok(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap())
        );
        for bad in [
            "1990-5-1",
            "1990-05-1",
            "90-05-01",
            "+1990-05-01",
            "1990/05/01",
            " 1990-05-01",
            "1990-05-01T00:00:00",
            "",
            "１９９０-05-01",
        ] {
            assert!(
                matches!(parse_date(bad), Err(DateError::Format(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_date("1990-02-30"),
            Err(DateError::NoSuchDay(_))
        ));
        assert!(matches!(
            parse_date("1990-13-01"),
            Err(DateError::NoSuchDay(_))
        ));
    }

    #[test]
    fn local_date_crosses_midnight_at_17_utc() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 17, 30, 0).unwrap();
        assert_eq!(
            local_date(at),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
    }

    #[test]
    fn local_eight_is_one_utc() {
        let local = NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        assert_eq!(
            from_local(local),
            Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap()
        );
    }
}
