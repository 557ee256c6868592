//! Which channels to try for a person, in which order, and where to fall
//! back when one fails.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::outcome::OutcomeClass;

/// A way to reach a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Zalo Notification Service: a registered template sent to a phone number.
    ZaloZns,
    /// Zalo Official Account free-text message to a follower.
    ZaloOa,
    /// Brandname SMS.
    Sms,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 3] = [Channel::ZaloZns, Channel::ZaloOa, Channel::Sms];

    /// Stored form (`outbox_messages.channel`, `outbox_attempts.channel`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZaloZns => "zalo_zns",
            Self::ZaloOa => "zalo_oa",
            Self::Sms => "sms",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The channel family a person prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferredChannel {
    /// Zalo (OA, then ZNS).
    Zalo,
    /// SMS.
    Sms,
}

impl PreferredChannel {
    /// Stored form (`clients.preferred_channel`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zalo => "zalo",
            Self::Sms => "sms",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        [Self::Zalo, Self::Sms]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// What we know about reaching one person, as far as channel choice needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactProfile {
    /// Consent to SMS for this purpose.
    pub sms_consent: bool,
    /// Consent to Zalo (OA and ZNS) for this purpose.
    pub zalo_consent: bool,
    /// The person replied TU CHOI (or similar): nothing is sent at all.
    pub opted_out: bool,
    /// A valid phone number is on file (ZNS and SMS both need one).
    pub has_phone: bool,
    /// The person's Zalo user id for our OA, learnt when they followed or wrote.
    pub zalo_user_id: Option<String>,
    /// The person's stated preference, if any.
    pub preferred: Option<PreferredChannel>,
    /// When the person last wrote to or interacted with the OA.
    pub oa_last_interaction: Option<DateTime<Utc>>,
}

/// Zalo allows free-text OA messages only this long after the person's last
/// interaction (error -230 outside it).
pub const OA_INTERACTION_WINDOW: TimeDelta = TimeDelta::days(7);

/// The channels to try, in order. Never a channel without consent; nothing
/// after an opt-out. Zalo comes first (OA before ZNS: it is free and the
/// person chose to follow us) unless the person prefers SMS.
pub fn channel_plan(profile: &ContactProfile, now: DateTime<Utc>) -> Vec<Channel> {
    if profile.opted_out {
        return Vec::new();
    }
    let mut zalo = Vec::new();
    if profile.zalo_consent {
        let oa_window_open = profile
            .oa_last_interaction
            .is_some_and(|last| now - last <= OA_INTERACTION_WINDOW);
        if profile.zalo_user_id.is_some() && oa_window_open {
            zalo.push(Channel::ZaloOa);
        }
        if profile.has_phone {
            zalo.push(Channel::ZaloZns);
        }
    }
    let sms = (profile.sms_consent && profile.has_phone).then_some(Channel::Sms);
    match profile.preferred {
        Some(PreferredChannel::Sms) => sms.into_iter().chain(zalo).collect(),
        _ => zalo.into_iter().chain(sms).collect(),
    }
}

/// A message's own channel list (an escalation level chooses its channels), stored as the
/// channels' names joined by commas (`outbox_messages.channels`).
pub fn list_to_stored(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses [`list_to_stored`]; a name this build does not know is skipped.
pub fn list_from_stored(s: &str) -> Vec<Channel> {
    s.split(',').filter_map(Channel::from_stored).collect()
}

/// The recipient's `plan` narrowed to the channels a message names, in the message's order:
/// a channel the recipient cannot receive (no consent, no address, not configured) is left
/// out, and none is added.
pub fn pinned_plan(plan: &[Channel], pinned: &[Channel]) -> Vec<Channel> {
    pinned
        .iter()
        .copied()
        .filter(|c| plan.contains(c))
        .collect()
}

/// The channel to try after `failed` failed with `class`, or `None` to stop
/// falling back. Only failures tied to the channel move on
/// (RecipientUnreachable, ChannelUnavailable, Permanent); an Ambiguous
/// failure never does, since the message may already be on the phone, and
/// retry or reschedule stays on the same channel.
pub fn next_channel(plan: &[Channel], failed: Channel, class: &OutcomeClass) -> Option<Channel> {
    let moves_on = matches!(
        class,
        OutcomeClass::RecipientUnreachable { .. }
            | OutcomeClass::ChannelUnavailable { .. }
            | OutcomeClass::Permanent { .. }
    );
    if !moves_on {
        return None;
    }
    let pos = plan.iter().position(|c| *c == failed)?;
    plan.get(pos + 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap()
    }

    #[test]
    fn stored_channel_names_are_the_ones_in_the_database_and_read_back() {
        let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["zalo_zns", "zalo_oa", "sms"]);
        for c in Channel::ALL {
            assert_eq!(Channel::from_stored(c.as_str()), Some(c));
        }
        assert_eq!(Channel::from_stored("zalo"), None);
        assert_eq!(PreferredChannel::Zalo.as_str(), "zalo");
        assert_eq!(PreferredChannel::Sms.as_str(), "sms");
        assert_eq!(
            PreferredChannel::from_stored("sms"),
            Some(PreferredChannel::Sms)
        );
        assert_eq!(PreferredChannel::from_stored("zalo_oa"), None);
    }

    fn everyone_agrees() -> ContactProfile {
        ContactProfile {
            sms_consent: true,
            zalo_consent: true,
            opted_out: false,
            has_phone: true,
            zalo_user_id: Some("8123".into()),
            preferred: None,
            oa_last_interaction: Some(now() - TimeDelta::days(2)),
        }
    }

    fn unreachable() -> OutcomeClass {
        OutcomeClass::RecipientUnreachable { reason: "x".into() }
    }

    #[test]
    fn a_pinned_list_orders_the_plan_and_never_widens_it() {
        let plan = [Channel::ZaloOa, Channel::ZaloZns, Channel::Sms];
        assert_eq!(
            pinned_plan(&plan, &[Channel::Sms, Channel::ZaloOa]),
            [Channel::Sms, Channel::ZaloOa]
        );
        assert_eq!(pinned_plan(&[Channel::Sms], &[Channel::ZaloOa]), []);
        let stored = list_to_stored(&[Channel::Sms, Channel::ZaloOa]);
        assert_eq!(stored, "sms,zalo_oa");
        assert_eq!(list_from_stored(&stored), [Channel::Sms, Channel::ZaloOa]);
        assert_eq!(list_from_stored("fax,sms"), [Channel::Sms]);
    }

    #[test]
    fn zalo_first_by_default() {
        let plan = channel_plan(&everyone_agrees(), now());
        assert_eq!(plan, [Channel::ZaloOa, Channel::ZaloZns, Channel::Sms]);
    }

    #[test]
    fn sms_first_when_preferred() {
        let p = ContactProfile {
            preferred: Some(PreferredChannel::Sms),
            ..everyone_agrees()
        };
        assert_eq!(
            channel_plan(&p, now()),
            [Channel::Sms, Channel::ZaloOa, Channel::ZaloZns]
        );
    }

    #[test]
    fn opted_out_gets_nothing() {
        let p = ContactProfile {
            opted_out: true,
            ..everyone_agrees()
        };
        assert!(channel_plan(&p, now()).is_empty());
    }

    #[test]
    fn never_a_channel_without_consent() {
        let p = ContactProfile {
            zalo_consent: false,
            ..everyone_agrees()
        };
        assert_eq!(channel_plan(&p, now()), [Channel::Sms]);
        let p = ContactProfile {
            sms_consent: false,
            ..everyone_agrees()
        };
        assert_eq!(channel_plan(&p, now()), [Channel::ZaloOa, Channel::ZaloZns]);
        assert!(channel_plan(&ContactProfile::default(), now()).is_empty());
    }

    #[test]
    fn oa_only_within_seven_days_of_interaction() {
        let p = ContactProfile {
            oa_last_interaction: Some(now() - TimeDelta::days(7)),
            ..everyone_agrees()
        };
        assert_eq!(channel_plan(&p, now())[0], Channel::ZaloOa);
        let p = ContactProfile {
            oa_last_interaction: Some(now() - TimeDelta::days(7) - TimeDelta::seconds(1)),
            ..everyone_agrees()
        };
        assert_eq!(channel_plan(&p, now()), [Channel::ZaloZns, Channel::Sms]);
        let p = ContactProfile {
            zalo_user_id: None,
            ..everyone_agrees()
        };
        assert_eq!(channel_plan(&p, now()), [Channel::ZaloZns, Channel::Sms]);
    }

    #[test]
    fn no_phone_leaves_only_oa() {
        let p = ContactProfile {
            has_phone: false,
            ..everyone_agrees()
        };
        assert_eq!(channel_plan(&p, now()), [Channel::ZaloOa]);
    }

    #[test]
    fn falls_back_along_the_plan() {
        let plan = channel_plan(&everyone_agrees(), now());
        assert_eq!(
            next_channel(&plan, Channel::ZaloOa, &unreachable()),
            Some(Channel::ZaloZns)
        );
        let config = OutcomeClass::ChannelUnavailable { reason: "x".into() };
        assert_eq!(
            next_channel(&plan, Channel::ZaloZns, &config),
            Some(Channel::Sms)
        );
        let bad = OutcomeClass::Permanent { reason: "x".into() };
        assert_eq!(next_channel(&plan, Channel::Sms, &bad), None);
    }

    #[test]
    fn no_fallback_when_the_message_may_be_out_or_should_wait() {
        let plan = channel_plan(&everyone_agrees(), now());
        for class in [
            OutcomeClass::Ambiguous { reason: "x".into() },
            OutcomeClass::Retryable { reason: "x".into() },
            OutcomeClass::Reschedule {
                retry_after: None,
                reason: "x".into(),
            },
            OutcomeClass::AuthExpired,
            OutcomeClass::Accepted {
                provider_id: "1".into(),
            },
            OutcomeClass::Duplicate { provider_id: None },
        ] {
            assert_eq!(
                next_channel(&plan, Channel::ZaloZns, &class),
                None,
                "{class:?}"
            );
        }
    }

    #[test]
    fn failed_channel_outside_the_plan_stops() {
        assert_eq!(
            next_channel(&[Channel::Sms], Channel::ZaloOa, &unreachable()),
            None
        );
    }
}
