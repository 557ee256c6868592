//! Placements (giới thiệu học nghề, việc làm): a client's place in a training programme or
//! with an employer, and the lifecycle each kind follows.
//!
//! Training: referred → enrolled → completed | dropped out.
//! Job: referred → interviewed → hired | not hired; hired → employed → ended (the end date).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod places;
#[cfg(test)]
mod tests;

pub use places::{FundingSource, ProviderKind};

/// What a placement is into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlacementKind {
    /// A vocational training programme (học nghề).
    Training,
    /// A job opening with an employer (việc làm).
    Job,
}

impl PlacementKind {
    /// All kinds.
    pub const ALL: [PlacementKind; 2] = [Self::Training, Self::Job];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Job => "job",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The statuses a placement of this kind can have, in lifecycle order.
    pub fn statuses(self) -> &'static [PlacementStatus] {
        use PlacementStatus::*;
        match self {
            Self::Training => &[Referred, Enrolled, Completed, DroppedOut],
            Self::Job => &[Referred, Interviewed, Hired, NotHired, Employed, Ended],
        }
    }
}

/// Where a placement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlacementStatus {
    /// Referred to the programme or employer (both kinds start here).
    Referred,
    /// Training: enrolled in the programme.
    Enrolled,
    /// Training: finished the programme.
    Completed,
    /// Training: left before the end.
    DroppedOut,
    /// Job: interviewed by the employer.
    Interviewed,
    /// Job: offered the job.
    Hired,
    /// Job: not offered the job.
    NotHired,
    /// Job: working there.
    Employed,
    /// Job: the employment ended (its end date is recorded).
    Ended,
}

impl PlacementStatus {
    /// All statuses.
    pub const ALL: [PlacementStatus; 9] = [
        Self::Referred,
        Self::Enrolled,
        Self::Completed,
        Self::DroppedOut,
        Self::Interviewed,
        Self::Hired,
        Self::NotHired,
        Self::Employed,
        Self::Ended,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Referred => "referred",
            Self::Enrolled => "enrolled",
            Self::Completed => "completed",
            Self::DroppedOut => "dropped_out",
            Self::Interviewed => "interviewed",
            Self::Hired => "hired",
            Self::NotHired => "not_hired",
            Self::Employed => "employed",
            Self::Ended => "ended",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether no further transition is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::DroppedOut | Self::NotHired | Self::Ended
        )
    }

    /// Whether the client counts as employed in this status (for the client summary).
    pub fn is_employed(self) -> bool {
        matches!(self, Self::Hired | Self::Employed)
    }

    /// Whether a placement in this status fills one of its programme's or opening's seats.
    /// A trainee holds the seat from enrolment on, and still after completing (the course
    /// run is not refilled); dropping out frees it for someone else. A worker holds the
    /// position while hired or employed; when the employment ends the employer may fill it
    /// again. Referred, interviewed and not-hired people never hold one.
    pub fn holds_seat(self) -> bool {
        matches!(
            self,
            Self::Enrolled | Self::Completed | Self::Hired | Self::Employed
        )
    }
}

/// Whether moving from `from` to `to` needs a free seat (enrolling, being hired).
pub fn takes_seat(from: PlacementStatus, to: PlacementStatus) -> bool {
    to.holds_seat() && !from.holds_seat()
}

/// Whether one more placement fits, with `taken` of `seats` already held.
pub fn seat_free(seats: i32, taken: u64) -> bool {
    u64::try_from(seats).is_ok_and(|seats| taken < seats)
}

/// Why a placement cannot move to a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementTransitionError {
    /// The status belongs to the other kind (a training placement cannot be "hired").
    #[error("a {kind} placement cannot have status {status}")]
    WrongKind {
        /// Stored form of the placement's kind.
        kind: &'static str,
        /// Stored form of the status asked for.
        status: &'static str,
    },
    /// The placement has reached a final status.
    #[error("the placement is already {0}; it cannot change any more")]
    AlreadyFinal(&'static str),
    /// The move skips or reverses a step.
    #[error("a placement cannot go from {from} to {to}")]
    NotAllowed {
        /// Stored form of the current status.
        from: &'static str,
        /// Stored form of the status asked for.
        to: &'static str,
    },
}

/// The statuses a placement in `from` may move to next.
pub fn next_statuses(kind: PlacementKind, from: PlacementStatus) -> &'static [PlacementStatus] {
    use PlacementStatus::*;
    match (kind, from) {
        (PlacementKind::Training, Referred) => &[Enrolled],
        (PlacementKind::Training, Enrolled) => &[Completed, DroppedOut],
        (PlacementKind::Job, Referred) => &[Interviewed],
        (PlacementKind::Job, Interviewed) => &[Hired, NotHired],
        (PlacementKind::Job, Hired) => &[Employed],
        (PlacementKind::Job, Employed) => &[Ended],
        _ => &[],
    }
}

/// Checks a status change, with an error that says which rule it breaks.
pub fn transition(
    kind: PlacementKind,
    from: PlacementStatus,
    to: PlacementStatus,
) -> Result<PlacementStatus, PlacementTransitionError> {
    if !kind.statuses().contains(&to) {
        return Err(PlacementTransitionError::WrongKind {
            kind: kind.as_str(),
            status: to.as_str(),
        });
    }
    if from.is_final() {
        return Err(PlacementTransitionError::AlreadyFinal(from.as_str()));
    }
    if next_statuses(kind, from).contains(&to) {
        Ok(to)
    } else {
        Err(PlacementTransitionError::NotAllowed {
            from: from.as_str(),
            to: to.as_str(),
        })
    }
}

/// Why a placement's dates are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementDatesError {
    /// The end date is before the start date.
    #[error("a placement cannot end ({end}) before it starts ({start})")]
    EndsBeforeStart {
        /// Start date.
        start: NaiveDate,
        /// End date.
        end: NaiveDate,
    },
    /// An end date is recorded without a start date.
    #[error("a placement with an end date needs a start date")]
    EndWithoutStart,
}

/// Checks a placement's start and end dates (both optional while the placement is open).
pub fn check_dates(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Result<(), PlacementDatesError> {
    match (start, end) {
        (Some(start), Some(end)) if end < start => {
            Err(PlacementDatesError::EndsBeforeStart { start, end })
        }
        (None, Some(_)) => Err(PlacementDatesError::EndWithoutStart),
        _ => Ok(()),
    }
}
