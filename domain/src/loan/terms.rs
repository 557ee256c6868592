//! A programme's terms over time: a change of cap, term or rate takes effect on a day, and
//! applies to applications submitted on or after that day. An application approved under
//! earlier terms keeps them (its rate is fixed on it at approval), so a change never reaches
//! back into a loan already agreed.

use chrono::NaiveDate;

use super::{LoanProgramme, Vnd};
use crate::bounds::{MAX_LOAN_AMOUNT_VND, MAX_LOAN_TERM_MONTHS};

/// Highest yearly rate a programme may carry, in basis points (50% a year: far above any
/// social-policy rate, so only a typo is refused).
pub const MAX_ANNUAL_RATE_BP: u32 = 5_000;
/// Overdue interest as a percentage of the normal rate: at least the rate itself, at most
/// 150% (the State Bank's ceiling for overdue interest on loans).
pub const OVERDUE_RATE_PERCENT: std::ops::RangeInclusive<u32> = 100..=150;

/// The terms of a programme that change over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgrammeTerms {
    /// Largest amount per loan.
    pub max_amount: Vnd,
    /// Longest term in months.
    pub max_term_months: u32,
    /// Yearly interest in basis points.
    pub annual_rate_bp: u32,
    /// Overdue interest as a percentage of the normal rate.
    pub overdue_rate_percent: u32,
}

impl ProgrammeTerms {
    /// The terms a programme was created with.
    pub fn of(p: &LoanProgramme) -> Self {
        Self {
            max_amount: p.max_amount,
            max_term_months: p.max_term_months,
            annual_rate_bp: p.annual_rate_bp,
            overdue_rate_percent: p.overdue_rate_percent,
        }
    }

    /// `p` with these terms in place of its own.
    pub fn apply(self, p: &LoanProgramme) -> LoanProgramme {
        LoanProgramme {
            max_amount: self.max_amount,
            max_term_months: self.max_term_months,
            annual_rate_bp: self.annual_rate_bp,
            overdue_rate_percent: self.overdue_rate_percent,
            ..p.clone()
        }
    }
}

/// A change of terms taking effect on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermsChange {
    /// First day of application the new terms apply to.
    pub effective_from: NaiveDate,
    /// The terms from that day.
    pub terms: ProgrammeTerms,
}

/// The terms in force on `day`: the latest change effective on or before it, else `base`.
pub fn terms_on(base: ProgrammeTerms, changes: &[TermsChange], day: NaiveDate) -> ProgrammeTerms {
    changes
        .iter()
        .filter(|c| c.effective_from <= day)
        .max_by_key(|c| c.effective_from)
        .map_or(base, |c| c.terms)
}

/// Why a change of terms is refused. Each names the input field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    /// Effective before today: it would change applications already submitted.
    #[error(
        "must not be before today ({0}); a change applies to applications submitted from its day on"
    )]
    InThePast(NaiveDate),
    /// Before the programme opened, or after it closed.
    #[error("must be within the programme's period")]
    OutsideProgramme,
    /// A change already takes effect that day.
    #[error("a change already takes effect on {0}")]
    SameDay(NaiveDate),
    /// Cap out of range.
    #[error("must be between 1 and {MAX_LOAN_AMOUNT_VND} đồng")]
    Amount,
    /// Term out of range.
    #[error("must be between 1 and {MAX_LOAN_TERM_MONTHS} months")]
    Term,
    /// Rate out of range.
    #[error("must be between 0 and {MAX_ANNUAL_RATE_BP} basis points")]
    Rate,
    /// Overdue rate out of range.
    #[error("must be between 100 and 150 percent of the normal rate")]
    OverdueRate,
    /// Nothing changes.
    #[error("the terms in force on that day are already these")]
    Unchanged,
}

impl TermsError {
    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::InThePast(_) | Self::OutsideProgramme | Self::SameDay(_) | Self::Unchanged => {
                "effectiveFrom"
            }
            Self::Amount => "maxAmountVnd",
            Self::Term => "maxTermMonths",
            Self::Rate => "annualRateBp",
            Self::OverdueRate => "overdueRatePercent",
        }
    }
}

/// Checks a change of `p`'s terms made on `today` against the changes already recorded.
pub fn check_change(
    p: &LoanProgramme,
    changes: &[TermsChange],
    change: &TermsChange,
    today: NaiveDate,
) -> Result<(), TermsError> {
    let t = &change.terms;
    let amount = t.max_amount.get();
    if amount <= 0 || amount > MAX_LOAN_AMOUNT_VND {
        return Err(TermsError::Amount);
    }
    if t.max_term_months == 0 || t.max_term_months > MAX_LOAN_TERM_MONTHS {
        return Err(TermsError::Term);
    }
    if t.annual_rate_bp > MAX_ANNUAL_RATE_BP {
        return Err(TermsError::Rate);
    }
    if !OVERDUE_RATE_PERCENT.contains(&t.overdue_rate_percent) {
        return Err(TermsError::OverdueRate);
    }
    if change.effective_from < today {
        return Err(TermsError::InThePast(today));
    }
    if change.effective_from < p.effective_from
        || p.effective_to.is_some_and(|to| change.effective_from > to)
    {
        return Err(TermsError::OutsideProgramme);
    }
    if changes
        .iter()
        .any(|c| c.effective_from == change.effective_from)
    {
        return Err(TermsError::SameDay(change.effective_from));
    }
    if terms_on(ProgrammeTerms::of(p), changes, change.effective_from) == *t {
        return Err(TermsError::Unchanged);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loan::seeded_programmes;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).unwrap()
    }

    fn programme() -> LoanProgramme {
        seeded_programmes().remove(0).programme
    }

    fn with_rate(bp: u32) -> ProgrammeTerms {
        ProgrammeTerms {
            annual_rate_bp: bp,
            ..ProgrammeTerms::of(&programme())
        }
    }

    #[test]
    fn terms_in_force_are_the_latest_change_on_or_before_the_day() {
        let base = ProgrammeTerms::of(&programme());
        let changes = [
            TermsChange {
                effective_from: day(3, 1),
                terms: with_rate(700),
            },
            TermsChange {
                effective_from: day(1, 1),
                terms: with_rate(650),
            },
        ];
        assert_eq!(
            terms_on(base, &changes, day(1, 1) - chrono::Days::new(1)),
            base
        );
        assert_eq!(terms_on(base, &changes, day(1, 1)).annual_rate_bp, 650);
        assert_eq!(terms_on(base, &changes, day(2, 28)).annual_rate_bp, 650);
        assert_eq!(terms_on(base, &changes, day(3, 1)).annual_rate_bp, 700);
        assert_eq!(terms_on(base, &changes, day(12, 31)).annual_rate_bp, 700);
    }

    #[test]
    fn a_change_is_refused_in_the_past_on_a_taken_day_out_of_bounds_or_unchanged() {
        let p = programme();
        let today = day(2, 1);
        let change = |from, terms| TermsChange {
            effective_from: from,
            terms,
        };
        let existing = [change(day(3, 1), with_rate(700))];
        let ok = change(day(2, 1), with_rate(690));
        assert_eq!(check_change(&p, &existing, &ok, today), Ok(()));
        let past = change(day(1, 31), with_rate(690));
        assert_eq!(
            check_change(&p, &existing, &past, today),
            Err(TermsError::InThePast(today))
        );
        let taken = change(day(3, 1), with_rate(710));
        assert_eq!(
            check_change(&p, &existing, &taken, today),
            Err(TermsError::SameDay(day(3, 1)))
        );
        let same = change(day(4, 1), with_rate(700));
        assert_eq!(
            check_change(&p, &existing, &same, today),
            Err(TermsError::Unchanged)
        );
        let bad = [
            (
                ProgrammeTerms {
                    max_amount: Vnd::ZERO,
                    ..with_rate(690)
                },
                "maxAmountVnd",
            ),
            (
                ProgrammeTerms {
                    max_term_months: MAX_LOAN_TERM_MONTHS + 1,
                    ..with_rate(690)
                },
                "maxTermMonths",
            ),
            (with_rate(MAX_ANNUAL_RATE_BP + 1), "annualRateBp"),
            (
                ProgrammeTerms {
                    overdue_rate_percent: 99,
                    ..with_rate(690)
                },
                "overdueRatePercent",
            ),
        ];
        for (terms, field) in bad {
            let e = check_change(&p, &existing, &change(day(5, 1), terms), today).unwrap_err();
            assert_eq!(e.field(), field, "{e}");
        }
    }
}
