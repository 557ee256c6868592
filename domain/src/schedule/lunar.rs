//! Vietnamese lunar calendar (âm lịch): solar → lunar date conversion.
//!
//! Follows Hồ Ngọc Đức's published algorithm: new moons and the sun's longitude are
//! computed astronomically and days are counted in UTC+7, which is why Vietnamese Tết
//! sometimes differs from the Chinese New Year (e.g. 1985, 2007 vs. 1968).

use std::f64::consts::PI;

use chrono::{Datelike, NaiveDate};

/// Vietnam's civil time zone, in hours east of UTC, used for every lunar computation.
const TIME_ZONE_HOURS: f64 = 7.0;

/// Offset from chrono's day count (0001-01-01 = day 1) to the Julian day number.
const JDN_OFFSET: i64 = 1_721_425;

/// Mean length of a synodic month in days, as used by the algorithm.
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// Julian day of the reference new moon (1900-01-01 13:52 UTC) the algorithm counts from.
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;

/// First solar year for which conversions are offered (the algorithm's tested range).
pub(super) const FIRST_YEAR: i32 = 1900;

/// Last solar year for which conversions are offered.
pub(super) const LAST_YEAR: i32 = 2199;

/// A date in the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LunarDate {
    /// Lunar year, numbered like the solar year in which its first month starts.
    pub year: i32,
    /// Lunar month, 1..=12; a leap month repeats the number of the month before it.
    pub month: u32,
    /// Day of the lunar month, 1..=30.
    pub day: u32,
    /// Whether the month is the year's intercalary (leap) month (tháng nhuận).
    pub leap: bool,
}

/// Converts a solar (Gregorian) date to the Vietnamese lunar date.
///
/// Returns `None` outside the solar years 1900–2199, where the
/// algorithm has not been checked.
pub fn solar_to_lunar(date: NaiveDate) -> Option<LunarDate> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return None;
    }
    Some(convert(date))
}

/// Julian day number of a proleptic Gregorian date.
fn julian_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OFFSET
}

/// Julian day (fractional, UT) of the k-th new moon after the epoch (Meeus, ch. 49, abridged).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    // ΔT (TT − UT) in days: the two branches are the algorithm's fits before/after ~1780.
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - delta_t
}

/// Sun's true longitude in radians, normalised to [0, 2π), at a fractional Julian day.
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl = dl + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Local day (Julian day number) on which the k-th new moon falls in UTC+7.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// Index (0..=11) of the 30° sector of the sun's longitude at local midnight starting a day;
/// a month's major solar term is the sector change within it.
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TIME_ZONE_HOURS / 24.0) / PI * 6.0).floor() as i64
}

/// First day of lunar month 11 (the month containing the winter solstice) of a solar year.
fn lunar_month_11(year: i32) -> i64 {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).map_or(0, julian_day);
    let k = ((dec31 - 2_415_021) as f64 / SYNODIC_MONTH).floor() as i64;
    let new_moon = new_moon_day(k);
    // A new moon already past sector 9 (longitude ≥ 270°, the solstice) starts month 12.
    if sun_sector(new_moon) >= 9 {
        new_moon_day(k - 1)
    } else {
        new_moon
    }
}

/// Offset, in months after month 11, of the leap month in a 13-month year starting at `a11`:
/// the first month that contains no major solar term.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The conversion itself, without the range check (used for neighbouring days too).
fn convert(date: NaiveDate) -> LunarDate {
    let day_number = julian_day(date);
    let year = date.year();
    let k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut month_start = new_moon_day(k + 1);
    if month_start > day_number {
        month_start = new_moon_day(k);
    }
    // The published code stops here; when a new moon falls just after local midnight (e.g.
    // 2054-05-08 00:00 UTC+7) the estimate `k` is one too high and the day would be "day 0".
    if month_start > day_number {
        month_start = new_moon_day(k - 1);
    }
    let mut a11 = lunar_month_11(year);
    let mut b11 = a11;
    let mut lunar_year = if a11 >= month_start {
        a11 = lunar_month_11(year - 1);
        year
    } else {
        b11 = lunar_month_11(year + 1);
        year + 1
    };
    let day = day_number - month_start + 1;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    // More than 365 days between two months 11 means the lunar year has 13 months.
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        year: lunar_year,
        // Both values are small positives by construction (1..=12 and 1..=30).
        month: u32::try_from(month).unwrap_or(1),
        day: u32::try_from(day).unwrap_or(1),
        leap,
    }
}

/// Lunar date of a day just outside the checked range, for callers that look one day ahead.
pub(super) fn solar_to_lunar_unchecked(date: NaiveDate) -> LunarDate {
    convert(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn lunar(y: i32, m: u32, d: u32, leap: bool) -> LunarDate {
        LunarDate {
            year: y,
            month: m,
            day: d,
            leap,
        }
    }

    #[test]
    fn tet_falls_on_the_known_solar_dates() {
        let tet = [
            (2020, 1, 25),
            (2021, 2, 12),
            (2022, 2, 1),
            (2023, 1, 22),
            (2024, 2, 10),
            (2025, 1, 29),
            (2026, 2, 17),
            (2027, 2, 6),
            (2028, 1, 26),
            // The 2030 new moon is at 23:07 UTC+7 on 2 February (00:07 on the 3rd in China,
            // whose New Year is 3 February): the Vietnamese Tết is one day earlier.
            (2030, 2, 2),
        ];
        for (y, m, d) in tet {
            assert_eq!(
                solar_to_lunar(date(y, m, d)),
                Some(lunar(y, 1, 1, false)),
                "{y}"
            );
            let eve = solar_to_lunar(date(y, m, d).pred_opt().unwrap()).unwrap();
            assert_eq!(
                (eve.year, eve.month, eve.leap),
                (y - 1, 12, false),
                "eve {y}"
            );
        }
    }

    #[test]
    fn utc_plus_7_gives_the_vietnamese_not_the_chinese_tet() {
        // 1985: Vietnam celebrated on 21 Jan, China on 20 Feb; 1968: 29 vs 30 Jan;
        // 2007: 17 vs 18 Feb.
        assert_eq!(
            solar_to_lunar(date(1985, 1, 21)),
            Some(lunar(1985, 1, 1, false))
        );
        assert_eq!(
            solar_to_lunar(date(2007, 2, 17)),
            Some(lunar(2007, 1, 1, false))
        );
        assert_eq!(
            solar_to_lunar(date(1968, 1, 29)),
            Some(lunar(1968, 1, 1, false))
        );
    }

    #[test]
    fn hung_kings_day_is_the_tenth_of_the_third_month() {
        assert_eq!(
            solar_to_lunar(date(2025, 4, 7)),
            Some(lunar(2025, 3, 10, false))
        );
        assert_eq!(
            solar_to_lunar(date(2026, 4, 26)),
            Some(lunar(2026, 3, 10, false))
        );
    }

    #[test]
    fn leap_months_start_where_expected() {
        assert_eq!(
            solar_to_lunar(date(2020, 5, 23)),
            Some(lunar(2020, 4, 1, true))
        );
        assert_eq!(
            solar_to_lunar(date(2023, 3, 22)),
            Some(lunar(2023, 2, 1, true))
        );
        assert_eq!(
            solar_to_lunar(date(2025, 7, 25)),
            Some(lunar(2025, 6, 1, true))
        );
    }

    #[test]
    fn a_new_moon_just_after_midnight_starts_the_next_day() {
        assert_eq!(
            solar_to_lunar(date(2054, 5, 7)).map(|l| (l.month, l.day)),
            Some((3, 30))
        );
        assert_eq!(
            solar_to_lunar(date(2054, 5, 8)).map(|l| (l.month, l.day)),
            Some((4, 1))
        );
    }

    #[test]
    fn dates_outside_the_checked_range_are_refused() {
        assert_eq!(solar_to_lunar(date(1899, 12, 31)), None);
        assert_eq!(solar_to_lunar(date(2200, 1, 1)), None);
        assert!(solar_to_lunar(date(1900, 1, 1)).is_some());
        assert!(solar_to_lunar(date(2199, 12, 31)).is_some());
    }

    #[test]
    fn every_day_in_range_advances_the_lunar_calendar_by_one() {
        // Consecutive solar days must give consecutive lunar days, months of 29 or 30 days,
        // at most one leap month per year, and a new year only after month 12.
        let mut day = date(1900, 1, 1);
        let mut prev = solar_to_lunar(day).unwrap();
        let mut month_len = 0;
        while let Some(next_day) = day.succ_opt().filter(|d| d.year() <= LAST_YEAR) {
            let next = solar_to_lunar(next_day).unwrap();
            month_len += 1;
            if next.day == 1 {
                assert!(
                    month_len == 29 || month_len == 30 || prev.year == 1899,
                    "{next_day}"
                );
                month_len = 0;
                let expected_month = if next.leap {
                    prev.month
                } else {
                    prev.month % 12 + 1
                };
                assert_eq!(next.month, expected_month, "{next_day}");
                let expected_year = prev.year + i32::from(!next.leap && next.month == 1);
                assert_eq!(next.year, expected_year, "{next_day}");
            } else {
                assert_eq!(
                    (next.day, next.month, next.leap),
                    (prev.day + 1, prev.month, prev.leap),
                    "{next_day}"
                );
            }
            prev = next;
            day = next_day;
        }
    }
}
