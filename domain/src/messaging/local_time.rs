//! Times, dates and phone numbers as people in Vietnam read them.
//!
//! Instants are stored in UTC; everything a person sees is in
//! Asia/Ho_Chi_Minh (UTC+7, no daylight saving).

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The time zone every client and officer lives in.
pub const TIME_ZONE: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// Converts an instant to local Vietnamese time.
pub fn to_local(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&TIME_ZONE)
}

/// Converts a local Vietnamese wall-clock time to an instant.
///
/// Vietnam has no daylight saving, so every local time exists exactly once;
/// the fallback to a fixed +07:00 only guards against a future zone change.
pub fn local_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match TIME_ZONE.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => Utc.from_utc_datetime(&(local - chrono::TimeDelta::hours(7))),
    }
}

/// Vietnamese weekday name as written mid-sentence ("thứ Hai", "Chủ nhật").
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "thứ Hai",
        Weekday::Tue => "thứ Ba",
        Weekday::Wed => "thứ Tư",
        Weekday::Thu => "thứ Năm",
        Weekday::Fri => "thứ Sáu",
        Weekday::Sat => "thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

/// Formats an instant as local time, weekday and date: "08:00 thứ Hai, 30/11/2026".
pub fn format_local(at: DateTime<Utc>) -> String {
    let local = to_local(at);
    format!(
        "{} {}, {}",
        local.format("%H:%M"),
        weekday_name(local.weekday()),
        format_date(local.date_naive())
    )
}

/// Formats the local date of an instant: "30/11/2026".
pub fn format_local_date(at: DateTime<Utc>) -> String {
    format_date(to_local(at).date_naive())
}

/// Formats a calendar date the Vietnamese way: day/month/year, "30/11/2026".
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Shows a canonical phone number ("84912345678") as people write it
/// ("0912 345 678"); `None` when the input is not canonical, so a bad
/// stored value is noticed rather than shown garbled.
pub fn format_phone_display(canonical: &str) -> Option<String> {
    let national = canonical.strip_prefix("84")?;
    if national.len() != 9 || !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (a, rest) = national.split_at(3);
    let (b, c) = rest.split_at(3);
    Some(format!("0{a} {b} {c}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn formats_local_time_with_weekday() {
        // 01:00 UTC is 08:00 in Hà Nội.
        assert_eq!(
            format_local(utc(2026, 11, 30, 1, 0)),
            "08:00 thứ Hai, 30/11/2026"
        );
        assert_eq!(
            format_local(utc(2026, 11, 29, 2, 5)),
            "09:05 Chủ nhật, 29/11/2026"
        );
        assert_eq!(
            format_local(utc(2026, 12, 5, 13, 30)),
            "20:30 thứ Bảy, 05/12/2026"
        );
    }

    #[test]
    fn local_date_rolls_over_before_utc() {
        // 18:30 UTC on the 30th is already 01:30 on 1 December locally.
        assert_eq!(format_local_date(utc(2026, 11, 30, 18, 30)), "01/12/2026");
        assert_eq!(
            format_local(utc(2026, 11, 30, 18, 30)),
            "01:30 thứ Ba, 01/12/2026"
        );
    }

    #[test]
    fn every_weekday_has_its_own_name() {
        let mut day = Weekday::Mon;
        let mut names = Vec::new();
        for _ in 0..7 {
            names.push(weekday_name(day));
            day = day.succ();
        }
        assert_eq!(
            names,
            [
                "thứ Hai",
                "thứ Ba",
                "thứ Tư",
                "thứ Năm",
                "thứ Sáu",
                "thứ Bảy",
                "Chủ nhật"
            ]
        );
    }

    #[test]
    fn local_to_utc_round_trips() {
        let local = NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        assert_eq!(local_to_utc(local), utc(2026, 11, 30, 1, 0));
    }

    #[test]
    fn phone_display() {
        assert_eq!(
            format_phone_display("84912345678").as_deref(),
            Some("0912 345 678")
        );
        assert_eq!(
            format_phone_display("84351234567").as_deref(),
            Some("0351 234 567")
        );
        assert_eq!(format_phone_display("0912345678"), None);
        assert_eq!(format_phone_display("8491234567"), None);
        assert_eq!(format_phone_display("8491234567x"), None);
        assert_eq!(format_phone_display("84９12345678"), None);
    }
}
