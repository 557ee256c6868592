//! Where a client is placed: kinds of training provider and who funds a programme.

use serde::{Deserialize, Serialize};

/// What kind of organisation runs a training programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProviderKind {
    /// A vocational training centre (trung tâm giáo dục nghề nghiệp).
    VocationalCentre,
    /// A company training its future workers.
    Company,
    /// A cooperative (hợp tác xã).
    Cooperative,
    /// Anything else.
    Other,
}

impl ProviderKind {
    /// All kinds.
    pub const ALL: [ProviderKind; 4] = [
        Self::VocationalCentre,
        Self::Company,
        Self::Cooperative,
        Self::Other,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VocationalCentre => "vocational_centre",
            Self::Company => "company",
            Self::Cooperative => "cooperative",
            Self::Other => "other",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who pays for a training programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FundingSource {
    /// The state budget (Circular 62/2022/TT-BTC supports short courses).
    StateBudget,
    /// The provider.
    Provider,
    /// A future employer.
    Employer,
    /// The trainee.
    Trainee,
    /// Anything else.
    Other,
}

impl FundingSource {
    /// All sources.
    pub const ALL: [FundingSource; 5] = [
        Self::StateBudget,
        Self::Provider,
        Self::Employer,
        Self::Trainee,
        Self::Other,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StateBudget => "state_budget",
            Self::Provider => "provider",
            Self::Employer => "employer",
            Self::Trainee => "trainee",
            Self::Other => "other",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for k in ProviderKind::ALL {
            assert_eq!(ProviderKind::from_stored(k.as_str()), Some(k));
        }
        for f in FundingSource::ALL {
            assert_eq!(FundingSource::from_stored(f.as_str()), Some(f));
        }
    }
}
