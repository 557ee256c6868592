//! What earlier sends taught us about reaching one person on Zalo (issue 13, item 2): a
//! number ZNS reports as not on Zalo (or blocked, inactive) is skipped until a recheck time,
//! and an OA that Zalo refused for a follower is skipped until the person interacts again.
//!
//! Only failures tied to the person are remembered (`RecipientUnreachable`); a channel-wide
//! failure (template, credentials, quota) says nothing about them. A later success clears
//! what was learnt.
//!
//! The knowledge never changes the plan itself (consent and the OA window decide it, in
//! [`super::channel::channel_plan`]): it moves a message's place in the plan past the channels
//! known not to reach the person ([`first_to_try`]). A message's place is stored as an index
//! into the plan, so a plan that shrank between two deliveries of one message (a lesson learnt
//! by its own first attempt) would shift every later channel.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{channel::Channel, outcome::OutcomeClass};

/// Default of `ZNS_NOT_ON_ZALO_RECHECK_DAYS`: how long a number ZNS could not reach is not
/// tried on ZNS again.
pub const DEFAULT_ZNS_RECHECK: TimeDelta = TimeDelta::days(30);
/// Bounds of `ZNS_NOT_ON_ZALO_RECHECK_DAYS`: a day (people install Zalo) to a year.
pub const ZNS_RECHECK_DAYS: std::ops::RangeInclusive<i64> = 1..=365;

/// What outcomes taught us about a person's Zalo channels (`clients.zns_unreachable_until`,
/// `clients.oa_refused_at`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChannelKnowledge {
    /// ZNS reported the number not on Zalo, blocked or inactive: ZNS is not tried before this.
    pub zns_unreachable_until: Option<DateTime<Utc>>,
    /// Zalo refused an OA message to the follower (no interaction within 7 days by Zalo's
    /// count, or not a follower any more): OA is not tried until a later interaction.
    pub oa_refused_at: Option<DateTime<Utc>>,
}

impl ChannelKnowledge {
    /// Whether ZNS is known not to reach the person at `now` (the recheck time not passed).
    pub fn zns_known_unreachable(&self, now: DateTime<Utc>) -> bool {
        self.zns_unreachable_until.is_some_and(|until| now < until)
    }

    /// Whether Zalo refused the OA since the person's last interaction: a later follow or
    /// message (a newer `last_interaction`) lifts it by itself.
    pub fn oa_refused_since(&self, last_interaction: Option<DateTime<Utc>>) -> bool {
        match (self.oa_refused_at, last_interaction) {
            (Some(refused), Some(last)) => refused >= last,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// Something to remember about a person after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lesson {
    /// ZNS cannot reach the number: skip ZNS until `until`. `reason` is the class's reason
    /// (provider code and fixed words, never personal data).
    ZnsUnreachable {
        until: DateTime<Utc>,
        reason: String,
    },
    /// ZNS reached the number: forget an earlier "not on Zalo".
    ZnsReached,
    /// Zalo refused the OA message: skip OA until the person interacts again.
    OaRefused { at: DateTime<Utc>, reason: String },
    /// An OA message went through: forget an earlier refusal.
    OaReached,
}

/// What to remember after an attempt on `channel` answered `class`, given what was known
/// before; `None` when nothing changes (the usual case, so nothing is written).
pub fn lesson(
    channel: Channel,
    class: &OutcomeClass,
    known: &ChannelKnowledge,
    now: DateTime<Utc>,
    zns_recheck: TimeDelta,
) -> Option<Lesson> {
    let reached = matches!(
        class,
        OutcomeClass::Accepted { .. } | OutcomeClass::Duplicate { .. }
    );
    match (channel, class) {
        (Channel::ZaloZns, OutcomeClass::RecipientUnreachable { reason }) => {
            Some(Lesson::ZnsUnreachable {
                until: now + zns_recheck,
                reason: reason.clone(),
            })
        }
        (Channel::ZaloZns, _) if reached && known.zns_unreachable_until.is_some() => {
            Some(Lesson::ZnsReached)
        }
        (Channel::ZaloOa, OutcomeClass::RecipientUnreachable { reason }) => {
            Some(Lesson::OaRefused {
                at: now,
                reason: reason.clone(),
            })
        }
        (Channel::ZaloOa, _) if reached && known.oa_refused_at.is_some() => Some(Lesson::OaReached),
        _ => None,
    }
}

/// The place in `plan` to try, from the message's place `index`: channels known not to reach
/// the person are passed over (ZNS before its recheck time, OA refused since the person's last
/// interaction `oa_last_interaction`), except the plan's last channel, which is tried anyway:
/// a refused ZNS or OA is not billed, and the person may have joined Zalo since. Past the end
/// of the plan, `index` is returned unchanged (every channel failed).
pub fn first_to_try(
    plan: &[Channel],
    index: usize,
    known: &ChannelKnowledge,
    oa_last_interaction: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> usize {
    let mut index = index;
    while index + 1 < plan.len() && known_not_to_reach(plan[index], known, oa_last_interaction, now)
    {
        index += 1;
    }
    index
}

/// Whether earlier sends taught that `channel` does not reach the person at `now`: ZNS until
/// its recheck, OA until the person's next interaction. SMS is never known not to reach.
pub fn known_not_to_reach(
    channel: Channel,
    known: &ChannelKnowledge,
    oa_last_interaction: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match channel {
        Channel::ZaloZns => known.zns_known_unreachable(now),
        Channel::ZaloOa => known.oa_refused_since(oa_last_interaction),
        Channel::Sms => false,
    }
}

/// The recheck delay from `ZNS_NOT_ON_ZALO_RECHECK_DAYS`, or `None` outside
/// [`ZNS_RECHECK_DAYS`].
pub fn zns_recheck_from_days(days: i64) -> Option<TimeDelta> {
    ZNS_RECHECK_DAYS
        .contains(&days)
        .then(|| TimeDelta::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap()
    }

    fn unreachable(code: &str) -> OutcomeClass {
        OutcomeClass::RecipientUnreachable {
            reason: format!("zns {code}: phone not on zalo"),
        }
    }

    fn accepted() -> OutcomeClass {
        OutcomeClass::Accepted {
            provider_id: "m1".into(),
        }
    }

    #[test]
    fn zns_not_on_zalo_is_remembered_until_the_recheck() {
        let known = ChannelKnowledge::default();
        let l = lesson(
            Channel::ZaloZns,
            &unreachable("-118"),
            &known,
            now(),
            DEFAULT_ZNS_RECHECK,
        );
        assert_eq!(
            l,
            Some(Lesson::ZnsUnreachable {
                until: now() + TimeDelta::days(30),
                reason: "zns -118: phone not on zalo".into()
            })
        );
        let known = ChannelKnowledge {
            zns_unreachable_until: Some(now() + TimeDelta::days(30)),
            ..Default::default()
        };
        assert!(known.zns_known_unreachable(now()));
        assert!(known.zns_known_unreachable(now() + TimeDelta::days(30) - TimeDelta::seconds(1)));
        assert!(!known.zns_known_unreachable(now() + TimeDelta::days(30)));
    }

    #[test]
    fn a_zns_success_clears_and_writes_only_when_something_was_known() {
        let known = ChannelKnowledge {
            zns_unreachable_until: Some(now() - TimeDelta::days(1)),
            ..Default::default()
        };
        let recheck = DEFAULT_ZNS_RECHECK;
        assert_eq!(
            lesson(Channel::ZaloZns, &accepted(), &known, now(), recheck),
            Some(Lesson::ZnsReached)
        );
        let dup = OutcomeClass::Duplicate { provider_id: None };
        assert_eq!(
            lesson(Channel::ZaloZns, &dup, &known, now(), recheck),
            Some(Lesson::ZnsReached)
        );
        let nothing = ChannelKnowledge::default();
        assert_eq!(
            lesson(Channel::ZaloZns, &accepted(), &nothing, now(), recheck),
            None
        );
    }

    #[test]
    fn channel_wide_and_transient_failures_teach_nothing_about_the_person() {
        let known = ChannelKnowledge::default();
        for class in [
            OutcomeClass::ChannelUnavailable {
                reason: "zns -131: template".into(),
            },
            OutcomeClass::Retryable { reason: "x".into() },
            OutcomeClass::Reschedule {
                retry_after: None,
                reason: "zns -133".into(),
            },
            OutcomeClass::Ambiguous { reason: "x".into() },
            OutcomeClass::Permanent {
                reason: "zns -108".into(),
            },
            OutcomeClass::AuthExpired,
        ] {
            for channel in Channel::ALL {
                assert_eq!(
                    lesson(channel, &class, &known, now(), DEFAULT_ZNS_RECHECK),
                    None,
                    "{channel:?} {class:?}"
                );
            }
        }
        // An SMS outcome never touches the Zalo knowledge.
        assert_eq!(
            lesson(
                Channel::Sms,
                &OutcomeClass::RecipientUnreachable { reason: "x".into() },
                &known,
                now(),
                DEFAULT_ZNS_RECHECK
            ),
            None
        );
    }

    #[test]
    fn an_oa_refusal_holds_until_the_person_interacts_again() {
        let oa_230 = OutcomeClass::RecipientUnreachable {
            reason: "zalo oa -230: no interaction within 7 days".into(),
        };
        let known = ChannelKnowledge::default();
        let l = lesson(Channel::ZaloOa, &oa_230, &known, now(), DEFAULT_ZNS_RECHECK);
        assert!(matches!(l, Some(Lesson::OaRefused { at, .. }) if at == now()));
        let known = ChannelKnowledge {
            oa_refused_at: Some(now()),
            ..Default::default()
        };
        let before = Some(now() - TimeDelta::days(2));
        assert!(known.oa_refused_since(before));
        assert!(known.oa_refused_since(None));
        assert!(!known.oa_refused_since(Some(now() + TimeDelta::minutes(1))));
        assert!(!ChannelKnowledge::default().oa_refused_since(before));
        assert_eq!(
            lesson(
                Channel::ZaloOa,
                &accepted(),
                &known,
                now(),
                DEFAULT_ZNS_RECHECK
            ),
            Some(Lesson::OaReached)
        );
    }

    use super::super::channel::{ContactProfile, channel_plan};

    fn everyone_agrees() -> ContactProfile {
        ContactProfile {
            sms_consent: true,
            zalo_consent: true,
            opted_out: false,
            has_phone: true,
            zalo_user_id: None,
            preferred: None,
            oa_last_interaction: None,
        }
    }

    /// The channel a message at `index` goes to, given the profile and the knowledge.
    fn tried(
        p: &ContactProfile,
        index: usize,
        known: &ChannelKnowledge,
        at: DateTime<Utc>,
    ) -> Option<Channel> {
        let plan = channel_plan(p, at);
        plan.get(first_to_try(&plan, index, known, p.oa_last_interaction, at))
            .copied()
    }

    #[test]
    fn a_number_not_on_zalo_goes_straight_to_sms_until_the_recheck() {
        let known = ChannelKnowledge {
            zns_unreachable_until: Some(now() + TimeDelta::days(30)),
            ..Default::default()
        };
        let p = everyone_agrees();
        assert_eq!(tried(&p, 0, &known, now()), Some(Channel::Sms));
        assert_eq!(
            tried(&p, 0, &ChannelKnowledge::default(), now()),
            Some(Channel::ZaloZns)
        );
        // The recheck time has come: ZNS is tried again, first.
        let later = now() + TimeDelta::days(30);
        assert_eq!(tried(&p, 0, &known, later), Some(Channel::ZaloZns));
        // A follower inside the window still gets the free OA first.
        let follower = ContactProfile {
            zalo_user_id: Some("8123".into()),
            oa_last_interaction: Some(now() - TimeDelta::days(2)),
            ..everyone_agrees()
        };
        assert_eq!(tried(&follower, 0, &known, now()), Some(Channel::ZaloOa));
        // After the OA failed (place 1), ZNS is passed over for SMS.
        assert_eq!(tried(&follower, 1, &known, now()), Some(Channel::Sms));
    }

    #[test]
    fn the_last_channel_is_tried_anyway_and_consent_still_rules() {
        let known = ChannelKnowledge {
            zns_unreachable_until: Some(now() + TimeDelta::days(30)),
            ..Default::default()
        };
        let zalo_only = ContactProfile {
            sms_consent: false,
            ..everyone_agrees()
        };
        assert_eq!(tried(&zalo_only, 0, &known, now()), Some(Channel::ZaloZns));
        // Knowledge never adds a channel: no consent, nothing.
        let none = ContactProfile {
            sms_consent: false,
            zalo_consent: false,
            ..everyone_agrees()
        };
        assert_eq!(tried(&none, 0, &known, now()), None);
        // Past the end stays past the end (every channel failed).
        let plan = [Channel::ZaloZns, Channel::Sms];
        assert_eq!(first_to_try(&plan, 2, &known, None, now()), 2);
        assert_eq!(first_to_try(&[], 0, &known, None, now()), 0);
    }

    #[test]
    fn an_oa_refusal_passes_the_oa_until_the_person_writes_again() {
        let known = ChannelKnowledge {
            oa_refused_at: Some(now() - TimeDelta::days(1)),
            ..Default::default()
        };
        let p = ContactProfile {
            zalo_user_id: Some("8123".into()),
            oa_last_interaction: Some(now() - TimeDelta::days(2)),
            ..everyone_agrees()
        };
        assert_eq!(tried(&p, 0, &known, now()), Some(Channel::ZaloZns));
        let wrote_since = ContactProfile {
            oa_last_interaction: Some(now() - TimeDelta::hours(1)),
            ..p
        };
        assert_eq!(tried(&wrote_since, 0, &known, now()), Some(Channel::ZaloOa));
    }

    #[test]
    fn the_recheck_is_bounded() {
        assert_eq!(zns_recheck_from_days(30), Some(TimeDelta::days(30)));
        assert_eq!(zns_recheck_from_days(1), Some(TimeDelta::days(1)));
        assert_eq!(zns_recheck_from_days(365), Some(TimeDelta::days(365)));
        assert_eq!(zns_recheck_from_days(0), None);
        assert_eq!(zns_recheck_from_days(366), None);
        assert_eq!(zns_recheck_from_days(-5), None);
    }
}
