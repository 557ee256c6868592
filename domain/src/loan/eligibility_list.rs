//! The eligibility list (danh sách đối tượng đủ điều kiện vay vốn): compiled by the commune
//! police, certified by the commune People's Committee, then sent to the bank
//! (Decision 08/2026/QĐ-TTg). Entries change only while the list is a draft.

use serde::{Deserialize, Serialize};

/// Where an eligibility list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EligibilityListStatus {
    /// Being compiled by the commune police; entries may change.
    Drafted,
    /// Certified by the commune People's Committee; frozen.
    Certified,
    /// Sent to the bank (final).
    SentToBank,
}

impl EligibilityListStatus {
    /// All statuses, in lifecycle order.
    pub const ALL: [EligibilityListStatus; 3] = [Self::Drafted, Self::Certified, Self::SentToBank];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drafted => "drafted",
            Self::Certified => "certified",
            Self::SentToBank => "sent_to_bank",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether entries may still be added or removed.
    pub fn is_editable(self) -> bool {
        self == Self::Drafted
    }

    /// Whether a person on the list counts as listed for a loan (the list is certified).
    pub fn counts_for_eligibility(self) -> bool {
        matches!(self, Self::Certified | Self::SentToBank)
    }
}

/// Why a list cannot move to a status, or be edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListTransitionError {
    /// The move skips or reverses a step.
    #[error("an eligibility list cannot go from {from} to {to}")]
    NotAllowed {
        /// Stored form of the current status.
        from: &'static str,
        /// Stored form of the status asked for.
        to: &'static str,
    },
    /// Entries of a certified list are frozen.
    #[error("the eligibility list is {0}; its entries can no longer change")]
    Frozen(&'static str),
    /// A list without entries is not certified.
    #[error("an empty eligibility list cannot be certified")]
    Empty,
}

/// Checks a status change; `entries` is the number of people on the list.
pub fn list_transition(
    from: EligibilityListStatus,
    to: EligibilityListStatus,
    entries: usize,
) -> Result<EligibilityListStatus, ListTransitionError> {
    use EligibilityListStatus::*;
    match (from, to) {
        (Drafted, Certified) if entries == 0 => Err(ListTransitionError::Empty),
        (Drafted, Certified) | (Certified, SentToBank) => Ok(to),
        _ => Err(ListTransitionError::NotAllowed {
            from: from.as_str(),
            to: to.as_str(),
        }),
    }
}

impl EligibilityListStatus {
    /// Checks that entries may change.
    pub fn check_editable(self) -> Result<(), ListTransitionError> {
        if self.is_editable() {
            Ok(())
        } else {
            Err(ListTransitionError::Frozen(self.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EligibilityListStatus::*;
    use super::*;

    #[test]
    fn every_allowed_transition_succeeds_and_every_other_is_refused() {
        let allowed = [(Drafted, Certified), (Certified, SentToBank)];
        for from in EligibilityListStatus::ALL {
            for to in EligibilityListStatus::ALL {
                let result = list_transition(from, to, 3);
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(to));
                } else {
                    assert_eq!(
                        result,
                        Err(ListTransitionError::NotAllowed {
                            from: from.as_str(),
                            to: to.as_str()
                        })
                    );
                }
            }
        }
    }

    #[test]
    fn an_empty_list_is_not_certified() {
        assert_eq!(
            list_transition(Drafted, Certified, 0),
            Err(ListTransitionError::Empty)
        );
    }

    #[test]
    fn only_a_draft_is_editable_and_only_a_certified_list_counts() {
        assert_eq!(Drafted.check_editable(), Ok(()));
        assert_eq!(
            Certified.check_editable(),
            Err(ListTransitionError::Frozen("certified"))
        );
        assert!(SentToBank.check_editable().is_err());
        assert!(!Drafted.counts_for_eligibility());
        assert!(Certified.counts_for_eligibility());
        assert!(SentToBank.counts_for_eligibility());
        for s in EligibilityListStatus::ALL {
            assert_eq!(EligibilityListStatus::from_stored(s.as_str()), Some(s));
        }
    }
}
