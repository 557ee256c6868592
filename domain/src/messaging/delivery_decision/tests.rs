//! Every branch of the decision, as tables: facts in, action out.

use std::time::Duration as StdDuration;

use chrono::TimeZone;
use rand::{SeedableRng, rngs::StdRng};

use super::*;
use crate::messaging::quiet_hours::DEFAULT_QUIET_HOURS;

use Channel::{Sms, ZaloOa, ZaloZns};

/// 10:00 in Hà Nội: outside the default quiet hours.
fn day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap()
}

/// 22:00 in Hà Nội: quiet until 07:00 local, 00:00 UTC the next day.
fn night() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap()
}

fn morning_after_night() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

/// Zero-length backoff: a retry's instant is exactly `now` (the jitter has its own test).
fn rules() -> DeliveryRules {
    DeliveryRules {
        retry: RetryPolicy {
            base: StdDuration::ZERO,
            cap: StdDuration::ZERO,
            max_attempts: 4,
        },
        fallback_after_attempts: 3,
        reconcile_after: Duration::minutes(30),
    }
}

const OA_THEN_SMS: &[Channel] = &[ZaloOa, Sms];
const SMS_ONLY: &[Channel] = &[Sms];

fn sendable(plan: &'static [Channel]) -> BeforeSend<'static> {
    BeforeSend {
        now: day(),
        interrupted_in_doubt: false,
        expires_at: None,
        template_known: true,
        recipient: Some(Recipient {
            plan,
            opted_out: false,
        }),
        quiet_hours: &DEFAULT_QUIET_HOURS,
        urgent: false,
        channel_index: 0,
        last_ambiguous: false,
    }
}

fn s(text: &str) -> String {
    text.to_owned()
}

/// Only SMS (eSMS, the console) drops repeats in these tables; Zalo does not.
fn sms_deduplicates(c: Channel) -> bool {
    c == Sms
}

#[test]
fn before_send_table() {
    let base = sendable(OA_THEN_SMS);
    let rows: Vec<(&str, BeforeSend<'static>, Step)> = vec![
        (
            "an interrupted call on a channel without dedup waits for a receipt",
            BeforeSend {
                interrupted_in_doubt: true,
                expires_at: Some(day() - Duration::hours(1)),
                ..base
            },
            Step::Settle(DeliveryAction::AwaitReceipt {
                until: day() + Duration::minutes(30),
                reason: s("worker stopped mid-send; awaiting receipt"),
                uncount_attempt: true,
            }),
        ),
        (
            "past its expiry",
            BeforeSend {
                expires_at: Some(day()),
                ..base
            },
            Step::Settle(DeliveryAction::Expire {
                reason: s("its time has passed"),
            }),
        ),
        (
            "a template this build does not know",
            BeforeSend {
                template_known: false,
                recipient: None,
                ..base
            },
            Step::Settle(DeliveryAction::Fail {
                reason: s("unknown template"),
                outcome: AttemptOutcome::Permanent,
            }),
        ),
        (
            "the recipient is gone",
            BeforeSend {
                recipient: None,
                ..base
            },
            Step::Settle(DeliveryAction::Suppress {
                reason: s("recipient unknown"),
            }),
        ),
        (
            "opted out",
            BeforeSend {
                recipient: Some(Recipient {
                    plan: &[],
                    opted_out: true,
                }),
                ..base
            },
            Step::Settle(DeliveryAction::Suppress {
                reason: s("opted out"),
            }),
        ),
        (
            "no consented channel",
            BeforeSend {
                recipient: Some(Recipient {
                    plan: &[],
                    opted_out: false,
                }),
                ..base
            },
            Step::Settle(DeliveryAction::Suppress {
                reason: s("no consented channel"),
            }),
        ),
        (
            "quiet hours outlast the expiry",
            BeforeSend {
                now: night(),
                expires_at: Some(morning_after_night()),
                ..base
            },
            Step::Settle(DeliveryAction::Expire {
                reason: s("quiet hours last until it is no longer useful"),
            }),
        ),
        (
            "quiet hours defer it to the morning",
            BeforeSend {
                now: night(),
                expires_at: Some(morning_after_night() + Duration::minutes(1)),
                ..base
            },
            Step::Settle(DeliveryAction::Defer {
                until: morning_after_night(),
                reason: s("quiet hours"),
            }),
        ),
        (
            "urgent messages ignore quiet hours",
            BeforeSend {
                now: night(),
                urgent: true,
                ..base
            },
            Step::Send {
                index: 0,
                channel: ZaloOa,
            },
        ),
        (
            "past the end of the plan",
            BeforeSend {
                channel_index: 2,
                ..base
            },
            Step::Settle(DeliveryAction::Fail {
                reason: s("every channel failed"),
                outcome: AttemptOutcome::Permanent,
            }),
        ),
        (
            "unconfirmed on Zalo with SMS next: fall back",
            BeforeSend {
                last_ambiguous: true,
                ..base
            },
            Step::Settle(DeliveryAction::FallBack {
                index: 1,
                reason: s("unconfirmed; trying next channel"),
                after_transient: false,
            }),
        ),
        (
            "unconfirmed on the last channel, which cannot deduplicate: park",
            BeforeSend {
                last_ambiguous: true,
                recipient: Some(Recipient {
                    plan: &[ZaloZns, ZaloOa],
                    opted_out: false,
                }),
                channel_index: 1,
                ..base
            },
            Step::Settle(DeliveryAction::Park {
                reason: s("no receipt; not resent to avoid a duplicate"),
            }),
        ),
        (
            "unconfirmed on a channel that deduplicates: send again",
            BeforeSend {
                last_ambiguous: true,
                channel_index: 1,
                ..base
            },
            Step::Send {
                index: 1,
                channel: Sms,
            },
        ),
        (
            "nothing in the way: send on the current channel",
            base,
            Step::Send {
                index: 0,
                channel: ZaloOa,
            },
        ),
    ];
    for (name, facts, expected) in rows {
        assert_eq!(
            before_send(&facts, &rules(), sms_deduplicates),
            expected,
            "{name}"
        );
    }
}

fn sent_on(plan: &'static [Channel], index: usize, attempts: u32) -> AfterSend<'static> {
    AfterSend {
        now: day(),
        plan,
        index,
        channel: plan[index],
        channel_attempts: attempts,
        deduplicates: sms_deduplicates(plan[index]),
    }
}

#[test]
fn after_send_table() {
    let reason = |r: &str| s(r);
    let rows: Vec<(&str, AfterSend<'static>, OutcomeClass, DeliveryAction)> = vec![
        (
            "accepted",
            sent_on(OA_THEN_SMS, 0, 1),
            OutcomeClass::Accepted {
                provider_id: s("p-1"),
            },
            DeliveryAction::Sent {
                provider_id: Some(s("p-1")),
            },
        ),
        (
            "a duplicate counts as sent",
            sent_on(SMS_ONLY, 0, 1),
            OutcomeClass::Duplicate { provider_id: None },
            DeliveryAction::Sent { provider_id: None },
        ),
        (
            "transient failure, retries left, no next channel: retry",
            sent_on(SMS_ONLY, 0, 3),
            OutcomeClass::Retryable {
                reason: reason("timeout"),
            },
            DeliveryAction::Retry {
                at: day(),
                reason: s("timeout"),
            },
        ),
        (
            "transient failure below the fallback count: retry on the same channel",
            sent_on(OA_THEN_SMS, 0, 2),
            OutcomeClass::Retryable {
                reason: reason("timeout"),
            },
            DeliveryAction::Retry {
                at: day(),
                reason: s("timeout"),
            },
        ),
        (
            "transient failure at the fallback count with a next channel: fall back",
            sent_on(OA_THEN_SMS, 0, 3),
            OutcomeClass::Retryable {
                reason: reason("timeout"),
            },
            DeliveryAction::FallBack {
                index: 1,
                reason: s("timeout; 3 attempts, trying next channel"),
                after_transient: true,
            },
        ),
        (
            "transient failure, retries spent, no next channel: give up",
            sent_on(SMS_ONLY, 0, 4),
            OutcomeClass::Retryable {
                reason: reason("timeout"),
            },
            DeliveryAction::Fail {
                reason: s("gave up after 4 attempts: timeout"),
                outcome: AttemptOutcome::Retryable,
            },
        ),
        (
            "token refused after refresh is transient",
            sent_on(OA_THEN_SMS, 0, 1),
            OutcomeClass::AuthExpired,
            DeliveryAction::Retry {
                at: day(),
                reason: s("access token refused after refresh"),
            },
        ),
        (
            "reschedule with a hint",
            sent_on(SMS_ONLY, 0, 1),
            OutcomeClass::Reschedule {
                retry_after: Some(StdDuration::from_secs(90)),
                reason: reason("rate limited"),
            },
            DeliveryAction::Defer {
                until: day() + Duration::seconds(90),
                reason: s("rate limited"),
            },
        ),
        (
            "reschedule without a hint waits five minutes",
            sent_on(SMS_ONLY, 0, 1),
            OutcomeClass::Reschedule {
                retry_after: None,
                reason: reason("night rule"),
            },
            DeliveryAction::Defer {
                until: day() + Duration::minutes(5),
                reason: s("night rule"),
            },
        ),
        (
            "ambiguous on a channel that deduplicates is transient",
            sent_on(&[Sms, ZaloOa], 0, 1),
            OutcomeClass::Ambiguous {
                reason: reason("read timeout"),
            },
            DeliveryAction::Retry {
                at: day(),
                reason: s("read timeout"),
            },
        ),
        (
            "ambiguous on a channel that cannot deduplicate waits for a receipt",
            sent_on(OA_THEN_SMS, 0, 1),
            OutcomeClass::Ambiguous {
                reason: reason("read timeout"),
            },
            DeliveryAction::AwaitReceipt {
                until: day() + Duration::minutes(30),
                reason: s("read timeout"),
                uncount_attempt: false,
            },
        ),
        (
            "unreachable with a next channel: fall back",
            sent_on(OA_THEN_SMS, 0, 1),
            OutcomeClass::RecipientUnreachable {
                reason: reason("not a follower"),
            },
            DeliveryAction::FallBack {
                index: 1,
                reason: s("not a follower"),
                after_transient: false,
            },
        ),
        (
            "channel unavailable with a next channel: fall back",
            sent_on(OA_THEN_SMS, 0, 1),
            OutcomeClass::ChannelUnavailable {
                reason: reason("no balance"),
            },
            DeliveryAction::FallBack {
                index: 1,
                reason: s("no balance"),
                after_transient: false,
            },
        ),
        (
            "permanent on the last channel: fail with its outcome",
            sent_on(OA_THEN_SMS, 1, 1),
            OutcomeClass::Permanent {
                reason: reason("bad number"),
            },
            DeliveryAction::Fail {
                reason: s("bad number"),
                outcome: AttemptOutcome::Permanent,
            },
        ),
        (
            "unreachable on the last channel: fail with its outcome",
            sent_on(SMS_ONLY, 0, 1),
            OutcomeClass::RecipientUnreachable {
                reason: reason("no phone"),
            },
            DeliveryAction::Fail {
                reason: s("no phone"),
                outcome: AttemptOutcome::RecipientUnreachable,
            },
        ),
    ];
    for (name, facts, class, expected) in rows {
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            after_send(&facts, class, &rules(), &mut rng),
            expected,
            "{name}"
        );
    }
}

#[test]
fn a_retry_waits_within_the_backoff() {
    let rules = DeliveryRules {
        retry: RetryPolicy {
            base: StdDuration::from_secs(30),
            cap: StdDuration::from_secs(600),
            max_attempts: 6,
        },
        ..rules()
    };
    let mut rng = StdRng::seed_from_u64(7);
    for attempts in 1..=5u32 {
        let action = after_send(
            &sent_on(SMS_ONLY, 0, attempts),
            OutcomeClass::Retryable { reason: s("busy") },
            &rules,
            &mut rng,
        );
        let ceiling = Duration::seconds((30i64 << (attempts - 1)).min(600));
        match action {
            DeliveryAction::Retry { at, .. } => {
                assert!(at >= day() && at <= day() + ceiling, "{attempts}: {at}");
            }
            other => panic!("{attempts}: {other:?}"),
        }
    }
}
