//! Plan validation, plan changes and deadline helpers.

use chrono::Weekday;

use super::expand_tests::{all, date, due, plan, utc, weekly, window};
use super::*;

#[test]
fn plan_validation() {
    let w = window(8, 60);
    let rule = weekly(&[Weekday::Mon], 1);
    let new =
        |rule: CheckInRule, s, e, pauses| Plan::new(rule, w, s, e, pauses, HolidayPolicy::Skip);
    assert_eq!(
        new(rule.clone(), date(2026, 3, 10), date(2026, 3, 9), vec![]),
        Err(PlanError::EndsBeforeStart {
            starts_on: date(2026, 3, 10),
            ends_on: date(2026, 3, 9)
        })
    );
    // Tuesday to Saturday contains no Monday.
    assert_eq!(
        new(rule.clone(), date(2026, 3, 3), date(2026, 3, 7), vec![]),
        Err(PlanError::NoOccurrences)
    );
    assert_eq!(
        new(
            CheckInRule::EveryNDays { n: 0 },
            date(2026, 3, 3),
            date(2026, 3, 7),
            vec![]
        ),
        Err(PlanError::Rule(RuleError::ZeroDays))
    );
    let backwards = Pause {
        from: date(2026, 3, 5),
        to: date(2026, 3, 4),
    };
    assert_eq!(
        new(
            rule.clone(),
            date(2026, 3, 1),
            date(2026, 3, 31),
            vec![backwards]
        ),
        Err(PlanError::PauseEndsBeforeStart {
            from: date(2026, 3, 5),
            to: date(2026, 3, 4)
        })
    );
    assert_eq!(
        new(rule, date(2026, 3, 1), date(2200, 3, 31), vec![]),
        Err(PlanError::UnsupportedDate(date(2200, 3, 31)))
    );
}

#[test]
fn a_plan_change_moves_only_future_check_ins() {
    let cal = HolidayCalendar::vietnam();
    let old = plan(
        weekly(&[Weekday::Mon], 1),
        date(2026, 1, 5),
        date(2026, 6, 30),
        HolidayPolicy::Skip,
    );
    let new = plan(
        weekly(&[Weekday::Thu], 1),
        date(2000, 1, 1),
        date(2026, 12, 31),
        HolidayPolicy::Skip,
    );
    let change = split_for_change(&old, new, date(2026, 3, 4)).unwrap();
    let before = change.before.unwrap();
    assert_eq!(
        (before.starts_on(), before.ends_on()),
        (date(2026, 1, 5), date(2026, 3, 3))
    );
    assert_eq!(
        (change.after.starts_on(), change.after.ends_on()),
        (date(2026, 3, 4), date(2026, 12, 31))
    );
    let cut = utc(2026, 3, 3, 17); // local midnight starting 4 March
    assert_eq!(
        expand(&before, &cal, utc(2026, 1, 1, 0), cut),
        expand(&old, &cal, utc(2026, 1, 1, 0), cut)
    );
    assert!(expand(&before, &cal, cut, utc(2027, 1, 1, 0)).is_empty());
    assert_eq!(
        expand(&change.after, &cal, utc(2026, 1, 1, 0), utc(2026, 3, 6, 0))[0].due_on,
        date(2026, 3, 5)
    );
}

#[test]
fn plan_change_edge_cases() {
    let old = plan(
        weekly(&[Weekday::Mon], 1),
        date(2026, 1, 5),
        date(2026, 6, 30),
        HolidayPolicy::Skip,
    );
    let new = || {
        plan(
            CheckInRule::Monthly { day: 20 },
            date(2026, 1, 1),
            date(2026, 12, 31),
            HolidayPolicy::Skip,
        )
    };
    let outside = split_for_change(&old, new(), date(2026, 7, 1));
    assert!(matches!(
        outside,
        Err(PlanError::EffectiveDateOutsidePlan { .. })
    ));
    // Changing on the first day leaves nothing of the old plan.
    assert_eq!(
        split_for_change(&old, new(), date(2026, 1, 5))
            .unwrap()
            .before,
        None
    );
    let short = plan(
        CheckInRule::Monthly { day: 20 },
        date(2026, 1, 1),
        date(2026, 3, 15),
        HolidayPolicy::Skip,
    );
    assert_eq!(
        split_for_change(&old, short, date(2026, 3, 1)),
        Err(PlanError::NoOccurrences)
    );
}

#[test]
fn a_holiday_moved_across_the_change_date_is_dropped_from_the_old_plan() {
    let policy = HolidayPolicy::MoveToNextWorkingDay;
    let old = plan(
        weekly(&[Weekday::Mon], 1),
        date(2026, 2, 9),
        date(2026, 6, 30),
        policy,
    );
    let new = plan(
        weekly(&[Weekday::Thu], 1),
        date(2026, 2, 9),
        date(2026, 6, 30),
        policy,
    );
    let change = split_for_change(&old, new, date(2026, 2, 19)).unwrap();
    let got = due(&all(&change.before.unwrap()));
    assert_eq!(got, vec![(date(2026, 2, 9), date(2026, 2, 9))]);
    // Thursday 19 is Tết: the new plan moves it to Saturday 21.
    assert_eq!(
        due(&all(&change.after))[0],
        (date(2026, 2, 19), date(2026, 2, 21))
    );
}

#[test]
fn deadlines_follow_the_window_close() {
    let p = plan(
        weekly(&[Weekday::Mon], 1),
        date(2026, 3, 2),
        date(2026, 3, 2),
        HolidayPolicy::Skip,
    );
    let o = all(&p)[0];
    assert_eq!(o.closes_at, utc(2026, 3, 2, 3));
    assert!(!is_late(o.closes_at, utc(2026, 3, 2, 0)));
    assert!(!is_late(
        o.closes_at,
        utc(2026, 3, 2, 3) - chrono::TimeDelta::seconds(1)
    ));
    assert!(is_late(o.closes_at, utc(2026, 3, 2, 3)));
}
