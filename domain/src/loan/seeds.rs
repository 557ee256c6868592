//! The loan programmes every installation starts with. They are data: an operator changes a
//! rate or adds a programme without a code change, and start-up only adds missing codes.
//!
//! Rates are the VBSP rates at the time of writing **[unverified]**: 6.60% a year for poor
//! households (Decision 08/2026 and 29/2014 lend at it) and 7.92% for the National
//! Employment Fund's worker loans (the near-poor rate). Check them against the bank's notice.

use chrono::NaiveDate;

use super::{Borrower, InterestMethod, LoanProgramme, Vnd};

/// A seeded programme: its stable code, names and rules.
#[derive(Debug, Clone)]
pub struct ProgrammeSeed {
    /// Stable code, e.g. `QD_08_2026_INDIVIDUAL`.
    pub code: &'static str,
    /// Human name (Vietnamese, as on the bank's forms).
    pub name: &'static str,
    /// Lender.
    pub lender: &'static str,
    /// How interest is charged.
    pub interest_method: InterestMethod,
    /// The rules.
    pub programme: LoanProgramme,
}

const VBSP: &str = "Ngân hàng Chính sách xã hội";
const POOR_HOUSEHOLD_RATE_BP: u32 = 660;
const NEAR_POOR_RATE_BP: u32 = 792;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn vnd(amount: i64) -> Vnd {
    Vnd::new(amount).unwrap_or(Vnd::ZERO)
}

fn base(borrower: Borrower, max: i64, months: u32, rate: u32, from: NaiveDate) -> LoanProgramme {
    LoanProgramme {
        borrower,
        max_amount: vnd(max),
        max_term_months: months,
        annual_rate_bp: rate,
        overdue_rate_percent: 130,
        requires_certified_list: false,
        max_years_since_decision: None,
        min_age: None,
        min_rehab_workforce_percent: None,
        effective_from: from,
        effective_to: None,
    }
}

/// The seeded programmes.
pub fn seeded_programmes() -> Vec<ProgrammeSeed> {
    let d08 = date(2026, 5, 1);
    vec![
        ProgrammeSeed {
            code: "QD_08_2026_INDIVIDUAL",
            name: "Cho vay người đã hoàn thành cai nghiện (Quyết định 08/2026/QĐ-TTg)",
            lender: VBSP,
            interest_method: InterestMethod::ReducingBalance,
            programme: LoanProgramme {
                requires_certified_list: true,
                max_years_since_decision: Some(10),
                min_age: Some(12),
                ..base(
                    Borrower::Individual,
                    200_000_000,
                    120,
                    POOR_HOUSEHOLD_RATE_BP,
                    d08,
                )
            },
        },
        ProgrammeSeed {
            code: "QD_08_2026_BUSINESS",
            name: "Cho vay doanh nghiệp sử dụng người sau cai nghiện (Quyết định 08/2026/QĐ-TTg)",
            lender: VBSP,
            interest_method: InterestMethod::ReducingBalance,
            programme: LoanProgramme {
                min_rehab_workforce_percent: Some(10),
                ..base(
                    Borrower::Business,
                    2_000_000_000,
                    120,
                    POOR_HOUSEHOLD_RATE_BP,
                    d08,
                )
            },
        },
        ProgrammeSeed {
            code: "QD_29_2014_INDIVIDUAL",
            name: "Cho vay cá nhân (Quyết định 29/2014/QĐ-TTg)",
            lender: VBSP,
            interest_method: InterestMethod::ReducingBalance,
            programme: base(
                Borrower::Individual,
                20_000_000,
                36,
                POOR_HOUSEHOLD_RATE_BP,
                date(2014, 5, 20),
            ),
        },
        ProgrammeSeed {
            code: "QD_29_2014_HOUSEHOLD",
            name: "Cho vay hộ gia đình (Quyết định 29/2014/QĐ-TTg)",
            lender: VBSP,
            interest_method: InterestMethod::ReducingBalance,
            programme: base(
                Borrower::Household,
                30_000_000,
                36,
                POOR_HOUSEHOLD_RATE_BP,
                date(2014, 5, 20),
            ),
        },
        ProgrammeSeed {
            code: "NEF_61_2015_WORKER",
            name: "Quỹ quốc gia về việc làm — người lao động (Nghị định 61/2015, 74/2019)",
            lender: VBSP,
            interest_method: InterestMethod::ReducingBalance,
            programme: base(
                Borrower::Individual,
                100_000_000,
                120,
                NEAR_POOR_RATE_BP,
                date(2015, 9, 1),
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_08_is_seeded_with_its_caps() {
        let seeds = seeded_programmes();
        let d08 = seeds
            .iter()
            .find(|s| s.code == "QD_08_2026_INDIVIDUAL")
            .unwrap();
        assert_eq!(d08.programme.max_amount.get(), 200_000_000);
        assert_eq!(d08.programme.max_term_months, 120);
        assert_eq!(d08.programme.overdue_rate_percent, 130);
        assert_eq!(d08.programme.max_years_since_decision, Some(10));
        let business = seeds
            .iter()
            .find(|s| s.code == "QD_08_2026_BUSINESS")
            .unwrap();
        assert_eq!(business.programme.max_amount.get(), 2_000_000_000);
        assert_eq!(business.programme.min_rehab_workforce_percent, Some(10));
        let mut codes: Vec<_> = seeds.iter().map(|s| s.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), seeds.len());
    }
}
