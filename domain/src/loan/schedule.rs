//! The repayment schedule made when a loan is disbursed.
//!
//! Principal is repaid in equal parts (the last part takes the remainder of the division);
//! interest is charged per period at the programme rate, on the outstanding balance
//! (reducing balance, dư nợ giảm dần: VBSP's usual method) or on the original principal
//! (flat). All arithmetic is integer: the exact total interest is a fraction, rounded half up
//! to whole đồng once; each instalment but the last takes the floor of its own exact interest,
//! and the last takes what remains, so the instalments add up to exactly principal plus
//! total interest and none is negative.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Vnd;

/// How often an instalment falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RepaymentFrequency {
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
}

impl RepaymentFrequency {
    /// All frequencies.
    pub const ALL: [RepaymentFrequency; 2] = [Self::Monthly, Self::Quarterly];

    /// Months between two instalments.
    pub fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
        }
    }

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// On what balance interest is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InterestMethod {
    /// On the balance still owed at the start of each period.
    ReducingBalance,
    /// On the original principal every period.
    Flat,
}

impl InterestMethod {
    /// All methods.
    pub const ALL: [InterestMethod; 2] = [Self::ReducingBalance, Self::Flat];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReducingBalance => "reducing_balance",
            Self::Flat => "flat",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a schedule is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleTerms {
    /// Amount disbursed.
    pub principal: Vnd,
    /// Yearly interest in basis points (660 is 6.60% a year).
    pub annual_rate_bp: u32,
    /// Term in months; a whole number of periods.
    pub term_months: u32,
    /// How often instalments fall due.
    pub frequency: RepaymentFrequency,
    /// How interest is charged.
    pub method: InterestMethod,
    /// Day of disbursement; the first instalment falls one period later.
    pub disbursed_on: NaiveDate,
}

/// One instalment of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// 1-based position in the schedule.
    pub number: u32,
    /// Day it falls due.
    pub due_on: NaiveDate,
    /// Principal part.
    pub principal: Vnd,
    /// Interest part.
    pub interest: Vnd,
}

impl Instalment {
    /// Principal plus interest.
    pub fn total(&self) -> Vnd {
        Vnd::new(self.principal.get() + self.interest.get()).unwrap_or(Vnd::ZERO)
    }
}

/// Why no schedule can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Nothing was lent.
    #[error("the principal must be more than 0 đồng")]
    ZeroPrincipal,
    /// No term.
    #[error("the term must be at least one period")]
    ZeroTerm,
    /// The term is not a whole number of periods.
    #[error("a term of {term} months is not a whole number of {period}-month periods")]
    TermNotWholePeriods {
        /// Term in months.
        term: u32,
        /// Months per period.
        period: u32,
    },
    /// A due date past the calendar's end.
    #[error("the schedule runs past the last representable date")]
    DateOutOfRange,
}

/// Basis points per unit times months per year: interest for one period is
/// `balance × rate_bp × period_months / YEAR_BP_MONTHS`.
const YEAR_BP_MONTHS: i128 = 10_000 * 12;

/// Makes the repayment schedule of a disbursed loan.
pub fn repayment_schedule(terms: &ScheduleTerms) -> Result<Vec<Instalment>, ScheduleError> {
    let principal = i128::from(terms.principal.get());
    if principal == 0 {
        return Err(ScheduleError::ZeroPrincipal);
    }
    let period = terms.frequency.months();
    if terms.term_months == 0 {
        return Err(ScheduleError::ZeroTerm);
    }
    if !terms.term_months.is_multiple_of(period) {
        return Err(ScheduleError::TermNotWholePeriods {
            term: terms.term_months,
            period,
        });
    }
    let count = terms.term_months / period;
    let n = i128::from(count);
    let part = principal / n;
    let per_period = i128::from(terms.annual_rate_bp) * i128::from(period);

    // Exact interest of period k is numerators[k] / YEAR_BP_MONTHS đồng.
    let numerators: Vec<i128> = (0..n)
        .map(|k| {
            let balance = match terms.method {
                InterestMethod::ReducingBalance => principal - part * k,
                InterestMethod::Flat => principal,
            };
            balance * per_period
        })
        .collect();
    let total_interest = round_half_up(numerators.iter().sum(), YEAR_BP_MONTHS);

    let mut instalments = Vec::with_capacity(numerators.len());
    let mut interest_so_far = 0i128;
    for (k, numerator) in (1..=count).zip(numerators) {
        let last = k == count;
        let principal_part = if last {
            principal - part * (n - 1)
        } else {
            part
        };
        let interest = if last {
            total_interest - interest_so_far
        } else {
            numerator / YEAR_BP_MONTHS
        };
        interest_so_far += interest;
        let due_on = terms
            .disbursed_on
            .checked_add_months(Months::new(k * period))
            .ok_or(ScheduleError::DateOutOfRange)?;
        instalments.push(Instalment {
            number: k,
            due_on,
            principal: vnd(principal_part),
            interest: vnd(interest),
        });
    }
    Ok(instalments)
}

/// `numerator / denominator` rounded half up (both non-negative).
fn round_half_up(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator) / (2 * denominator)
}

/// Amounts here come from a non-negative `i64` principal and are never larger than
/// principal plus total interest, which a `u32` rate over 20 years cannot push past `i64`
/// for any principal the API accepts; saturate rather than panic if it ever did.
fn vnd(amount: i128) -> Vnd {
    Vnd::new(i64::try_from(amount.max(0)).unwrap_or(i64::MAX)).unwrap_or(Vnd::ZERO)
}

/// Total interest of a schedule, for summaries.
pub fn total_interest(instalments: &[Instalment]) -> i64 {
    instalments.iter().map(|i| i.interest.get()).sum()
}
