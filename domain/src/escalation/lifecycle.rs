//! The lifecycle of one escalation: open at level 1 → acknowledged → resolved; unacknowledged
//! past the level's timeout → next level; top level unacknowledged → stays open, reported once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::policy::EscalationPolicy;

/// Where an escalation stands. Stored as `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EscalationStatus {
    /// Nobody has taken it yet; it climbs the chain.
    Open,
    /// An officer owns it; it no longer climbs.
    Acknowledged,
    /// Closed with an outcome.
    Resolved,
}

/// How an officer acknowledged. Stored as `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckMethod {
    /// The `acknowledgeEscalation` mutation.
    Mutation,
    /// A reply "XN <code>" by SMS or Zalo.
    ReplyCode,
    /// The signed link in the alert.
    Link,
}

/// How an escalation ended. Stored as `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// The officer reached the client by phone.
    ReachedByPhone,
    /// The officer visited the client at home.
    HomeVisit,
    /// The client checked in late.
    CheckedInLate,
    /// The client is in hospital.
    Hospitalised,
    /// The client moved away.
    MovedAway,
    /// The officer suspects a relapse.
    RelapseSuspected,
    /// Anything else; the note says what.
    Other,
}

macro_rules! stored {
    ($t:ty { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            /// Every value.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            /// Stored form.
            pub const fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
            /// Parses the stored form.
            pub fn from_stored(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

stored!(EscalationStatus { Open => "open", Acknowledged => "acknowledged", Resolved => "resolved" });
stored!(AckMethod { Mutation => "mutation", ReplyCode => "reply_code", Link => "link" });
stored!(Outcome {
    ReachedByPhone => "reached_by_phone",
    HomeVisit => "home_visit",
    CheckedInLate => "checked_in_late",
    Hospitalised => "hospitalised",
    MovedAway => "moved_away",
    RelapseSuspected => "relapse_suspected",
    Other => "other",
});

/// What the lifecycle needs of a stored escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationState {
    /// Status.
    pub status: EscalationStatus,
    /// Current level, 1-based.
    pub level: u32,
    /// When the current level was reached (its timeout runs from here).
    pub level_since: DateTime<Utc>,
    /// Whether the top level's timeout has already been reported.
    pub top_reported: bool,
}

/// What the sweep does with an escalation at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing: acknowledged, resolved, or its level's time is not up.
    Wait,
    /// Move from `from` to `to`: alert level `to`, tell level `from`.
    Raise {
        /// The level it leaves.
        from: u32,
        /// The level it reaches.
        to: u32,
    },
    /// The top level timed out: stays open, reported once.
    ReportTop,
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// Someone already acknowledged it (acknowledging twice changes nothing).
    #[error("the escalation is already acknowledged")]
    AlreadyAcknowledged,
    /// It is closed.
    #[error("the escalation is already resolved")]
    AlreadyResolved,
}

/// The sweep's decision for one escalation.
pub fn next_step(state: &EscalationState, policy: &EscalationPolicy, now: DateTime<Utc>) -> Step {
    if state.status != EscalationStatus::Open {
        return Step::Wait;
    }
    // A level the policy no longer has (the chain was shortened) times out like the top.
    let timeout = policy
        .level(state.level)
        .or_else(|| policy.levels.last())
        .map(|l| l.ack_timeout());
    let Some(timeout) = timeout else {
        return Step::Wait;
    };
    if state.level_since + timeout > now {
        return Step::Wait;
    }
    if state.level < policy.top_level() {
        Step::Raise {
            from: state.level,
            to: state.level + 1,
        }
    } else if state.top_reported {
        Step::Wait
    } else {
        Step::ReportTop
    }
}

/// Acknowledging: only an open escalation; it stops climbing.
pub fn acknowledge(status: EscalationStatus) -> Result<EscalationStatus, LifecycleError> {
    match status {
        EscalationStatus::Open => Ok(EscalationStatus::Acknowledged),
        EscalationStatus::Acknowledged => Err(LifecycleError::AlreadyAcknowledged),
        EscalationStatus::Resolved => Err(LifecycleError::AlreadyResolved),
    }
}

/// Resolving: an open or acknowledged escalation closes (resolving also takes ownership).
pub fn resolve(status: EscalationStatus) -> Result<EscalationStatus, LifecycleError> {
    match status {
        EscalationStatus::Open | EscalationStatus::Acknowledged => Ok(EscalationStatus::Resolved),
        EscalationStatus::Resolved => Err(LifecycleError::AlreadyResolved),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap()
    }

    fn open(level: u32) -> EscalationState {
        EscalationState {
            status: EscalationStatus::Open,
            level,
            level_since: t0(),
            top_reported: false,
        }
    }

    #[test]
    fn climbs_on_timeout_and_reports_the_top_once() {
        let p = EscalationPolicy::default(); // 4 h, 24 h, 24 h
        assert_eq!(
            next_step(&open(1), &p, t0() + Duration::minutes(239)),
            Step::Wait
        );
        assert_eq!(
            next_step(&open(1), &p, t0() + Duration::hours(4)),
            Step::Raise { from: 1, to: 2 }
        );
        assert_eq!(
            next_step(&open(2), &p, t0() + Duration::hours(5)),
            Step::Wait
        );
        assert_eq!(
            next_step(&open(2), &p, t0() + Duration::hours(24)),
            Step::Raise { from: 2, to: 3 }
        );
        assert_eq!(
            next_step(&open(3), &p, t0() + Duration::hours(24)),
            Step::ReportTop
        );
        let reported = EscalationState {
            top_reported: true,
            ..open(3)
        };
        assert_eq!(
            next_step(&reported, &p, t0() + Duration::days(30)),
            Step::Wait
        );
    }

    #[test]
    fn acknowledged_or_resolved_never_climbs() {
        let p = EscalationPolicy::default();
        for status in [EscalationStatus::Acknowledged, EscalationStatus::Resolved] {
            let s = EscalationState { status, ..open(1) };
            assert_eq!(next_step(&s, &p, t0() + Duration::days(365)), Step::Wait);
        }
    }

    #[test]
    fn a_level_beyond_a_shortened_chain_reports_instead_of_panicking() {
        let mut p = EscalationPolicy::default();
        p.levels.truncate(1);
        assert_eq!(
            next_step(&open(3), &p, t0() + Duration::hours(4)),
            Step::ReportTop
        );
    }

    #[test]
    fn transitions_table() {
        use EscalationStatus::*;
        assert_eq!(acknowledge(Open), Ok(Acknowledged));
        assert_eq!(
            acknowledge(Acknowledged),
            Err(LifecycleError::AlreadyAcknowledged)
        );
        assert_eq!(acknowledge(Resolved), Err(LifecycleError::AlreadyResolved));
        assert_eq!(resolve(Open), Ok(Resolved));
        assert_eq!(resolve(Acknowledged), Ok(Resolved));
        assert_eq!(resolve(Resolved), Err(LifecycleError::AlreadyResolved));
    }

    #[test]
    fn stored_forms_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_stored(o.as_str()), Some(*o));
        }
        for s in EscalationStatus::ALL {
            assert_eq!(EscalationStatus::from_stored(s.as_str()), Some(*s));
        }
        for m in AckMethod::ALL {
            assert_eq!(AckMethod::from_stored(m.as_str()), Some(*m));
        }
        assert_eq!(Outcome::from_stored("nope"), None);
    }

    proptest! {
        /// Whatever the clock does, one step moves at most one level up and never past the top.
        #[test]
        fn never_skips_a_level(level in 1u32..=3, minutes in 0i64..100_000) {
            let p = EscalationPolicy::default();
            match next_step(&open(level), &p, t0() + Duration::minutes(minutes)) {
                Step::Raise { from, to } => {
                    prop_assert_eq!(from, level);
                    prop_assert_eq!(to, level + 1);
                    prop_assert!(to <= p.top_level());
                }
                Step::ReportTop => prop_assert_eq!(level, p.top_level()),
                Step::Wait => {}
            }
        }
    }
}
