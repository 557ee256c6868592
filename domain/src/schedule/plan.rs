//! A supervision check-in plan and how it changes without moving past occurrences.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::lunar::{FIRST_YEAR, LAST_YEAR};
use super::rule::{CheckInRule, RuleError, add_days};
use super::window::CheckInWindow;

/// An inclusive range of local dates without check-ins (hospital stay, approved absence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pause {
    /// First paused day.
    pub from: NaiveDate,
    /// Last paused day (inclusive).
    pub to: NaiveDate,
}

impl Pause {
    /// Whether `date` is one of the paused days.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// What happens to a nominal check-in date that is a public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayPolicy {
    /// No check-in for that date.
    #[default]
    Skip,
    /// Due on the next day that is not a holiday, a Sunday or paused, unless the plan already
    /// has a check-in due that day or the plan ends first; then it is dropped.
    MoveToNextWorkingDay,
}

impl HolidayPolicy {
    /// Every policy.
    pub const ALL: [HolidayPolicy; 2] = [Self::Skip, Self::MoveToNextWorkingDay];

    /// Stored form (also the serde form, and what `HOLIDAY_POLICY` accepts).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::MoveToNextWorkingDay => "move_to_next_working_day",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Why a [`Plan`] or a plan change is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// The recurrence rule itself is invalid.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The plan ends before it starts.
    #[error("plan ends on {ends_on}, before it starts on {starts_on}")]
    EndsBeforeStart {
        /// Requested first day.
        starts_on: NaiveDate,
        /// Requested last day.
        ends_on: NaiveDate,
    },
    /// A plan date lies outside the years whose holidays are known (1900–2199).
    #[error("date {0} is outside the supported years 1900–2199")]
    UnsupportedDate(NaiveDate),
    /// A pause ends before it starts.
    #[error("pause ends on {to}, before it starts on {from}")]
    PauseEndsBeforeStart {
        /// Requested first paused day.
        from: NaiveDate,
        /// Requested last paused day.
        to: NaiveDate,
    },
    /// The rule yields no nominal check-in date between `starts_on` and `ends_on`.
    #[error("the rule yields no check-in between the plan's start and end")]
    NoOccurrences,
    /// A change must take effect on a day inside the plan it changes.
    #[error("change effective on {effective_from} is outside the plan {starts_on}..={ends_on}")]
    EffectiveDateOutsidePlan {
        /// Requested effective date.
        effective_from: NaiveDate,
        /// First day of the plan being changed.
        starts_on: NaiveDate,
        /// Last day of the plan being changed.
        ends_on: NaiveDate,
    },
}

/// A validated check-in plan: rule, window, inclusive date range, pauses and holiday policy.
///
/// The rule is anchored at `starts_on` (week 0, day 0). Deserialising re-runs the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PlanData")]
pub struct Plan {
    rule: CheckInRule,
    window: CheckInWindow,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    pauses: Vec<Pause>,
    holiday_policy: HolidayPolicy,
}

/// The stored form, checked by [`Plan::new`] when read back.
#[derive(Deserialize)]
struct PlanData {
    rule: CheckInRule,
    window: CheckInWindow,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    #[serde(default)]
    pauses: Vec<Pause>,
    #[serde(default)]
    holiday_policy: HolidayPolicy,
}

impl TryFrom<PlanData> for Plan {
    type Error = PlanError;

    fn try_from(d: PlanData) -> Result<Self, Self::Error> {
        Self::new(
            d.rule,
            d.window,
            d.starts_on,
            d.ends_on,
            d.pauses,
            d.holiday_policy,
        )
    }
}

impl Plan {
    /// Builds a plan after checking the rule, the date range (within 1900–2199), the pauses,
    /// and that the rule yields at least one nominal date in `starts_on..=ends_on`.
    pub fn new(
        rule: CheckInRule,
        window: CheckInWindow,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        pauses: Vec<Pause>,
        holiday_policy: HolidayPolicy,
    ) -> Result<Self, PlanError> {
        rule.validate()?;
        for date in [starts_on, ends_on] {
            if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
                return Err(PlanError::UnsupportedDate(date));
            }
        }
        if ends_on < starts_on {
            return Err(PlanError::EndsBeforeStart { starts_on, ends_on });
        }
        if let Some(p) = pauses.iter().find(|p| p.to < p.from) {
            return Err(PlanError::PauseEndsBeforeStart {
                from: p.from,
                to: p.to,
            });
        }
        if rule
            .first_on_or_after(starts_on, starts_on)
            .is_none_or(|d| d > ends_on)
        {
            return Err(PlanError::NoOccurrences);
        }
        Ok(Self {
            rule,
            window,
            starts_on,
            ends_on,
            pauses,
            holiday_policy,
        })
    }

    /// The recurrence rule, anchored at [`Plan::starts_on`].
    pub fn rule(&self) -> &CheckInRule {
        &self.rule
    }

    /// The local check-in window applied to every occurrence.
    pub fn window(&self) -> CheckInWindow {
        self.window
    }

    /// First day of the plan; also the rule's anchor.
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }

    /// Last day of the plan (inclusive); no occurrence is due after it.
    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }

    /// The plan's pauses, as given.
    pub fn pauses(&self) -> &[Pause] {
        &self.pauses
    }

    /// What happens to nominal dates that are holidays.
    pub fn holiday_policy(&self) -> HolidayPolicy {
        self.holiday_policy
    }

    /// Whether `date` is a nominal check-in date of this plan (before pauses and holidays).
    pub(super) fn is_nominal(&self, date: NaiveDate) -> bool {
        date <= self.ends_on && self.rule.matches(self.starts_on, date)
    }

    /// The first nominal date on or after `date`, if the plan has one.
    pub(super) fn next_nominal(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.rule
            .first_on_or_after(self.starts_on, date)
            .filter(|d| *d <= self.ends_on)
    }

    /// The last day of the longest pause run containing `date` (overlapping pauses chain).
    pub(super) fn paused_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.pauses
            .iter()
            .filter(|p| p.contains(date))
            .map(|p| p.to)
            .max()
    }

    /// The first day of the earliest pause containing `date`.
    pub(super) fn paused_since(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.pauses
            .iter()
            .filter(|p| p.contains(date))
            .map(|p| p.from)
            .min()
    }
}

/// The two plans that replace one plan changed from a given day on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    /// The old plan ending the day before the change, or `None` when no nominal date remains
    /// before it (the change takes effect on or before the old plan's first check-in).
    pub before: Option<Plan>,
    /// The new plan starting on the effective date.
    pub after: Plan,
}

/// Splits a plan change so only the future changes: the old plan is cut to end the day before
/// `effective_from` and `new` is re-anchored to start on it (its own `starts_on` is ignored).
///
/// Occurrences of the old plan due before `effective_from` keep their dates; one that the
/// old plan moved across the effective date is dropped, since the new plan owns those days.
/// Rules restart counting at `effective_from` (week 0 / day 0 of the new plan).
pub fn split_for_change(
    old: &Plan,
    new: Plan,
    effective_from: NaiveDate,
) -> Result<PlanChange, PlanError> {
    if effective_from < old.starts_on || effective_from > old.ends_on {
        return Err(PlanError::EffectiveDateOutsidePlan {
            effective_from,
            starts_on: old.starts_on,
            ends_on: old.ends_on,
        });
    }
    let after = Plan::new(
        new.rule,
        new.window,
        effective_from,
        new.ends_on,
        new.pauses,
        new.holiday_policy,
    )?;
    let before = add_days(effective_from, -1)
        .filter(|last| *last >= old.starts_on)
        .and_then(|last| {
            Plan::new(
                old.rule.clone(),
                old.window,
                old.starts_on,
                last,
                old.pauses.clone(),
                old.holiday_policy,
            )
            .ok()
        });
    Ok(PlanChange { before, after })
}
