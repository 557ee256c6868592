//! Behaviour of plan expansion, holiday policies, pauses, plan changes and deadlines.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

use super::*;

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

pub(super) fn window(h: u32, minutes: u32) -> CheckInWindow {
    CheckInWindow::new(NaiveTime::from_hms_opt(h, 0, 0).unwrap(), minutes).unwrap()
}

pub(super) fn weekly(days: &[Weekday], interval_weeks: u32) -> CheckInRule {
    CheckInRule::Weekly {
        weekdays: days.to_vec(),
        interval_weeks,
    }
}

pub(super) fn plan(
    rule: CheckInRule,
    starts: NaiveDate,
    ends: NaiveDate,
    policy: HolidayPolicy,
) -> Plan {
    Plan::new(rule, window(8, 120), starts, ends, vec![], policy).unwrap()
}

pub(super) fn all(plan: &Plan) -> Vec<Occurrence> {
    expand(
        plan,
        &HolidayCalendar::vietnam(),
        utc(1900, 1, 1, 0),
        utc(2200, 1, 1, 0),
    )
}

pub(super) fn due(occurrences: &[Occurrence]) -> Vec<(NaiveDate, NaiveDate)> {
    occurrences
        .iter()
        .map(|o| (o.scheduled_on, o.due_on))
        .collect()
}

#[test]
fn weekly_monday_at_eight_local_opens_at_one_utc() {
    let p = plan(
        weekly(&[Weekday::Mon], 1),
        date(2026, 3, 1),
        date(2026, 3, 31),
        HolidayPolicy::Skip,
    );
    let got = all(&p);
    assert_eq!(got.len(), 5);
    assert_eq!(got[0].scheduled_on, date(2026, 3, 2));
    assert_eq!(got[0].opens_at, utc(2026, 3, 2, 1));
    assert_eq!(got[0].closes_at, utc(2026, 3, 2, 3));
    assert_eq!(got[4].due_on, date(2026, 3, 30));
}

#[test]
fn monthly_31_in_february_and_april_and_leap_day_2028() {
    let p = plan(
        CheckInRule::Monthly { day: 31 },
        date(2028, 1, 15),
        date(2028, 4, 30),
        HolidayPolicy::Skip,
    );
    let got: Vec<_> = all(&p).iter().map(|o| o.due_on).collect();
    assert_eq!(
        got,
        vec![date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
    );
    // 30 April is Reunification Day: skipped under the default policy.
    let skips = skipped(
        &p,
        &HolidayCalendar::vietnam(),
        date(2028, 1, 1),
        date(2029, 1, 1),
    );
    assert_eq!(skips.len(), 1);
    assert_eq!(skips[0].scheduled_on, date(2028, 4, 30));
}

#[test]
fn biweekly_and_every_n_days_across_the_new_year() {
    let p = plan(
        CheckInRule::EveryNDays { n: 3 },
        date(2026, 12, 27),
        date(2027, 1, 8),
        HolidayPolicy::Skip,
    );
    let got: Vec<_> = all(&p).iter().map(|o| o.due_on).collect();
    // 2 January is no holiday; 1 January (New Year) is not on the 3-day grid.
    assert_eq!(
        got,
        vec![
            date(2026, 12, 27),
            date(2026, 12, 30),
            date(2027, 1, 2),
            date(2027, 1, 5),
            date(2027, 1, 8)
        ]
    );
    let p = plan(
        weekly(&[Weekday::Tue], 2),
        date(2026, 6, 1),
        date(2026, 7, 1),
        HolidayPolicy::Skip,
    );
    let got: Vec<_> = all(&p).iter().map(|o| o.due_on).collect();
    assert_eq!(
        got,
        vec![date(2026, 6, 2), date(2026, 6, 16), date(2026, 6, 30)]
    );
}

#[test]
fn window_crossing_midnight_belongs_to_the_day_it_opens() {
    let w = CheckInWindow::between(
        NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
        true,
    )
    .unwrap();
    let p = Plan::new(
        CheckInRule::EveryNDays { n: 1 },
        w,
        date(2026, 3, 2),
        date(2026, 3, 3),
        vec![],
        HolidayPolicy::Skip,
    )
    .unwrap();
    let got = all(&p);
    assert_eq!(got[0].opens_at, utc(2026, 3, 2, 15));
    assert_eq!(got[0].closes_at, utc(2026, 3, 2, 19));
    // A range starting after the window opened but before it closed does not yield it again.
    let later = expand(
        &p,
        &HolidayCalendar::vietnam(),
        utc(2026, 3, 2, 16),
        utc(2026, 3, 4, 0),
    );
    assert_eq!(due(&later), vec![(date(2026, 3, 3), date(2026, 3, 3))]);
}

#[test]
fn monday_on_tet_2026_is_skipped_or_moved_to_saturday() {
    // Tết 2026 runs Monday 16 to Friday 20 February.
    let cal = HolidayCalendar::vietnam();
    let mondays = weekly(&[Weekday::Mon], 1);
    let p = plan(
        mondays.clone(),
        date(2026, 2, 9),
        date(2026, 2, 28),
        HolidayPolicy::Skip,
    );
    assert_eq!(
        due(&all(&p)),
        vec![
            (date(2026, 2, 9), date(2026, 2, 9)),
            (date(2026, 2, 23), date(2026, 2, 23))
        ]
    );
    let skips = skipped(&p, &cal, date(2026, 2, 1), date(2026, 3, 1));
    let tet = SkipReason::Holiday {
        name: HolidayName::Tet,
    };
    assert_eq!(
        skips,
        vec![Skipped {
            scheduled_on: date(2026, 2, 16),
            reason: tet
        }]
    );

    let p = plan(
        mondays,
        date(2026, 2, 9),
        date(2026, 2, 28),
        HolidayPolicy::MoveToNextWorkingDay,
    );
    let got = all(&p);
    assert_eq!(due(&got)[1], (date(2026, 2, 16), date(2026, 2, 21)));
    assert_eq!(got[1].opens_at, utc(2026, 2, 21, 1));
}

#[test]
fn moved_check_in_never_lands_on_a_taken_day() {
    let cal = HolidayCalendar::vietnam();
    let policy = HolidayPolicy::MoveToNextWorkingDay;
    // Saturday 21 already has its own check-in: Monday 16 is dropped.
    let p = plan(
        weekly(&[Weekday::Mon, Weekday::Sat], 1),
        date(2026, 2, 14),
        date(2026, 2, 28),
        policy,
    );
    let got = due(&all(&p));
    assert!(got.iter().all(|(s, _)| *s != date(2026, 2, 16)));
    let reason = skipped(&p, &cal, date(2026, 2, 16), date(2026, 2, 17))[0].reason;
    assert_eq!(
        reason,
        SkipReason::TargetDayTaken {
            name: HolidayName::Tet,
            target: date(2026, 2, 21)
        }
    );
    // Monday and Wednesday both move towards Saturday 21: the earlier one wins.
    let p = plan(
        weekly(&[Weekday::Mon, Weekday::Wed], 1),
        date(2026, 2, 14),
        date(2026, 2, 28),
        policy,
    );
    let got = due(&all(&p));
    assert!(got.contains(&(date(2026, 2, 16), date(2026, 2, 21))));
    assert!(got.iter().all(|(s, _)| *s != date(2026, 2, 18)));
    // Daily through Tết: the Sunday before stays, every Tết day collides with Saturday 21.
    let p = plan(
        CheckInRule::EveryNDays { n: 1 },
        date(2026, 2, 14),
        date(2026, 2, 22),
        policy,
    );
    let got: Vec<_> = all(&p).iter().map(|o| o.due_on).collect();
    assert_eq!(
        got,
        vec![
            date(2026, 2, 14),
            date(2026, 2, 15),
            date(2026, 2, 21),
            date(2026, 2, 22)
        ]
    );
}

#[test]
fn a_move_past_the_plan_end_is_dropped() {
    let p = plan(
        weekly(&[Weekday::Mon], 1),
        date(2026, 2, 9),
        date(2026, 2, 20),
        HolidayPolicy::MoveToNextWorkingDay,
    );
    let skips = skipped(
        &p,
        &HolidayCalendar::vietnam(),
        date(2026, 2, 1),
        date(2026, 3, 1),
    );
    assert_eq!(
        skips[0].reason,
        SkipReason::NoWorkingDayLeft {
            name: HolidayName::Tet
        }
    );
    assert_eq!(all(&p).len(), 1);
}

#[test]
fn pauses_skip_check_ins_and_moves_jump_over_them() {
    let hospital = Pause {
        from: date(2026, 2, 21),
        to: date(2026, 2, 25),
    };
    let p = Plan::new(
        weekly(&[Weekday::Mon], 1),
        window(8, 60),
        date(2026, 2, 9),
        date(2026, 3, 10),
        vec![hospital],
        HolidayPolicy::MoveToNextWorkingDay,
    )
    .unwrap();
    let got = due(&all(&p));
    // 16 Feb (Tết) moves over the pause to Thursday 26; Monday 23 is paused.
    assert_eq!(
        got,
        vec![
            (date(2026, 2, 9), date(2026, 2, 9)),
            (date(2026, 2, 16), date(2026, 2, 26)),
            (date(2026, 3, 2), date(2026, 3, 2)),
            (date(2026, 3, 9), date(2026, 3, 9))
        ]
    );
    let skips = skipped(
        &p,
        &HolidayCalendar::vietnam(),
        date(2026, 2, 1),
        date(2026, 4, 1),
    );
    assert_eq!(
        skips,
        vec![Skipped {
            scheduled_on: date(2026, 2, 23),
            reason: SkipReason::Paused
        }]
    );
}

#[test]
fn empty_or_reversed_ranges_yield_nothing() {
    let p = plan(
        CheckInRule::EveryNDays { n: 1 },
        date(2026, 3, 2),
        date(2026, 3, 9),
        HolidayPolicy::Skip,
    );
    let cal = HolidayCalendar::vietnam();
    assert!(expand(&p, &cal, utc(2026, 3, 5, 0), utc(2026, 3, 5, 0)).is_empty());
    assert!(expand(&p, &cal, utc(2026, 3, 6, 0), utc(2026, 3, 5, 0)).is_empty());
    assert!(expand(&p, &cal, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC).len() == 8);
}
