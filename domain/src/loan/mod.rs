//! Loan support (hỗ trợ vay vốn): programmes kept as data, the commune's eligibility list,
//! applications and their lifecycle, and the repayment schedule made on disbursement.
//!
//! Amounts are whole đồng in [`Vnd`] (an `i64`); no float touches money.

mod application;
mod eligibility_list;
mod money;
mod programme;
mod schedule;
mod seeds;
mod terms;

#[cfg(test)]
mod application_tests;
#[cfg(test)]
mod programme_tests;
#[cfg(test)]
mod schedule_proptests;
#[cfg(test)]
mod schedule_tests;

pub use application::{
    LoanStatus, LoanTransitionError, accepts_repayment, loan_transition, next_loan_statuses,
};
pub use eligibility_list::{EligibilityListStatus, ListTransitionError, list_transition};
pub use money::{Vnd, VndError};
pub use programme::{
    Borrower, EligibilityError, LoanFacts, LoanProgramme, check_application, overdue_rate_bp,
};
pub use schedule::{
    Instalment, InterestMethod, RepaymentFrequency, ScheduleError, ScheduleTerms,
    repayment_schedule, total_interest,
};
pub use seeds::{ProgrammeSeed, seeded_programmes};
pub use terms::{
    MAX_ANNUAL_RATE_BP, OVERDUE_RATE_PERCENT, ProgrammeTerms, TermsChange, TermsError,
    check_change, terms_on,
};
