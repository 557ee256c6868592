//! Loan programmes as data (caps, rates, terms, eligibility), and the check of an
//! application against its programme.
//!
//! Decision 08/2026/QĐ-TTg: a person who completed rehab borrows up to 200 million VND for up
//! to 10 years at the poor-household rate (overdue at 130% of it), if on the certified commune
//! list and within 10 years of the post-rehab decision; a business whose workforce is at least
//! 10% people after rehab borrows up to 2 billion VND. Older programmes differ only in data.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Vnd;

/// Who borrows under a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Borrower {
    /// A person.
    Individual,
    /// A household (hộ gia đình).
    Household,
    /// A business, cooperative or household business employing people after rehab.
    Business,
}

impl Borrower {
    /// All borrower kinds.
    pub const ALL: [Borrower; 3] = [Self::Individual, Self::Household, Self::Business];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Household => "household",
            Self::Business => "business",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The rules of one loan programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanProgramme {
    /// Who may borrow.
    pub borrower: Borrower,
    /// Largest amount per loan.
    pub max_amount: Vnd,
    /// Longest term in months.
    pub max_term_months: u32,
    /// Yearly interest in basis points (hundredths of a percent): 660 is 6.60% a year.
    pub annual_rate_bp: u32,
    /// Overdue interest as a percentage of the normal rate (130 under Decision 08/2026).
    pub overdue_rate_percent: u32,
    /// Whether the borrower must be on a certified commune eligibility list.
    pub requires_certified_list: bool,
    /// Years after the post-rehab decision within which the person may apply, if limited.
    pub max_years_since_decision: Option<u32>,
    /// Youngest age at application, if limited.
    pub min_age: Option<u32>,
    /// Smallest share of the workforce (percent) who are people after rehab, for businesses.
    pub min_rehab_workforce_percent: Option<u32>,
    /// First day applications are accepted.
    pub effective_from: NaiveDate,
    /// Last day, if the programme has closed.
    pub effective_to: Option<NaiveDate>,
}

/// What is known about one application when it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanFacts {
    /// Who borrows.
    pub borrower: Borrower,
    /// Amount asked for.
    pub amount: Vnd,
    /// Term asked for, in months.
    pub term_months: u32,
    /// Day of application.
    pub applied_on: NaiveDate,
    /// Date of the person's post-rehab management decision, if any.
    pub decision_on: Option<NaiveDate>,
    /// Age on the day of application, if known.
    pub age: Option<u32>,
    /// Whether the person is on a certified eligibility list of their commune.
    pub on_certified_list: bool,
    /// For a business: (workers under labour contract, of whom people after rehab).
    pub workforce: Option<(u32, u32)>,
}

/// Why an application does not fit its programme. Each names the input field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    /// The programme is for another kind of borrower.
    #[error("this programme lends to a {expected} borrower, not a {actual} one")]
    WrongBorrower {
        /// Stored form of the programme's borrower kind.
        expected: &'static str,
        /// Stored form of the application's borrower kind.
        actual: &'static str,
    },
    /// Nothing to lend.
    #[error("the amount must be more than 0 đồng")]
    ZeroAmount,
    /// Over the programme's cap.
    #[error("the amount is over this programme's cap of {0}")]
    OverCap(Vnd),
    /// No term.
    #[error("the term must be at least one month")]
    ZeroTerm,
    /// Longer than the programme allows.
    #[error("the term is over this programme's maximum of {0} months")]
    TermTooLong(u32),
    /// Applied before the programme opened or after it closed.
    #[error("the programme does not accept applications on {0}")]
    NotInForce(NaiveDate),
    /// The person is not on a certified commune list.
    #[error("the person is not on a certified eligibility list of their commune")]
    NotListed,
    /// No post-rehab decision to count from.
    #[error("the programme needs a post-rehab management decision, and the person has none")]
    NoDecision,
    /// Too long after the decision.
    #[error("the post-rehab decision is more than {0} years before the application")]
    DecisionTooOld(u32),
    /// Too young.
    #[error("the borrower must be at least {0} years old")]
    TooYoung(u32),
    /// A business without enough workers after rehab.
    #[error("at least {0}% of the workforce must be people after rehab under labour contracts")]
    WorkforceShare(u32),
}

impl EligibilityError {
    /// The input field the error is about, for `BAD_USER_INPUT`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::WrongBorrower { .. } => "borrower",
            Self::ZeroAmount | Self::OverCap(_) => "amount",
            Self::ZeroTerm | Self::TermTooLong(_) => "termMonths",
            Self::NotInForce(_) => "programmeId",
            Self::NotListed | Self::NoDecision | Self::DecisionTooOld(_) | Self::TooYoung(_) => {
                "clientId"
            }
            Self::WorkforceShare(_) => "workforce",
        }
    }
}

/// Checks an application against its programme; the first rule it breaks is the error.
pub fn check_application(p: &LoanProgramme, f: &LoanFacts) -> Result<(), EligibilityError> {
    if p.borrower != f.borrower {
        return Err(EligibilityError::WrongBorrower {
            expected: p.borrower.as_str(),
            actual: f.borrower.as_str(),
        });
    }
    if f.amount == Vnd::ZERO {
        return Err(EligibilityError::ZeroAmount);
    }
    if f.amount > p.max_amount {
        return Err(EligibilityError::OverCap(p.max_amount));
    }
    if f.term_months == 0 {
        return Err(EligibilityError::ZeroTerm);
    }
    if f.term_months > p.max_term_months {
        return Err(EligibilityError::TermTooLong(p.max_term_months));
    }
    if f.applied_on < p.effective_from || p.effective_to.is_some_and(|to| f.applied_on > to) {
        return Err(EligibilityError::NotInForce(f.applied_on));
    }
    if p.requires_certified_list && !f.on_certified_list {
        return Err(EligibilityError::NotListed);
    }
    if let Some(years) = p.max_years_since_decision {
        let decision = f.decision_on.ok_or(EligibilityError::NoDecision)?;
        let last_day = decision
            .checked_add_months(Months::new(years.saturating_mul(12)))
            .unwrap_or(NaiveDate::MAX);
        if f.applied_on > last_day {
            return Err(EligibilityError::DecisionTooOld(years));
        }
    }
    if let (Some(min), Some(age)) = (p.min_age, f.age)
        && age < min
    {
        return Err(EligibilityError::TooYoung(min));
    }
    if let Some(min) = p.min_rehab_workforce_percent {
        let (total, after_rehab) = f.workforce.unwrap_or((0, 0));
        // after_rehab / total ≥ min / 100, in integers.
        if total == 0 || u64::from(after_rehab) * 100 < u64::from(min) * u64::from(total) {
            return Err(EligibilityError::WorkforceShare(min));
        }
    }
    Ok(())
}

/// The overdue rate in basis points: `overdue_percent` of the normal rate, half up.
pub fn overdue_rate_bp(annual_rate_bp: u32, overdue_percent: u32) -> u32 {
    let scaled = u64::from(annual_rate_bp) * u64::from(overdue_percent);
    u32::try_from((scaled + 50) / 100).unwrap_or(u32::MAX)
}
