//! An escalation policy: when an escalation opens and the ordered chain of levels it climbs.
//!
//! Deployment defaults come from configuration; a commune may replace the whole policy
//! (stored as JSON). [`EscalationPolicy::validate`] bounds every number, so a stored or typed
//! policy can never make the sweep spin (a zero timeout) or alert without end.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::access::OfficerRole;

/// Most levels in a chain (case officer, commune, district/province, …).
pub const MAX_LEVELS: usize = 5;
/// Most roles or named officers on one level.
pub const MAX_LEVEL_MEMBERS: usize = 20;
/// Shortest wait for an acknowledgement before moving up: anything shorter floods the chain.
pub const MIN_ACK_TIMEOUT_MINUTES: u32 = 5;
/// Longest wait for an acknowledgement: a week.
pub const MAX_ACK_TIMEOUT_MINUTES: u32 = 7 * 24 * 60;
/// Longest grace after a window closes before a miss counts: two days.
pub const MAX_GRACE_MINUTES: u32 = 2 * 24 * 60;
/// Highest miss threshold (either kind).
pub const MAX_MISS_THRESHOLD: u32 = 30;
/// Longest look-back for counting misses: ninety days.
pub const MAX_LOOKBACK_DAYS: u32 = 90;

/// Who one level alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelAudience {
    /// The case officers assigned to the client's order.
    #[serde(default)]
    pub case_officers: bool,
    /// Every active officer of the client's commune (or province, for province-level roles)
    /// with one of these roles.
    #[serde(default)]
    pub roles: Vec<OfficerRole>,
    /// Named officers, by id (as text, so the domain needs no id type).
    #[serde(default)]
    pub officers: Vec<String>,
}

/// One step of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Level {
    /// Who is alerted when the escalation reaches this level.
    pub audience: LevelAudience,
    /// How long to wait for an acknowledgement before moving up, in minutes.
    pub ack_timeout_minutes: u32,
}

impl Level {
    /// The wait as a duration.
    pub fn ack_timeout(&self) -> Duration {
        Duration::minutes(i64::from(self.ack_timeout_minutes))
    }
}

/// A commune's escalation policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationPolicy {
    /// This many misses within [`Self::lookback_days`] open an escalation.
    pub misses_to_open: u32,
    /// This many misses in a row (no check-in between) open an escalation.
    pub consecutive_misses_to_open: u32,
    /// Days counted back for [`Self::misses_to_open`].
    pub lookback_days: u32,
    /// A miss counts this long after its window closed (a late check-in in between wins).
    pub grace_minutes: u32,
    /// The chain, level 1 first.
    pub levels: Vec<Level>,
    /// Escalation alerts may pass the officers' quiet hours.
    pub urgent: bool,
    /// A missed appointment attaches to an open escalation.
    pub attach_missed_appointments: bool,
    /// A "need help" reply attaches to an open escalation.
    pub attach_help_requests: bool,
}

/// Why a policy was refused; each names the field the API reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A number outside its bounds.
    #[error("{field} must be between {min} and {max}")]
    OutOfBounds {
        /// The field.
        field: &'static str,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
    },
    /// No level, or more than [`MAX_LEVELS`].
    #[error("levels: between 1 and {MAX_LEVELS} levels")]
    LevelCount,
    /// A level alerts nobody, or too many.
    #[error(
        "levels[{0}]: alert the case officers, at least one role or one named officer (at most {MAX_LEVEL_MEMBERS} of each)"
    )]
    LevelAudience(usize),
}

impl Default for EscalationPolicy {
    /// Case officers after one day of silence (two misses in a row or three in thirty days),
    /// then the commune police chief and chairman after four hours, then the province PC04
    /// after a day. Urgent; missed appointments and help requests attach.
    fn default() -> Self {
        let level = |audience: LevelAudience, minutes| Level {
            audience,
            ack_timeout_minutes: minutes,
        };
        Self {
            misses_to_open: 3,
            consecutive_misses_to_open: 2,
            lookback_days: 30,
            grace_minutes: 60,
            levels: vec![
                level(
                    LevelAudience {
                        case_officers: true,
                        roles: vec![],
                        officers: vec![],
                    },
                    4 * 60,
                ),
                level(
                    LevelAudience {
                        case_officers: false,
                        roles: vec![
                            OfficerRole::CommunePoliceChief,
                            OfficerRole::CommuneChairman,
                        ],
                        officers: vec![],
                    },
                    24 * 60,
                ),
                level(
                    LevelAudience {
                        case_officers: false,
                        roles: vec![OfficerRole::ProvincePc04Officer],
                        officers: vec![],
                    },
                    24 * 60,
                ),
            ],
            urgent: true,
            attach_missed_appointments: true,
            attach_help_requests: true,
        }
    }
}

fn within(field: &'static str, value: u32, min: u32, max: u32) -> Result<(), PolicyError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(PolicyError::OutOfBounds { field, min, max })
    }
}

impl EscalationPolicy {
    /// Checks every bound; the first problem wins.
    pub fn validate(&self) -> Result<(), PolicyError> {
        within("missesToOpen", self.misses_to_open, 1, MAX_MISS_THRESHOLD)?;
        within(
            "consecutiveMissesToOpen",
            self.consecutive_misses_to_open,
            1,
            MAX_MISS_THRESHOLD,
        )?;
        within("lookbackDays", self.lookback_days, 1, MAX_LOOKBACK_DAYS)?;
        within("graceMinutes", self.grace_minutes, 0, MAX_GRACE_MINUTES)?;
        if self.levels.is_empty() || self.levels.len() > MAX_LEVELS {
            return Err(PolicyError::LevelCount);
        }
        for (i, level) in self.levels.iter().enumerate() {
            within(
                "ackTimeoutMinutes",
                level.ack_timeout_minutes,
                MIN_ACK_TIMEOUT_MINUTES,
                MAX_ACK_TIMEOUT_MINUTES,
            )?;
            let a = &level.audience;
            let nobody = !a.case_officers && a.roles.is_empty() && a.officers.is_empty();
            if nobody || a.roles.len() > MAX_LEVEL_MEMBERS || a.officers.len() > MAX_LEVEL_MEMBERS {
                return Err(PolicyError::LevelAudience(i));
            }
        }
        Ok(())
    }

    /// The grace as a duration.
    pub fn grace(&self) -> Duration {
        Duration::minutes(i64::from(self.grace_minutes))
    }

    /// The look-back as a duration.
    pub fn lookback(&self) -> Duration {
        Duration::days(i64::from(self.lookback_days))
    }

    /// Level `n` (1-based), if the chain has it.
    pub fn level(&self, n: u32) -> Option<&Level> {
        let index = usize::try_from(n.checked_sub(1)?).ok()?;
        self.levels.get(index)
    }

    /// Number of levels (the top level).
    pub fn top_level(&self) -> u32 {
        u32::try_from(self.levels.len()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid_and_climbs_three_levels() {
        let p = EscalationPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.top_level(), 3);
        assert!(p.level(1).unwrap().audience.case_officers);
        assert!(p.level(0).is_none());
        assert!(p.level(4).is_none());
    }

    #[test]
    fn bounds_are_enforced_field_by_field() {
        let base = EscalationPolicy::default();
        let cases: Vec<(EscalationPolicy, PolicyError)> = vec![
            (
                EscalationPolicy {
                    misses_to_open: 0,
                    ..base.clone()
                },
                PolicyError::OutOfBounds {
                    field: "missesToOpen",
                    min: 1,
                    max: MAX_MISS_THRESHOLD,
                },
            ),
            (
                EscalationPolicy {
                    grace_minutes: MAX_GRACE_MINUTES + 1,
                    ..base.clone()
                },
                PolicyError::OutOfBounds {
                    field: "graceMinutes",
                    min: 0,
                    max: MAX_GRACE_MINUTES,
                },
            ),
            (
                EscalationPolicy {
                    levels: vec![],
                    ..base.clone()
                },
                PolicyError::LevelCount,
            ),
            (
                EscalationPolicy {
                    levels: vec![base.levels[0].clone(); MAX_LEVELS + 1],
                    ..base.clone()
                },
                PolicyError::LevelCount,
            ),
        ];
        for (policy, expected) in cases {
            assert_eq!(policy.validate(), Err(expected));
        }
        let mut quick = base.clone();
        quick.levels[1].ack_timeout_minutes = MIN_ACK_TIMEOUT_MINUTES - 1;
        assert!(matches!(
            quick.validate(),
            Err(PolicyError::OutOfBounds {
                field: "ackTimeoutMinutes",
                ..
            })
        ));
        let mut nobody = base;
        nobody.levels[2].audience = LevelAudience {
            case_officers: false,
            roles: vec![],
            officers: vec![],
        };
        assert_eq!(nobody.validate(), Err(PolicyError::LevelAudience(2)));
    }

    #[test]
    fn a_policy_round_trips_through_its_stored_json() {
        let p = EscalationPolicy::default();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"ackTimeoutMinutes\":240"));
        assert_eq!(serde_json::from_str::<EscalationPolicy>(&json).unwrap(), p);
    }
}
