//! Check-in recurrence rules: which local dates a plan nominally asks for a check-in.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::bounds::{MAX_EVERY_N_DAYS, MAX_INTERVAL_WEEKS, MAX_WEEKDAYS};

/// How often a client must check in, stored as JSON with a `kind` tag.
///
/// Every rule counts from an anchor, the plan's `starts_on`: weeks run Monday to Sunday
/// and week 0 is the week containing the anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckInRule {
    /// On the given weekdays of every `interval_weeks`-th week (1 = weekly, 2 = fortnightly).
    Weekly {
        /// The weekdays of a check-in week, e.g. Monday and Thursday for "twice a week".
        weekdays: Vec<Weekday>,
        /// Week step counted from the anchor's week; defaults to 1 when absent from JSON.
        #[serde(default = "every_week")]
        interval_weeks: u32,
    },
    /// Every `n` days counted from the anchor date itself (n = 1 is daily).
    EveryNDays {
        /// Days between two check-ins.
        n: u32,
    },
    /// On one day of every month; in shorter months on the month's last day
    /// (day 31 gives 30 April and 28/29 February).
    Monthly {
        /// Day of the month, 1..=31.
        day: u32,
    },
}

/// Why a [`CheckInRule`] is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    /// A weekly rule with no weekday would never ask for a check-in.
    #[error("a weekly rule needs at least one weekday")]
    NoWeekdays,
    /// The same weekday was listed twice, which usually hides a typo in the intended days.
    #[error("weekday {0} is listed more than once")]
    DuplicateWeekday(Weekday),
    /// A week step of zero has no meaning.
    #[error("interval_weeks must be at least 1")]
    ZeroIntervalWeeks,
    /// A day step of zero has no meaning.
    #[error("n must be at least 1 day")]
    ZeroDays,
    /// The day of the month must be 1..=31.
    #[error("day of month {0} is not in 1..=31")]
    DayOutOfRange(u32),
    /// A step past the input bound ([`MAX_INTERVAL_WEEKS`], [`MAX_EVERY_N_DAYS`]).
    #[error("a check-in rule's step is at most {max} (got {got})")]
    StepTooLarge {
        /// The bound.
        max: u32,
        /// What was asked.
        got: u32,
    },
    /// More weekdays than a week has.
    #[error("a weekly rule lists at most {MAX_WEEKDAYS} weekdays")]
    TooManyWeekdays,
}

/// Serde default for `interval_weeks`.
fn every_week() -> u32 {
    1
}

impl CheckInRule {
    /// Checks the rule's own parameters (weekdays present and distinct, steps ≥ 1, day 1..=31).
    pub fn validate(&self) -> Result<(), RuleError> {
        match self {
            Self::Weekly {
                weekdays,
                interval_weeks,
            } => {
                if weekdays.is_empty() {
                    return Err(RuleError::NoWeekdays);
                }
                for (i, day) in weekdays.iter().enumerate() {
                    if weekdays[..i].contains(day) {
                        return Err(RuleError::DuplicateWeekday(*day));
                    }
                }
                if *interval_weeks == 0 {
                    return Err(RuleError::ZeroIntervalWeeks);
                }
            }
            Self::EveryNDays { n } => {
                if *n == 0 {
                    return Err(RuleError::ZeroDays);
                }
            }
            Self::Monthly { day } => {
                if !(1..=31).contains(day) {
                    return Err(RuleError::DayOutOfRange(*day));
                }
            }
        }
        Ok(())
    }

    /// Checks a rule received as input against the input bounds (weekdays, week and day steps),
    /// then [`validate`](Self::validate)s it. Stored rules are only validated, so that a bound
    /// tightened later never makes an existing plan unreadable.
    pub fn check_input(&self) -> Result<(), RuleError> {
        let step = match self {
            Self::Weekly {
                weekdays,
                interval_weeks,
            } => {
                if weekdays.len() > MAX_WEEKDAYS {
                    return Err(RuleError::TooManyWeekdays);
                }
                Some((*interval_weeks, MAX_INTERVAL_WEEKS))
            }
            Self::EveryNDays { n } => Some((*n, MAX_EVERY_N_DAYS)),
            Self::Monthly { .. } => None,
        };
        if let Some((got, max)) = step.filter(|(got, max)| got > max) {
            return Err(RuleError::StepTooLarge { max, got });
        }
        self.validate()
    }

    /// Whether `date` is a nominal check-in date of this rule anchored at `anchor`.
    pub(super) fn matches(&self, anchor: NaiveDate, date: NaiveDate) -> bool {
        date >= anchor && self.first_on_or_after(anchor, date) == Some(date)
    }

    /// The first nominal date on or after `date` (and not before `anchor`), if representable.
    pub(super) fn first_on_or_after(
        &self,
        anchor: NaiveDate,
        date: NaiveDate,
    ) -> Option<NaiveDate> {
        let date = date.max(anchor);
        match self {
            Self::Weekly {
                weekdays,
                interval_weeks,
            } => first_weekly(weekdays, i64::from(*interval_weeks), anchor, date),
            Self::EveryNDays { n } => {
                let n = u64::from(*n).max(1);
                let elapsed = u64::try_from((date - anchor).num_days()).ok()?;
                let offset = elapsed.div_ceil(n).checked_mul(n)?;
                add_days(anchor, i64::try_from(offset).ok()?)
            }
            Self::Monthly { day } => {
                let this_month = clamped_day(date.year(), date.month(), *day)?;
                if this_month >= date {
                    return Some(this_month);
                }
                let (year, month) = if date.month() == 12 {
                    (date.year().checked_add(1)?, 1)
                } else {
                    (date.year(), date.month() + 1)
                };
                clamped_day(year, month, *day)
            }
        }
    }
}

/// First date ≥ `date` on one of `weekdays` in a week whose index from the anchor's week
/// is a multiple of `interval`; jumps over off-weeks instead of walking day by day.
fn first_weekly(
    weekdays: &[Weekday],
    interval: i64,
    anchor: NaiveDate,
    date: NaiveDate,
) -> Option<NaiveDate> {
    if weekdays.is_empty() {
        return None;
    }
    let interval = interval.max(1);
    let base = monday_of(anchor)?;
    let mut day = date;
    // At most: finish the current on-week, then jump to the next on-week, which has a match.
    for _ in 0..3 {
        let week = (monday_of(day)? - base).num_days() / 7;
        let off_by = week % interval;
        if off_by != 0 {
            day = add_days(base, (week - off_by + interval).checked_mul(7)?)?;
        }
        let remaining = 7 - i64::from(day.weekday().num_days_from_monday());
        for offset in 0..remaining {
            let candidate = add_days(day, offset)?;
            if weekdays.contains(&candidate.weekday()) {
                return Some(candidate);
            }
        }
        day = add_days(day, remaining)?;
    }
    None
}

/// The Monday starting the (ISO, Monday-first) week of `date`.
fn monday_of(date: NaiveDate) -> Option<NaiveDate> {
    add_days(date, -i64::from(date.weekday().num_days_from_monday()))
}

/// `date` moved by `days` (negative goes back), or `None` past chrono's date range.
pub(super) fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::try_days(days)?)
}

/// `day` of the given month, or the month's last day when the month is shorter.
fn clamped_day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    (1..=day.min(31))
        .rev()
        .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dates(rule: &CheckInRule, anchor: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut next = rule.first_on_or_after(anchor, anchor);
        while let Some(d) = next.filter(|d| *d <= until) {
            out.push(d);
            next = rule.first_on_or_after(anchor, d.succ_opt().unwrap());
        }
        out
    }

    #[test]
    fn validation_names_the_problem() {
        let weekly = |weekdays: Vec<Weekday>, interval_weeks| CheckInRule::Weekly {
            weekdays,
            interval_weeks,
        };
        assert_eq!(weekly(vec![], 1).validate(), Err(RuleError::NoWeekdays));
        assert_eq!(
            weekly(vec![Weekday::Mon, Weekday::Mon], 1).validate(),
            Err(RuleError::DuplicateWeekday(Weekday::Mon))
        );
        assert_eq!(
            weekly(vec![Weekday::Mon], 0).validate(),
            Err(RuleError::ZeroIntervalWeeks)
        );
        assert_eq!(
            CheckInRule::EveryNDays { n: 0 }.validate(),
            Err(RuleError::ZeroDays)
        );
        assert_eq!(
            CheckInRule::Monthly { day: 0 }.validate(),
            Err(RuleError::DayOutOfRange(0))
        );
        assert_eq!(
            CheckInRule::Monthly { day: 32 }.validate(),
            Err(RuleError::DayOutOfRange(32))
        );
        assert_eq!(CheckInRule::Monthly { day: 31 }.validate(), Ok(()));
    }

    #[test]
    fn input_rules_have_bounded_steps() {
        let weekly = |weekdays: Vec<Weekday>, interval_weeks| CheckInRule::Weekly {
            weekdays,
            interval_weeks,
        };
        assert_eq!(
            CheckInRule::EveryNDays { n: 367 }.check_input(),
            Err(RuleError::StepTooLarge { max: 366, got: 367 })
        );
        assert_eq!(CheckInRule::EveryNDays { n: 366 }.check_input(), Ok(()));
        assert_eq!(
            weekly(vec![Weekday::Mon], 53).check_input(),
            Err(RuleError::StepTooLarge { max: 52, got: 53 })
        );
        assert_eq!(
            weekly(vec![Weekday::Mon; 8], 1).check_input(),
            Err(RuleError::TooManyWeekdays)
        );
        assert_eq!(
            CheckInRule::EveryNDays { n: 0 }.check_input(),
            Err(RuleError::ZeroDays)
        );
    }

    #[test]
    fn monthly_day_31_falls_back_to_the_last_day_of_short_months() {
        let rule = CheckInRule::Monthly { day: 31 };
        let got = dates(&rule, date(2027, 1, 1), date(2027, 5, 31));
        let want = [(1, 31), (2, 28), (3, 31), (4, 30), (5, 31)].map(|(m, d)| date(2027, m, d));
        assert_eq!(got, want);
    }

    #[test]
    fn monthly_day_29_in_a_leap_february() {
        let rule = CheckInRule::Monthly { day: 29 };
        let got = dates(&rule, date(2028, 1, 30), date(2028, 3, 31));
        assert_eq!(got, vec![date(2028, 2, 29), date(2028, 3, 29)]);
        let got = dates(&rule, date(2027, 2, 1), date(2027, 2, 28));
        assert_eq!(got, vec![date(2027, 2, 28)]);
    }

    #[test]
    fn every_n_days_crosses_the_year_boundary() {
        let rule = CheckInRule::EveryNDays { n: 10 };
        let got = dates(&rule, date(2026, 12, 15), date(2027, 1, 20));
        let want = vec![
            date(2026, 12, 15),
            date(2026, 12, 25),
            date(2027, 1, 4),
            date(2027, 1, 14),
        ];
        assert_eq!(got, want);
        assert!(rule.matches(date(2026, 12, 15), date(2027, 1, 4)));
        assert!(!rule.matches(date(2026, 12, 15), date(2027, 1, 5)));
    }

    #[test]
    fn biweekly_counts_weeks_from_the_anchor_week() {
        // Anchor Wednesday 7 Jan 2026: its week (Mon 5 Jan) is week 0, so Mondays 5 Jan
        // (before the anchor, excluded), 19 Jan, 2 Feb; Thursdays 8 Jan, 22 Jan.
        let rule = CheckInRule::Weekly {
            weekdays: vec![Weekday::Thu, Weekday::Mon],
            interval_weeks: 2,
        };
        let got = dates(&rule, date(2026, 1, 7), date(2026, 2, 2));
        let want = [(1, 8), (1, 19), (1, 22), (2, 2)].map(|(m, d)| date(2026, m, d));
        assert_eq!(got, want);
    }
}
