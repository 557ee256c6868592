use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn vnd(n: i64) -> Vnd {
    Vnd::new(n).unwrap()
}

/// Decision 08/2026/QĐ-TTg, individuals.
fn decision_08() -> LoanProgramme {
    LoanProgramme {
        borrower: Borrower::Individual,
        max_amount: vnd(200_000_000),
        max_term_months: 120,
        annual_rate_bp: 660,
        overdue_rate_percent: 130,
        requires_certified_list: true,
        max_years_since_decision: Some(10),
        min_age: Some(12),
        min_rehab_workforce_percent: None,
        effective_from: d(2026, 5, 1),
        effective_to: None,
    }
}

/// Decision 08/2026/QĐ-TTg, businesses.
fn decision_08_business() -> LoanProgramme {
    LoanProgramme {
        borrower: Borrower::Business,
        max_amount: vnd(2_000_000_000),
        requires_certified_list: false,
        max_years_since_decision: None,
        min_age: None,
        min_rehab_workforce_percent: Some(10),
        ..decision_08()
    }
}

fn facts() -> LoanFacts {
    LoanFacts {
        borrower: Borrower::Individual,
        amount: vnd(200_000_000),
        term_months: 120,
        applied_on: d(2026, 6, 1),
        decision_on: Some(d(2017, 6, 1)),
        age: Some(30),
        on_certified_list: true,
        workforce: None,
    }
}

#[test]
fn an_application_at_the_caps_is_accepted() {
    assert_eq!(check_application(&decision_08(), &facts()), Ok(()));
}

#[test]
fn amount_over_the_cap_is_refused_with_the_cap() {
    let f = LoanFacts {
        amount: vnd(200_000_001),
        ..facts()
    };
    let err = check_application(&decision_08(), &f).unwrap_err();
    assert_eq!(err, EligibilityError::OverCap(vnd(200_000_000)));
    assert_eq!(err.field(), "amount");
    assert_eq!(
        err.to_string(),
        "the amount is over this programme's cap of 200.000.000 đ"
    );
    let zero = LoanFacts {
        amount: Vnd::ZERO,
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &zero),
        Err(EligibilityError::ZeroAmount)
    );
}

#[test]
fn term_over_the_maximum_is_refused() {
    let f = LoanFacts {
        term_months: 121,
        ..facts()
    };
    let err = check_application(&decision_08(), &f).unwrap_err();
    assert_eq!(err, EligibilityError::TermTooLong(120));
    assert_eq!(err.field(), "termMonths");
    let zero = LoanFacts {
        term_months: 0,
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &zero),
        Err(EligibilityError::ZeroTerm)
    );
}

#[test]
fn ten_years_after_the_post_rehab_decision_is_the_last_day() {
    let last_day = LoanFacts {
        decision_on: Some(d(2016, 6, 1)),
        ..facts()
    };
    assert_eq!(check_application(&decision_08(), &last_day), Ok(()));
    let a_day_late = LoanFacts {
        decision_on: Some(d(2016, 5, 31)),
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &a_day_late),
        Err(EligibilityError::DecisionTooOld(10))
    );
    let none = LoanFacts {
        decision_on: None,
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &none),
        Err(EligibilityError::NoDecision)
    );
}

#[test]
fn the_person_must_be_on_a_certified_list_and_old_enough() {
    let unlisted = LoanFacts {
        on_certified_list: false,
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &unlisted),
        Err(EligibilityError::NotListed)
    );
    let young = LoanFacts {
        age: Some(11),
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &young),
        Err(EligibilityError::TooYoung(12))
    );
}

#[test]
fn the_programme_must_be_in_force() {
    let early = LoanFacts {
        applied_on: d(2026, 4, 30),
        ..facts()
    };
    assert_eq!(
        check_application(&decision_08(), &early),
        Err(EligibilityError::NotInForce(d(2026, 4, 30)))
    );
    let closed = LoanProgramme {
        effective_to: Some(d(2026, 5, 31)),
        ..decision_08()
    };
    assert!(check_application(&closed, &facts()).is_err());
}

#[test]
fn a_business_needs_ten_percent_of_its_workforce_after_rehab() {
    let business = |workforce| LoanFacts {
        borrower: Borrower::Business,
        amount: vnd(2_000_000_000),
        decision_on: None,
        age: None,
        on_certified_list: false,
        workforce,
        ..facts()
    };
    let p = decision_08_business();
    assert_eq!(check_application(&p, &business(Some((50, 5)))), Ok(()));
    assert_eq!(
        check_application(&p, &business(Some((51, 5)))),
        Err(EligibilityError::WorkforceShare(10))
    );
    assert_eq!(
        check_application(&p, &business(None)),
        Err(EligibilityError::WorkforceShare(10))
    );
    assert_eq!(
        check_application(&p, &business(Some((0, 0)))),
        Err(EligibilityError::WorkforceShare(10))
    );
    assert_eq!(
        check_application(&decision_08(), &business(Some((50, 5)))),
        Err(EligibilityError::WrongBorrower {
            expected: "individual",
            actual: "business"
        })
    );
}

#[test]
fn the_overdue_rate_is_130_percent_of_the_normal_rate() {
    assert_eq!(overdue_rate_bp(660, 130), 858);
    assert_eq!(overdue_rate_bp(665, 130), 865); // 864.5 rounds up
    assert_eq!(overdue_rate_bp(0, 130), 0);
}
