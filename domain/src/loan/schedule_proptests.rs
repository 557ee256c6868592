//! Property tests of the repayment schedule against a closed form of its totals.

use chrono::{Months, NaiveDate, TimeDelta};
use proptest::prelude::*;

use super::*;

fn terms() -> impl Strategy<Value = ScheduleTerms> {
    (
        1..=10_000_000_000i64,
        0..=3_000u32,
        1..=40u32,
        prop_oneof![
            Just(RepaymentFrequency::Monthly),
            Just(RepaymentFrequency::Quarterly)
        ],
        prop_oneof![
            Just(InterestMethod::ReducingBalance),
            Just(InterestMethod::Flat)
        ],
        0..4000i64,
    )
        .prop_map(
            |(principal, rate, periods, frequency, method, day)| ScheduleTerms {
                principal: Vnd::new(principal).unwrap(),
                annual_rate_bp: rate,
                term_months: periods * frequency.months(),
                frequency,
                method,
                disbursed_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + TimeDelta::days(day),
            },
        )
}

/// Total interest from the closed form of the sum of balances, rounded half up.
fn expected_interest(t: &ScheduleTerms) -> i128 {
    let p = i128::from(t.principal.get());
    let n = i128::from(t.term_months / t.frequency.months());
    let part = p / n;
    let balances = match t.method {
        // Σ_{k=0}^{n-1} (p − k·part)
        InterestMethod::ReducingBalance => n * p - part * n * (n - 1) / 2,
        InterestMethod::Flat => n * p,
    };
    let exact_times_120000 =
        balances * i128::from(t.annual_rate_bp) * i128::from(t.frequency.months());
    (2 * exact_times_120000 + 120_000) / 240_000
}

proptest! {
    #[test]
    fn instalments_sum_to_principal_plus_interest(t in terms()) {
        let s = repayment_schedule(&t).unwrap();
        let principal: i128 = s.iter().map(|i| i128::from(i.principal.get())).sum();
        let interest: i128 = s.iter().map(|i| i128::from(i.interest.get())).sum();
        let total: i128 = s.iter().map(|i| i128::from(i.total().get())).sum();
        prop_assert_eq!(principal, i128::from(t.principal.get()));
        prop_assert_eq!(interest, expected_interest(&t));
        prop_assert_eq!(total, principal + interest);
    }

    #[test]
    fn due_dates_are_inside_the_term_and_increasing(t in terms()) {
        let s = repayment_schedule(&t).unwrap();
        let end = t.disbursed_on + Months::new(t.term_months);
        prop_assert_eq!(s.len() as u32, t.term_months / t.frequency.months());
        prop_assert!(s.iter().all(|i| i.due_on > t.disbursed_on && i.due_on <= end));
        prop_assert!(s.windows(2).all(|w| w[0].due_on < w[1].due_on));
        prop_assert_eq!(s.last().map(|i| i.due_on), Some(end));
        prop_assert!(s.iter().enumerate().all(|(k, i)| i.number as usize == k + 1));
    }

    #[test]
    fn no_amount_is_negative_and_only_the_last_principal_part_takes_the_remainder(
        t in terms()
    ) {
        let s = repayment_schedule(&t).unwrap();
        prop_assert!(s.iter().all(|i| i.principal.get() >= 0 && i.interest.get() >= 0));
        // Principal parts are equal but for the last, which takes the division remainder.
        let n = s.len() as i64;
        let last = s.last().unwrap();
        let first_principal = s[0].principal.get();
        prop_assert!(last.principal.get() >= first_principal);
        prop_assert!(last.principal.get() < first_principal + n);
    }
}
