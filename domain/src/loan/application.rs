//! The lifecycle of a loan application.
//!
//! draft → submitted → approved | rejected; approved → disbursed → repaying → repaid, with
//! overdue when an instalment is missed; an overdue loan is caught up (back to repaying),
//! repaid, restructured by the bank, or written off.

use serde::{Deserialize, Serialize};

/// Where a loan application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoanStatus {
    /// Being prepared; nothing has reached the bank.
    Draft,
    /// Sent to the lender.
    Submitted,
    /// The lender agreed to lend.
    Approved,
    /// The lender refused (final).
    Rejected,
    /// The money was paid out; the repayment schedule exists.
    Disbursed,
    /// Repayments have started and are on time.
    Repaying,
    /// Everything is paid back (final).
    Repaid,
    /// An instalment is past due and unpaid.
    Overdue,
    /// The lender rescheduled the debt (gia hạn, điều chỉnh kỳ hạn nợ).
    Restructured,
    /// The lender wrote the debt off (xoá nợ, final).
    WrittenOff,
}

impl LoanStatus {
    /// All statuses, in lifecycle order.
    pub const ALL: [LoanStatus; 10] = [
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Rejected,
        Self::Disbursed,
        Self::Repaying,
        Self::Repaid,
        Self::Overdue,
        Self::Restructured,
        Self::WrittenOff,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Disbursed => "disbursed",
            Self::Repaying => "repaying",
            Self::Repaid => "repaid",
            Self::Overdue => "overdue",
            Self::Restructured => "restructured",
            Self::WrittenOff => "written_off",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether no further transition is possible.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Repaid | Self::WrittenOff)
    }

    /// Whether money is owed (a schedule exists and is not settled).
    pub fn has_outstanding_debt(self) -> bool {
        matches!(
            self,
            Self::Disbursed | Self::Repaying | Self::Overdue | Self::Restructured
        )
    }
}

/// Why a loan application cannot move to a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoanTransitionError {
    /// Only an approved loan is paid out.
    #[error("only an approved loan can be disbursed; this one is {0}")]
    DisburseUnapproved(&'static str),
    /// The loan has reached a final status.
    #[error("the loan is already {0}; it cannot change any more")]
    AlreadyFinal(&'static str),
    /// The move skips or reverses a step.
    #[error("a loan cannot go from {from} to {to}")]
    NotAllowed {
        /// Stored form of the current status.
        from: &'static str,
        /// Stored form of the status asked for.
        to: &'static str,
    },
    /// A repayment is recorded on a loan that owes nothing.
    #[error("a {0} loan takes no repayment")]
    NoDebt(&'static str),
}

/// The statuses a loan in `from` may move to next.
pub fn next_loan_statuses(from: LoanStatus) -> &'static [LoanStatus] {
    use LoanStatus::*;
    match from {
        Draft => &[Submitted],
        Submitted => &[Approved, Rejected],
        Approved => &[Disbursed],
        // Repaid straight from disbursed: paid back in one go before the first instalment.
        Disbursed => &[Repaying, Overdue, Repaid],
        Repaying => &[Repaid, Overdue],
        Overdue => &[Repaying, Repaid, Restructured, WrittenOff],
        Restructured => &[Repaying, Repaid, Overdue, WrittenOff],
        Rejected | Repaid | WrittenOff => &[],
    }
}

/// Checks a status change, with an error that says which rule it breaks.
pub fn loan_transition(
    from: LoanStatus,
    to: LoanStatus,
) -> Result<LoanStatus, LoanTransitionError> {
    if next_loan_statuses(from).contains(&to) {
        return Ok(to);
    }
    if to == LoanStatus::Disbursed && from != LoanStatus::Disbursed {
        return Err(LoanTransitionError::DisburseUnapproved(from.as_str()));
    }
    if from.is_final() {
        return Err(LoanTransitionError::AlreadyFinal(from.as_str()));
    }
    Err(LoanTransitionError::NotAllowed {
        from: from.as_str(),
        to: to.as_str(),
    })
}

/// Checks that a repayment may be recorded on a loan in this status.
pub fn accepts_repayment(status: LoanStatus) -> Result<(), LoanTransitionError> {
    if status.has_outstanding_debt() {
        Ok(())
    } else {
        Err(LoanTransitionError::NoDebt(status.as_str()))
    }
}
