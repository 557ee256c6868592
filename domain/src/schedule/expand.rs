//! Expansion of a plan into concrete occurrences, and the nominal dates it skips.
//!
//! Each nominal date's fate (due on which day, or skipped and why) is decided from the plan
//! and the calendar alone, never from the queried range, so expanding adjacent ranges gives
//! the same occurrences as expanding their union, and re-planning never shifts an occurrence.

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::TIME_ZONE;
use super::holidays::{HolidayCalendar, HolidayName};
use super::plan::{HolidayPolicy, Plan};
use super::rule::add_days;

/// One check-in the client owes: its stable identity is `scheduled_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Occurrence {
    /// The rule's nominal local date; stable across holiday moves, use it as the key.
    pub scheduled_on: NaiveDate,
    /// Local date on which the window actually opens (later than `scheduled_on` if moved).
    pub due_on: NaiveDate,
    /// Instant the window opens.
    pub opens_at: DateTime<Utc>,
    /// Instant the window closes; a check-in at or after it is late.
    pub closes_at: DateTime<Utc>,
}

/// Why a nominal date has no occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// The date is inside one of the plan's pauses.
    Paused,
    /// The date is a holiday and the plan's policy is to skip holidays.
    Holiday {
        /// The holiday on the nominal date.
        name: HolidayName,
    },
    /// The date is a holiday and its move target already has a check-in of this plan.
    TargetDayTaken {
        /// The holiday on the nominal date.
        name: HolidayName,
        /// The working day it would have moved to.
        target: NaiveDate,
    },
    /// The date is a holiday and no working day is left before the plan ends.
    NoWorkingDayLeft {
        /// The holiday on the nominal date.
        name: HolidayName,
    },
}

/// A nominal check-in date without an occurrence, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Skipped {
    /// The rule's nominal local date.
    pub scheduled_on: NaiveDate,
    /// Why no check-in is due for it.
    pub reason: SkipReason,
}

/// The occurrences of `plan` whose window opens in `[from, to)`, sorted by `opens_at`.
///
/// Deterministic; never yields the same `scheduled_on` or the same `due_on` twice.
pub fn expand(
    plan: &Plan,
    calendar: &HolidayCalendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Occurrence> {
    if from >= to {
        return Vec::new();
    }
    let days = DayKinds { plan, calendar };
    // One day of margin each side covers any local/UTC offset; the exact filter is below.
    let first =
        add_days(local_date(from), -1).map_or(plan.starts_on(), |d| d.max(plan.starts_on()));
    let last = add_days(local_date(to), 1).map_or(plan.ends_on(), |d| d.min(plan.ends_on()));
    if first > last {
        return Vec::new();
    }
    // Holidays just before `first` may have moved into the range: walk back over the run of
    // non-working days before it and collect the nominal dates found there.
    let mut candidates = Vec::new();
    let mut day = add_days(first, -1);
    while let Some(d) = day.filter(|d| *d >= plan.starts_on()) {
        if let Some(since) = plan.paused_since(d) {
            day = add_days(since, -1);
            continue;
        }
        if days.is_working(d) {
            break;
        }
        if plan.is_nominal(d) {
            candidates.push(d);
        }
        day = add_days(d, -1);
    }
    let mut next = plan.next_nominal(first);
    while let Some(d) = next.filter(|d| *d <= last) {
        candidates.push(d);
        next = add_days(d, 1).and_then(|d| plan.next_nominal(d));
    }
    let mut out: Vec<Occurrence> = candidates
        .into_iter()
        .filter_map(|s| match days.fate(s) {
            Fate::Due(due_on) => occurrence(plan, s, due_on),
            Fate::Skipped(_) => None,
        })
        .filter(|o| from <= o.opens_at && o.opens_at < to)
        .collect();
    out.sort_by_key(|o| (o.opens_at, o.due_on));
    out
}

/// The nominal dates in `[from, to)` (local) that have no occurrence, with the reason.
pub fn skipped(
    plan: &Plan,
    calendar: &HolidayCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Skipped> {
    let days = DayKinds { plan, calendar };
    let mut out = Vec::new();
    let mut next = plan.next_nominal(from.max(plan.starts_on()));
    while let Some(d) = next.filter(|d| *d < to) {
        if let Fate::Skipped(reason) = days.fate(d) {
            out.push(Skipped {
                scheduled_on: d,
                reason,
            });
        }
        next = add_days(d, 1).and_then(|d| plan.next_nominal(d));
    }
    out
}

/// The local date of an instant, without chrono's panic at the ends of its range (there the
/// UTC date is close enough, given the one-day margin the caller adds).
fn local_date(t: DateTime<Utc>) -> NaiveDate {
    let offset = TIME_ZONE.offset_from_utc_datetime(&t.naive_utc()).fix();
    t.naive_utc()
        .checked_add_offset(offset)
        .map_or(t.date_naive(), |local| local.date())
}

/// The occurrence for nominal date `s` due on `due_on`, with its UTC window.
fn occurrence(plan: &Plan, s: NaiveDate, due_on: NaiveDate) -> Option<Occurrence> {
    let (opens_at, closes_at) = plan.window().instants(due_on)?;
    Some(Occurrence {
        scheduled_on: s,
        due_on,
        opens_at,
        closes_at,
    })
}

/// What becomes of one nominal date.
enum Fate {
    Due(NaiveDate),
    Skipped(SkipReason),
}

/// Day classification for one plan against one holiday calendar.
struct DayKinds<'a> {
    plan: &'a Plan,
    calendar: &'a HolidayCalendar,
}

impl DayKinds<'_> {
    /// A day a moved check-in may land on: not paused, not Sunday, not a holiday.
    fn is_working(&self, d: NaiveDate) -> bool {
        self.plan.paused_until(d).is_none()
            && d.weekday() != Weekday::Sun
            && self.calendar.is_holiday(d).is_none()
    }

    /// The fate of nominal date `s`; depends only on the plan and the calendar.
    fn fate(&self, s: NaiveDate) -> Fate {
        if self.plan.paused_until(s).is_some() {
            return Fate::Skipped(SkipReason::Paused);
        }
        let Some(name) = self.calendar.is_holiday(s) else {
            return Fate::Due(s);
        };
        if self.plan.holiday_policy() == HolidayPolicy::Skip {
            return Fate::Skipped(SkipReason::Holiday { name });
        }
        let Some(target) = self.next_working_day(s) else {
            return Fate::Skipped(SkipReason::NoWorkingDayLeft { name });
        };
        // The target keeps its own nominal check-in; among holidays moving to the same
        // target the earliest wins, so the one with an earlier moving holiday is dropped.
        if self.plan.is_nominal(target) || self.earlier_move_to_same_target(s) {
            return Fate::Skipped(SkipReason::TargetDayTaken { name, target });
        }
        Fate::Due(target)
    }

    /// The first working day after `s`, no later than the plan's end.
    fn next_working_day(&self, s: NaiveDate) -> Option<NaiveDate> {
        let mut day = add_days(s, 1);
        while let Some(d) = day.filter(|d| *d <= self.plan.ends_on()) {
            if let Some(until) = self.plan.paused_until(d) {
                day = add_days(until, 1);
            } else if self.is_working(d) {
                return Some(d);
            } else {
                day = add_days(d, 1);
            }
        }
        None
    }

    /// Whether an earlier nominal holiday (not paused) lies in the same run of non-working
    /// days that ends just before `s`, so that it moves to the same target as `s`.
    fn earlier_move_to_same_target(&self, s: NaiveDate) -> bool {
        let mut day = add_days(s, -1);
        while let Some(d) = day.filter(|d| *d >= self.plan.starts_on()) {
            if let Some(since) = self.plan.paused_since(d) {
                day = add_days(since, -1);
            } else if self.calendar.is_holiday(d).is_some() {
                if self.plan.is_nominal(d) {
                    return true;
                }
                day = add_days(d, -1);
            } else if d.weekday() == Weekday::Sun {
                // A nominal Sunday that is no holiday stays put and does not compete.
                day = add_days(d, -1);
            } else {
                return false;
            }
        }
        false
    }
}
