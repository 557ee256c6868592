//! An escalation policy: when an escalation opens and the ordered chain of levels it climbs.
//!
//! Deployment defaults come from configuration; a commune may replace the whole policy
//! (stored as JSON). [`EscalationPolicy::validate`] bounds every number, so a stored or typed
//! policy can never make the sweep spin (a zero timeout) or alert without end.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::{access::OfficerRole, messaging::channel::Channel};

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
/// Channels an escalation alert may use. Officer alerts have no registered ZNS template, so
/// ZNS is not among them.
pub const ALERT_CHANNELS: [Channel; 2] = [Channel::ZaloOa, Channel::Sms];

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
    /// The channels this level's alerts use, in order (absent in a stored policy: Zalo OA
    /// then SMS, the officers' usual plan).
    #[serde(default = "default_channels")]
    pub channels: Vec<Channel>,
    /// Send on every channel at once (one message each) instead of falling back in order.
    #[serde(default)]
    pub channels_at_once: bool,
}

/// Zalo OA first, SMS when Zalo cannot deliver: what every officer alert does by default.
pub fn default_channels() -> Vec<Channel> {
    vec![Channel::ZaloOa, Channel::Sms]
}

impl Level {
    /// The wait as a duration.
    pub fn ack_timeout(&self) -> Duration {
        Duration::minutes(i64::from(self.ack_timeout_minutes))
    }

    /// The messages one officer gets at this level, each as the channels it may use in order:
    /// one message falling back along the list, or one message per channel when
    /// [`Self::channels_at_once`].
    pub fn deliveries(&self) -> Vec<Vec<Channel>> {
        if self.channels_at_once {
            self.channels.iter().map(|c| vec![*c]).collect()
        } else {
            vec![self.channels.clone()]
        }
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
    /// A level's channels are empty, repeated, or not usable for officer alerts.
    #[error("levels[{0}].channels: {1}")]
    LevelChannels(usize, &'static str),
}

impl Default for EscalationPolicy {
    /// Case officers after one day of silence (two misses in a row or three in thirty days),
    /// then the commune police chief and chairman after four hours, then the province PC04
    /// after a day. Urgent; missed appointments and help requests attach.
    fn default() -> Self {
        let level = |audience: LevelAudience, minutes| Level {
            audience,
            ack_timeout_minutes: minutes,
            channels: default_channels(),
            channels_at_once: false,
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

/// A level's channel list: at least one, each once, each one officer alerts can use.
fn check_channels(channels: &[Channel]) -> Result<(), &'static str> {
    if channels.is_empty() {
        return Err("at least one channel");
    }
    if channels.len() > ALERT_CHANNELS.len() {
        return Err("at most one of each channel");
    }
    if channels.iter().any(|c| !ALERT_CHANNELS.contains(c)) {
        return Err("officer alerts go by ZALO_OA or SMS (they have no ZNS template)");
    }
    for (i, c) in channels.iter().enumerate() {
        if channels[..i].contains(c) {
            return Err("a channel appears twice");
        }
    }
    Ok(())
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
            check_channels(&level.channels).map_err(|why| PolicyError::LevelChannels(i, why))?;
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
    fn level_channels_are_bounded_distinct_and_usable_for_officer_alerts() {
        let base = EscalationPolicy::default();
        let with = |channels: Vec<Channel>| {
            let mut p = base.clone();
            p.levels[1].channels = channels;
            p.validate()
        };
        assert_eq!(with(vec![Channel::Sms]), Ok(()));
        assert_eq!(with(vec![Channel::Sms, Channel::ZaloOa]), Ok(()));
        let refused = |channels: Vec<Channel>| match with(channels) {
            Err(PolicyError::LevelChannels(1, why)) => why,
            other => panic!("expected a channel error on level 2, got {other:?}"),
        };
        assert_eq!(refused(vec![]), "at least one channel");
        assert_eq!(
            refused(vec![Channel::Sms, Channel::Sms]),
            "a channel appears twice"
        );
        assert!(refused(vec![Channel::ZaloZns]).contains("no ZNS template"));
        assert_eq!(
            refused(vec![Channel::Sms, Channel::ZaloOa, Channel::Sms]),
            "at most one of each channel"
        );
    }

    #[test]
    fn deliveries_fall_back_in_order_or_go_at_once() {
        let mut level = EscalationPolicy::default().levels[0].clone();
        assert_eq!(level.deliveries(), [vec![Channel::ZaloOa, Channel::Sms]]);
        level.channels = vec![Channel::Sms, Channel::ZaloOa];
        level.channels_at_once = true;
        assert_eq!(
            level.deliveries(),
            [vec![Channel::Sms], vec![Channel::ZaloOa]]
        );
    }

    #[test]
    fn a_stored_policy_without_channels_reads_as_zalo_then_sms() {
        let mut json = serde_json::to_value(EscalationPolicy::default()).unwrap();
        for level in json["levels"].as_array_mut().unwrap() {
            let level = level.as_object_mut().unwrap();
            level.remove("channels");
            level.remove("channelsAtOnce");
        }
        let p: EscalationPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(p, EscalationPolicy::default());
        let typed: Level = serde_json::from_str(
            r#"{"audience":{"caseOfficers":true},"ackTimeoutMinutes":60,"channels":["sms"],"channelsAtOnce":true}"#,
        )
        .unwrap();
        assert_eq!(typed.channels, [Channel::Sms]);
        assert!(
            serde_json::from_str::<Level>(
                r#"{"audience":{"caseOfficers":true},"ackTimeoutMinutes":60,"channels":["fax"]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_policy_round_trips_through_its_stored_json() {
        let p = EscalationPolicy::default();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"ackTimeoutMinutes\":240"));
        assert_eq!(serde_json::from_str::<EscalationPolicy>(&json).unwrap(), p);
    }
}
