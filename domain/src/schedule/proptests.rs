//! Property tests: expansion is deterministic, range-additive, free of duplicates, and
//! agrees with a simple day-by-day model of the holiday and pause rules.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use proptest::prelude::*;

use super::*;

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn day(offset: i64) -> NaiveDate {
    // Day 0 is 1 Jan 2025, so plans cover several Tết seasons.
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + TimeDelta::days(offset)
}

fn rule() -> impl Strategy<Value = CheckInRule> {
    prop_oneof![
        (
            proptest::sample::subsequence(WEEK.to_vec(), 1..=7),
            1..=4u32
        )
            .prop_map(|(weekdays, interval_weeks)| CheckInRule::Weekly {
                weekdays,
                interval_weeks
            }),
        (1..=20u32).prop_map(|n| CheckInRule::EveryNDays { n }),
        (1..=31u32).prop_map(|day| CheckInRule::Monthly { day }),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    let window = (0..24u32, 0..60u32, 1..=3 * 24 * 60u32).prop_map(|(h, m, minutes)| {
        CheckInWindow::new(NaiveTime::from_hms_opt(h, m, 0).unwrap(), minutes).unwrap()
    });
    let pauses = proptest::collection::vec((0..1200i64, 0..30i64), 0..3).prop_map(|ps| {
        ps.into_iter()
            .map(|(from, len)| Pause {
                from: day(from),
                to: day(from + len),
            })
            .collect::<Vec<_>>()
    });
    let policy = prop_oneof![
        Just(HolidayPolicy::Skip),
        Just(HolidayPolicy::MoveToNextWorkingDay)
    ];
    (rule(), window, 0..1000i64, 0..400i64, pauses, policy).prop_filter_map(
        "rule yields no check-in",
        |(rule, window, start, len, pauses, policy)| {
            Plan::new(rule, window, day(start), day(start + len), pauses, policy).ok()
        },
    )
}

fn calendar() -> impl Strategy<Value = HolidayCalendar> {
    let dates = || proptest::collection::vec((0..1500i64).prop_map(day), 0..6);
    (dates(), dates()).prop_map(|(extra, removed)| HolidayCalendar::new(extra, removed))
}

fn instant(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 12, 25, 0, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

fn everything(plan: &Plan, cal: &HolidayCalendar) -> Vec<Occurrence> {
    expand(
        plan,
        cal,
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
    )
}

/// The rules as first described: walk the plan day by day, keep unmoved check-ins, then
/// give each moved holiday its target unless the day is already taken (earliest first).
fn model(plan: &Plan, cal: &HolidayCalendar) -> Vec<(NaiveDate, NaiveDate)> {
    let paused = |d: NaiveDate| plan.pauses().iter().any(|p| p.contains(d));
    let working =
        |d: NaiveDate| !paused(d) && d.weekday() != Weekday::Sun && cal.is_holiday(d).is_none();
    let nominal: Vec<NaiveDate> = plan
        .starts_on()
        .iter_days()
        .take_while(|d| *d <= plan.ends_on())
        .filter(|d| plan.rule().matches(plan.starts_on(), *d))
        .collect();
    let mut taken: BTreeSet<NaiveDate> = nominal
        .iter()
        .copied()
        .filter(|d| !paused(*d) && cal.is_holiday(*d).is_none())
        .collect();
    let mut out: Vec<(NaiveDate, NaiveDate)> = taken.iter().map(|d| (*d, *d)).collect();
    if plan.holiday_policy() == HolidayPolicy::MoveToNextWorkingDay {
        for s in nominal
            .iter()
            .filter(|d| !paused(**d) && cal.is_holiday(**d).is_some())
        {
            let target = s
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= plan.ends_on())
                .find(|d| working(*d));
            if let Some(t) = target.filter(|t| taken.insert(*t)) {
                out.push((*s, t));
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn expansion_matches_the_day_by_day_model(plan in plan(), cal in calendar()) {
        let mut got: Vec<_> = everything(&plan, &cal).iter().map(|o| (o.scheduled_on, o.due_on)).collect();
        got.sort();
        prop_assert_eq!(got, model(&plan, &cal));
    }

    #[test]
    fn expansion_is_deterministic_unique_and_within_bounds(
        plan in plan(),
        cal in calendar(),
        from in 0..2_000_000i64,
        len in 0..600_000i64,
    ) {
        let (from, to) = (instant(from), instant(from + len));
        let got = expand(&plan, &cal, from, to);
        prop_assert_eq!(&got, &expand(&plan, &cal, from, to));
        let scheduled: BTreeSet<_> = got.iter().map(|o| o.scheduled_on).collect();
        let due: BTreeSet<_> = got.iter().map(|o| o.due_on).collect();
        prop_assert_eq!(scheduled.len(), got.len());
        prop_assert_eq!(due.len(), got.len());
        prop_assert!(got.windows(2).all(|w| w[0].opens_at < w[1].opens_at));
        for o in &got {
            prop_assert!(plan.starts_on() <= o.scheduled_on && o.scheduled_on <= o.due_on);
            prop_assert!(o.due_on <= plan.ends_on());
            prop_assert!(from <= o.opens_at && o.opens_at < to);
            prop_assert_eq!(o.opens_at.with_timezone(&TIME_ZONE).date_naive(), o.due_on);
            let minutes = (o.closes_at - o.opens_at).num_minutes();
            prop_assert_eq!(minutes, i64::from(plan.window().duration_minutes()));
        }
    }

    #[test]
    fn adjacent_ranges_add_up(
        plan in plan(),
        cal in calendar(),
        a in 0..2_000_000i64,
        ab in 0..300_000i64,
        bc in 0..300_000i64,
    ) {
        let (a, b, c) = (instant(a), instant(a + ab), instant(a + ab + bc));
        let mut joined = expand(&plan, &cal, a, b);
        joined.extend(expand(&plan, &cal, b, c));
        prop_assert_eq!(joined, expand(&plan, &cal, a, c));
    }

    #[test]
    fn every_nominal_date_is_due_or_skipped_once(plan in plan(), cal in calendar()) {
        let due: BTreeSet<_> = everything(&plan, &cal).iter().map(|o| o.scheduled_on).collect();
        let skips = skipped(&plan, &cal, plan.starts_on(), day(5000));
        let skipped_on: BTreeSet<_> = skips.iter().map(|s| s.scheduled_on).collect();
        prop_assert_eq!(skipped_on.len(), skips.len());
        prop_assert!(due.is_disjoint(&skipped_on));
        let nominal = plan.starts_on().iter_days().take_while(|d| *d <= plan.ends_on())
            .filter(|d| plan.rule().matches(plan.starts_on(), *d)).count();
        prop_assert_eq!(due.len() + skipped_on.len(), nominal);
    }

    #[test]
    fn a_change_never_moves_past_check_ins(
        old in plan(),
        new in plan(),
        cal in calendar(),
        at in 0..400i64,
    ) {
        let effective = day((old.starts_on() - day(0)).num_days() + at);
        prop_assume!(effective <= old.ends_on());
        let Ok(change) = split_for_change(&old, new, effective) else {
            return Ok(());
        };
        let kept: Vec<_> = everything(&old, &cal).into_iter().filter(|o| o.due_on < effective).collect();
        let before = change.before.as_ref().map(|p| everything(p, &cal)).unwrap_or_default();
        prop_assert_eq!(before, kept);
        prop_assert_eq!(change.after.starts_on(), effective);
    }
}
