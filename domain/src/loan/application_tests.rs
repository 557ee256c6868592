use super::*;
use LoanStatus::*;

const ALLOWED: [(LoanStatus, LoanStatus); 17] = [
    (Draft, Submitted),
    (Submitted, Approved),
    (Submitted, Rejected),
    (Approved, Disbursed),
    (Disbursed, Repaying),
    (Disbursed, Overdue),
    (Disbursed, Repaid),
    (Repaying, Repaid),
    (Repaying, Overdue),
    (Overdue, Repaying),
    (Overdue, Repaid),
    (Overdue, Restructured),
    (Overdue, WrittenOff),
    (Restructured, Repaying),
    (Restructured, Repaid),
    (Restructured, Overdue),
    (Restructured, WrittenOff),
];

#[test]
fn every_allowed_transition_succeeds_and_every_other_is_refused() {
    for from in LoanStatus::ALL {
        for to in LoanStatus::ALL {
            let result = loan_transition(from, to);
            if ALLOWED.contains(&(from, to)) {
                assert_eq!(result, Ok(to), "{from:?} -> {to:?}");
            } else {
                assert!(result.is_err(), "{from:?} -> {to:?} must be refused");
            }
        }
    }
}

#[test]
fn a_rejected_loan_cannot_be_disbursed() {
    assert_eq!(
        loan_transition(Rejected, Disbursed),
        Err(LoanTransitionError::DisburseUnapproved("rejected"))
    );
    assert_eq!(
        loan_transition(Submitted, Disbursed),
        Err(LoanTransitionError::DisburseUnapproved("submitted"))
    );
}

#[test]
fn final_statuses_say_so() {
    assert_eq!(
        loan_transition(Repaid, Overdue),
        Err(LoanTransitionError::AlreadyFinal("repaid"))
    );
    assert_eq!(
        loan_transition(WrittenOff, Repaying),
        Err(LoanTransitionError::AlreadyFinal("written_off"))
    );
    for s in LoanStatus::ALL {
        assert_eq!(s.is_final(), next_loan_statuses(s).is_empty(), "{s:?}");
    }
}

#[test]
fn a_repaid_loan_takes_no_repayment() {
    assert_eq!(
        accepts_repayment(Repaid),
        Err(LoanTransitionError::NoDebt("repaid"))
    );
    assert!(accepts_repayment(Draft).is_err());
    assert!(accepts_repayment(Approved).is_err());
    assert!(accepts_repayment(WrittenOff).is_err());
    for s in [Disbursed, Repaying, Overdue, Restructured] {
        assert_eq!(accepts_repayment(s), Ok(()), "{s:?}");
    }
}

#[test]
fn stored_forms_round_trip() {
    for s in LoanStatus::ALL {
        assert_eq!(LoanStatus::from_stored(s.as_str()), Some(s));
    }
    assert_eq!(LoanStatus::from_stored("paid"), None);
}
