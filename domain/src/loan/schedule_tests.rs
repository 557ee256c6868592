use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn terms(principal: i64, rate: u32, months: u32, f: RepaymentFrequency) -> ScheduleTerms {
    ScheduleTerms {
        principal: Vnd::new(principal).unwrap(),
        annual_rate_bp: rate,
        term_months: months,
        frequency: f,
        method: InterestMethod::ReducingBalance,
        disbursed_on: d(2026, 5, 15),
    }
}

#[test]
fn twelve_monthly_instalments_of_12_million_at_12_percent() {
    // 1% a month on 12, 11, ..., 1 million: 780,000 đ of interest in all.
    let s = repayment_schedule(&terms(12_000_000, 1200, 12, RepaymentFrequency::Monthly)).unwrap();
    assert_eq!(s.len(), 12);
    assert!(s.iter().all(|i| i.principal.get() == 1_000_000));
    assert_eq!(s[0].interest.get(), 120_000);
    assert_eq!(s[11].interest.get(), 10_000);
    assert_eq!(s.iter().map(|i| i.interest.get()).sum::<i64>(), 780_000);
    assert_eq!(s[0].due_on, d(2026, 6, 15));
    assert_eq!(s[11].due_on, d(2027, 5, 15));
}

#[test]
fn the_last_instalment_absorbs_the_remainder_of_principal_and_interest() {
    // 100 đ over 3 months at 6.60%: principal 33, 33, 34; exact interest
    // (100 + 67 + 34) × 0.0055 = 1.1055 → 1 đ, all in the last instalment.
    let s = repayment_schedule(&terms(100, 660, 3, RepaymentFrequency::Monthly)).unwrap();
    let parts: Vec<_> = s
        .iter()
        .map(|i| (i.principal.get(), i.interest.get()))
        .collect();
    assert_eq!(parts, vec![(33, 0), (33, 0), (34, 1)]);
}

#[test]
fn decision_08_loan_quarterly_over_ten_years() {
    // 200 million at 6.60% over 120 months, repaid quarterly: 40 instalments of 5 million.
    let s =
        repayment_schedule(&terms(200_000_000, 660, 120, RepaymentFrequency::Quarterly)).unwrap();
    assert_eq!(s.len(), 40);
    assert!(s.iter().all(|i| i.principal.get() == 5_000_000));
    // First quarter: 200,000,000 × 6.6% / 4 = 3,300,000.
    assert_eq!(s[0].interest.get(), 3_300_000);
    // Sum of balances 5M × (40 + 39 + ... + 1) = 4,100,000,000; × 1.65% = 67,650,000.
    assert_eq!(total_interest_of(&s), 67_650_000);
    assert_eq!(s[39].due_on, d(2036, 5, 15));
}

#[test]
fn flat_interest_is_charged_on_the_original_principal() {
    let mut t = terms(12_000_000, 1200, 12, RepaymentFrequency::Monthly);
    t.method = InterestMethod::Flat;
    let s = repayment_schedule(&t).unwrap();
    assert!(s.iter().all(|i| i.interest.get() == 120_000));
}

#[test]
fn due_dates_on_the_31st_fall_on_each_months_last_day() {
    let mut t = terms(3_000_000, 0, 3, RepaymentFrequency::Monthly);
    t.disbursed_on = d(2026, 1, 31);
    let s = repayment_schedule(&t).unwrap();
    let due: Vec<_> = s.iter().map(|i| i.due_on).collect();
    assert_eq!(due, vec![d(2026, 2, 28), d(2026, 3, 31), d(2026, 4, 30)]);
    assert!(s.iter().all(|i| i.interest == Vnd::ZERO));
}

#[test]
fn bad_terms_are_refused() {
    assert_eq!(
        repayment_schedule(&terms(0, 660, 12, RepaymentFrequency::Monthly)),
        Err(ScheduleError::ZeroPrincipal)
    );
    assert_eq!(
        repayment_schedule(&terms(1_000, 660, 0, RepaymentFrequency::Monthly)),
        Err(ScheduleError::ZeroTerm)
    );
    assert_eq!(
        repayment_schedule(&terms(1_000, 660, 10, RepaymentFrequency::Quarterly)),
        Err(ScheduleError::TermNotWholePeriods {
            term: 10,
            period: 3
        })
    );
}

fn total_interest_of(s: &[Instalment]) -> i64 {
    s.iter().map(|i| i.interest.get()).sum()
}
