//! Vietnamese public holidays (Labour Code 45/2019/QH14, Art. 112) as a configurable calendar.
//!
//! The law fixes which holidays exist; the government decides each year which exact days
//! are taken (the second National Day day, the five Tết days, bridge days). Those decisions
//! are data here: a sensible default plus per-year choices, extra days and removed days.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::lunar::{LunarDate, solar_to_lunar, solar_to_lunar_unchecked};

/// Which public holiday a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayName {
    /// Solar New Year, 1 January (Tết Dương lịch).
    NewYear,
    /// Lunar New Year (Tết Nguyên đán): by default the last day of the lunar year and days 1–4.
    Tet,
    /// Hùng Kings' Commemoration, 10th day of the 3rd lunar month (Giỗ Tổ Hùng Vương).
    HungKings,
    /// Reunification Day, 30 April.
    ReunificationDay,
    /// International Labour Day, 1 May.
    LabourDay,
    /// National Day, 2 September plus one adjacent day chosen by the government.
    NationalDay,
    /// A day off added by a government decision (bridge day, extra Tết day, …).
    Declared,
}

/// The adjacent day the government adds to National Day (Art. 112(1)(đ): 1 or 3 September).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalDayExtra {
    /// 1 September.
    September1,
    /// 3 September.
    September3,
}

/// Public holidays for scheduling: legal defaults adjusted by government decisions as data.
///
/// Precedence: a removed date is never a holiday; otherwise the legal holidays, then the
/// extra (declared) dates. Lunar holidays are only known for the years 1900–2199.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HolidayCalendar {
    /// Additional days off decided by the government (e.g. a sixth Tết day, a bridge day).
    extra: BTreeSet<NaiveDate>,
    /// Default holidays that a decision moved away (e.g. a Tết day swapped for another).
    removed: BTreeSet<NaiveDate>,
    /// Per-year decision on the second National Day day, overriding the default choice.
    national_day_extra: BTreeMap<i32, NationalDayExtra>,
}

impl HolidayCalendar {
    /// The legal holidays with the default choices and no government adjustments.
    pub fn vietnam() -> Self {
        Self::default()
    }

    /// The legal holidays plus `extra` declared days off, minus `removed` days.
    pub fn new(extra: Vec<NaiveDate>, removed: Vec<NaiveDate>) -> Self {
        Self {
            extra: extra.into_iter().collect(),
            removed: removed.into_iter().collect(),
            national_day_extra: BTreeMap::new(),
        }
    }

    /// Records the government's choice of the second National Day day for one year.
    #[must_use]
    pub fn with_national_day_extra(mut self, year: i32, day: NationalDayExtra) -> Self {
        self.national_day_extra.insert(year, day);
        self
    }

    /// Names the holiday on `date`, or `None` for an ordinary day.
    pub fn is_holiday(&self, date: NaiveDate) -> Option<HolidayName> {
        if self.removed.contains(&date) {
            return None;
        }
        legal_holiday(date, self.national_day_choice(date.year()))
            .or_else(|| self.extra.contains(&date).then_some(HolidayName::Declared))
    }

    /// The second National Day day for `year`: the recorded decision, else the default.
    pub fn national_day_choice(&self, year: i32) -> NationalDayExtra {
        self.national_day_extra
            .get(&year)
            .copied()
            .unwrap_or_else(|| default_national_day_extra(year))
    }
}

/// Default second National Day day: the adjacent day that is a weekday and, if both are,
/// the one that joins a weekend; 1 September on a tie.
///
/// This reproduces the decisions for 2021–2025 (3, 1, 1, 3 and 1 September); later years
/// should be recorded with [`HolidayCalendar::with_national_day_extra`] once decided.
fn default_national_day_extra(year: i32) -> NationalDayExtra {
    let score = |day: u32| match NaiveDate::from_ymd_opt(year, 9, day).map(|d| d.weekday()) {
        Some(Weekday::Sat | Weekday::Sun) | None => 0,
        Some(Weekday::Mon | Weekday::Fri) => 2,
        Some(_) => 1,
    };
    if score(3) > score(1) {
        NationalDayExtra::September3
    } else {
        NationalDayExtra::September1
    }
}

/// The holiday the Labour Code gives `date`, before any per-date adjustment.
fn legal_holiday(date: NaiveDate, national_day_extra: NationalDayExtra) -> Option<HolidayName> {
    let solar = match (date.month(), date.day()) {
        (1, 1) => Some(HolidayName::NewYear),
        (4, 30) => Some(HolidayName::ReunificationDay),
        (5, 1) => Some(HolidayName::LabourDay),
        (9, 2) => Some(HolidayName::NationalDay),
        (9, 1) if national_day_extra == NationalDayExtra::September1 => {
            Some(HolidayName::NationalDay)
        }
        (9, 3) if national_day_extra == NationalDayExtra::September3 => {
            Some(HolidayName::NationalDay)
        }
        _ => None,
    };
    // Lunar holidays fall between late January and early June; skip the conversion otherwise.
    solar.or_else(|| (date.month() <= 6).then(|| lunar_holiday(date)).flatten())
}

/// Tết and Hùng Kings' day, found by converting `date` (and the next day) to the lunar calendar.
fn lunar_holiday(date: NaiveDate) -> Option<HolidayName> {
    let lunar = solar_to_lunar(date)?;
    let regular = |l: LunarDate, month, days: std::ops::RangeInclusive<u32>| {
        !l.leap && l.month == month && days.contains(&l.day)
    };
    if regular(lunar, 1, 1..=4) {
        return Some(HolidayName::Tet);
    }
    if regular(lunar, 3, 10..=10) {
        return Some(HolidayName::HungKings);
    }
    // The last day of the lunar year (29th or 30th of month 12) is the day before day 1/1.
    let next = date.checked_add_days(Days::new(1))?;
    regular(solar_to_lunar_unchecked(next), 1, 1..=1).then_some(HolidayName::Tet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn tet_2026_is_five_days_from_the_last_day_of_the_year() {
        let cal = HolidayCalendar::vietnam();
        assert_eq!(cal.is_holiday(date(2026, 2, 15)), None);
        for day in 16..=20 {
            assert_eq!(
                cal.is_holiday(date(2026, 2, day)),
                Some(HolidayName::Tet),
                "{day}"
            );
        }
        assert_eq!(cal.is_holiday(date(2026, 2, 21)), None);
    }

    #[test]
    fn tet_eve_is_the_29th_when_month_12_is_short() {
        // Lunar month 12 of Giáp Thìn had 29 days ("no 30 Tết"): the eve of 2025 was 28 January.
        let cal = HolidayCalendar::vietnam();
        assert_eq!(cal.is_holiday(date(2025, 1, 28)), Some(HolidayName::Tet));
        assert_eq!(cal.is_holiday(date(2025, 1, 27)), None);
    }

    #[test]
    fn solar_and_hung_kings_holidays() {
        let cal = HolidayCalendar::vietnam();
        assert_eq!(cal.is_holiday(date(2026, 1, 1)), Some(HolidayName::NewYear));
        assert_eq!(
            cal.is_holiday(date(2026, 4, 30)),
            Some(HolidayName::ReunificationDay)
        );
        assert_eq!(
            cal.is_holiday(date(2026, 5, 1)),
            Some(HolidayName::LabourDay)
        );
        assert_eq!(
            cal.is_holiday(date(2026, 9, 2)),
            Some(HolidayName::NationalDay)
        );
        assert_eq!(
            cal.is_holiday(date(2025, 4, 7)),
            Some(HolidayName::HungKings)
        );
        assert_eq!(
            cal.is_holiday(date(2026, 4, 26)),
            Some(HolidayName::HungKings)
        );
        assert_eq!(cal.is_holiday(date(2026, 4, 27)), None);
    }

    #[test]
    fn national_day_extra_default_matches_recent_decisions() {
        let cal = HolidayCalendar::vietnam();
        let expected = [(2021, 3), (2022, 1), (2023, 1), (2024, 3), (2025, 1)];
        for (year, day) in expected {
            assert_eq!(
                cal.is_holiday(date(year, 9, day)),
                Some(HolidayName::NationalDay)
            );
            assert_eq!(cal.is_holiday(date(year, 9, 4 - day)), None, "{year}");
        }
    }

    #[test]
    fn government_decisions_are_data() {
        let cal = HolidayCalendar::new(vec![date(2026, 2, 21)], vec![date(2026, 2, 20)])
            .with_national_day_extra(2026, NationalDayExtra::September3);
        assert_eq!(
            cal.is_holiday(date(2026, 2, 21)),
            Some(HolidayName::Declared)
        );
        assert_eq!(cal.is_holiday(date(2026, 2, 20)), None);
        assert_eq!(
            cal.is_holiday(date(2026, 9, 3)),
            Some(HolidayName::NationalDay)
        );
        assert_eq!(cal.is_holiday(date(2026, 9, 1)), None);
    }

    #[test]
    fn lunar_holidays_are_unknown_outside_the_supported_years() {
        let cal = HolidayCalendar::vietnam();
        assert_eq!(cal.is_holiday(date(2200, 1, 1)), Some(HolidayName::NewYear));
        assert_eq!(cal.is_holiday(date(1899, 1, 31)), None);
    }
}
