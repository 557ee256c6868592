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

#[cfg(test)]
mod tests {
    use super::*;

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
