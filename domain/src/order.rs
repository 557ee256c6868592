//! Supervision orders (quyết định quản lý sau cai nghiện): legal period and status lifecycle.
//!
//! The legal period depends on the regime in force on the decision date and on the rehab
//! that preceded the order (Law 73/2021 Art. 40: 1 year after voluntary rehab, methadone,
//! or compulsory rehab of a minor; 2 years for adults after compulsory rehab). Regimes are
//! data, so an operator adds Law 120/2025's rules without a code change.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The rehab episode that preceded the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RehabKind {
    /// Cai nghiện tự nguyện tại gia đình, cộng đồng.
    VoluntaryAtHome,
    /// Cai nghiện tự nguyện tại cơ sở cai nghiện.
    VoluntaryAtFacility,
    /// Cai nghiện bắt buộc.
    Compulsory,
    /// Điều trị nghiện bằng thuốc thay thế (methadone).
    Methadone,
}

impl RehabKind {
    /// All kinds, for tables and seeds.
    pub const ALL: [RehabKind; 4] = [
        Self::VoluntaryAtHome,
        Self::VoluntaryAtFacility,
        Self::Compulsory,
        Self::Methadone,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VoluntaryAtHome => "voluntary_at_home",
            Self::VoluntaryAtFacility => "voluntary_at_facility",
            Self::Compulsory => "compulsory",
            Self::Methadone => "methadone",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Which people a regime rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgeGroup {
    /// Any age.
    Any,
    /// Under 18 on the decision date.
    Minor,
    /// 18 or older on the decision date.
    Adult,
}

impl AgeGroup {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Minor => "minor",
            Self::Adult => "adult",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        [Self::Any, Self::Minor, Self::Adult]
            .into_iter()
            .find(|g| g.as_str() == s)
    }

    fn matches(self, is_minor: bool) -> bool {
        match self {
            Self::Any => true,
            Self::Minor => is_minor,
            Self::Adult => !is_minor,
        }
    }
}

/// One line of a regime: after this kind of rehab, for this age group, manage this long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegimeRule {
    /// Rehab kind the rule covers.
    pub rehab_kind: RehabKind,
    /// Age group the rule covers; the most specific matching rule wins.
    pub age_group: AgeGroup,
    /// Length of post-rehab management.
    pub months: u32,
}

/// A legal regime: the rules in force over a range of decision dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalRegime {
    /// Stable code, e.g. `LAW_73_2021`.
    pub code: String,
    /// First decision date the regime covers.
    pub effective_from: NaiveDate,
    /// Last decision date it covers, if it has been replaced.
    pub effective_to: Option<NaiveDate>,
    /// Its period rules.
    pub rules: Vec<RegimeRule>,
}

/// Why no legal period could be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// No regime covers the decision date.
    #[error("no legal regime is in force on the decision date {0}; an administrator must add one")]
    NoRegime(NaiveDate),
    /// The regime has no line for this rehab kind and age.
    #[error("legal regime {0} has no rule for this kind of rehab and age group")]
    NoRule(String),
}

impl LegalRegime {
    /// Whether the regime covers a decision date.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }

    /// Months of management for a person, the most specific rule first.
    pub fn months_for(&self, rehab_kind: RehabKind, is_minor: bool) -> Result<u32, PeriodError> {
        self.rules
            .iter()
            .filter(|r| r.rehab_kind == rehab_kind && r.age_group.matches(is_minor))
            .min_by_key(|r| matches!(r.age_group, AgeGroup::Any))
            .map(|r| r.months)
            .ok_or_else(|| PeriodError::NoRule(self.code.clone()))
    }
}

/// Picks the regime in force on a decision date (the latest one starting on or before it).
pub fn regime_on(
    regimes: &[LegalRegime],
    decision_date: NaiveDate,
) -> Result<&LegalRegime, PeriodError> {
    regimes
        .iter()
        .filter(|r| r.covers(decision_date))
        .max_by_key(|r| r.effective_from)
        .ok_or(PeriodError::NoRegime(decision_date))
}

/// The built-in regime of Law 73/2021 (Art. 40), in force until 30 June 2026.
pub fn law_73_2021() -> LegalRegime {
    let rule = |rehab_kind, age_group, months| RegimeRule {
        rehab_kind,
        age_group,
        months,
    };
    LegalRegime {
        code: "LAW_73_2021".into(),
        effective_from: NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default(),
        effective_to: NaiveDate::from_ymd_opt(2026, 6, 30),
        rules: vec![
            rule(RehabKind::VoluntaryAtHome, AgeGroup::Any, 12),
            rule(RehabKind::VoluntaryAtFacility, AgeGroup::Any, 12),
            rule(RehabKind::Methadone, AgeGroup::Any, 12),
            rule(RehabKind::Compulsory, AgeGroup::Minor, 12),
            rule(RehabKind::Compulsory, AgeGroup::Adult, 24),
        ],
    }
}

/// A provisional regime for Law 120/2025/QH15 (in force from 1 July 2026): its post-rehab
/// article and guiding decree could not be confirmed, so it carries Law 73/2021's periods over
/// until an administrator records the confirmed rules (a newer regime with the same start
/// date supersedes this one).
pub fn law_120_2025_provisional() -> LegalRegime {
    LegalRegime {
        code: "LAW_120_2025_PROVISIONAL".into(),
        effective_from: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
        effective_to: None,
        rules: law_73_2021().rules,
    }
}

/// Last day of management: start plus the legal months, pushed back by paused days.
pub fn end_date(start: NaiveDate, months: u32, paused_days: u64) -> Option<NaiveDate> {
    start
        .checked_add_months(Months::new(months))?
        .checked_sub_days(Days::new(1))?
        .checked_add_days(Days::new(paused_days))
}

/// Lifecycle of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Recorded, decision not yet signed.
    PendingDecision,
    /// Under management.
    Active,
    /// Temporarily suspended (e.g. the person is in hospital or detained).
    Suspended,
    /// Term finished, completion certificate (Form 54) issued.
    Completed,
    /// Drug use found; referred for assessment / compulsory rehab (Law 73/2021 Arts. 27, 32).
    RelapsedReferred,
    /// Moved to another commune; the order continues there.
    TransferredOut,
    /// Ended early by decision.
    Terminated,
}

impl OrderStatus {
    /// All statuses.
    pub const ALL: [OrderStatus; 7] = [
        Self::PendingDecision,
        Self::Active,
        Self::Suspended,
        Self::Completed,
        Self::RelapsedReferred,
        Self::TransferredOut,
        Self::Terminated,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingDecision => "pending_decision",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Completed => "completed",
            Self::RelapsedReferred => "relapsed_referred",
            Self::TransferredOut => "transferred_out",
            Self::Terminated => "terminated",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// An order in one of these states is still open: at most one open order per client.
    pub fn is_open(self) -> bool {
        matches!(self, Self::PendingDecision | Self::Active | Self::Suspended)
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The lifecycle does not allow it.
    #[error("a supervision order cannot go from {from} to {to}")]
    NotAllowed {
        /// Current status.
        from: &'static str,
        /// Requested status.
        to: &'static str,
    },
    /// Completion needs the Form 54 certificate number.
    #[error("completing an order needs the completion certificate number (Form 54)")]
    CertificateRequired,
    /// Transfers go through the transfer operation, which keeps the history.
    #[error("use the transfer operation to move a client to another commune")]
    UseTransfer,
}

/// Checks a requested status change.
pub fn check_transition(
    from: OrderStatus,
    to: OrderStatus,
    certificate_number: Option<&str>,
) -> Result<(), TransitionError> {
    use OrderStatus::*;
    if to == TransferredOut {
        return Err(TransitionError::UseTransfer);
    }
    let allowed = matches!(
        (from, to),
        (PendingDecision, Active)
            | (PendingDecision, Terminated)
            | (Active, Suspended)
            | (Active, Completed)
            | (Active, RelapsedReferred)
            | (Active, Terminated)
            | (Suspended, Active)
            | (Suspended, RelapsedReferred)
            | (Suspended, Terminated)
    );
    if !allowed {
        return Err(TransitionError::NotAllowed {
            from: from.as_str(),
            to: to.as_str(),
        });
    }
    if to == Completed && certificate_number.is_none_or(|c| c.trim().is_empty()) {
        return Err(TransitionError::CertificateRequired);
    }
    Ok(())
}

/// Role of an assigned person in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentRole {
    /// The officer in charge.
    CaseOfficer,
    /// A supporter (volunteer, mass organisation, family).
    Supporter,
}

impl AssignmentRole {
    /// Stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CaseOfficer => "case_officer",
            Self::Supporter => "supporter",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn law_73_gives_two_years_to_adults_after_compulsory_rehab_only() {
        let law = law_73_2021();
        assert_eq!(law.months_for(RehabKind::Compulsory, false), Ok(24));
        assert_eq!(law.months_for(RehabKind::Compulsory, true), Ok(12));
        assert_eq!(law.months_for(RehabKind::VoluntaryAtHome, false), Ok(12));
        assert_eq!(law.months_for(RehabKind::Methadone, true), Ok(12));
    }

    #[test]
    fn the_regime_is_chosen_by_decision_date() {
        let mut later = law_73_2021();
        later.code = "LAW_120_2025".into();
        later.effective_from = d(2026, 7, 1);
        later.effective_to = None;
        let regimes = vec![law_73_2021(), later];
        assert_eq!(
            regime_on(&regimes, d(2026, 6, 30)).unwrap().code,
            "LAW_73_2021"
        );
        assert_eq!(
            regime_on(&regimes, d(2026, 7, 1)).unwrap().code,
            "LAW_120_2025"
        );
        assert_eq!(
            regime_on(&regimes, d(2021, 12, 31)),
            Err(PeriodError::NoRegime(d(2021, 12, 31)))
        );
    }

    #[test]
    fn end_date_is_inclusive_and_extended_by_pauses() {
        assert_eq!(end_date(d(2026, 1, 15), 12, 0), Some(d(2027, 1, 14)));
        assert_eq!(end_date(d(2026, 1, 31), 1, 0), Some(d(2026, 2, 27)));
        assert_eq!(end_date(d(2026, 1, 15), 24, 10), Some(d(2028, 1, 24)));
    }

    #[test]
    fn lifecycle_allows_only_documented_moves() {
        use OrderStatus::*;
        assert!(check_transition(PendingDecision, Active, None).is_ok());
        assert!(check_transition(Active, Completed, Some("54/2026")).is_ok());
        assert_eq!(
            check_transition(Active, Completed, Some(" ")),
            Err(TransitionError::CertificateRequired)
        );
        assert!(check_transition(Completed, Active, None).is_err());
        assert_eq!(
            check_transition(Active, TransferredOut, None),
            Err(TransitionError::UseTransfer)
        );
    }
}
