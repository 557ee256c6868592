//! What to do with one outbox message: the sender gathers the facts (the message's expiry,
//! its recipient's channel plan, quiet hours, the gateway's answer, attempt counts) and these
//! pure functions say what happens next. The sender then applies the action to the row.
//!
//! [`before_send`] runs before any gateway call and either says which channel to call or
//! settles the message without a call; [`after_send`] turns the gateway's answer into the
//! next step.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::{
    backoff::RetryPolicy,
    channel::{Channel, next_channel},
    outcome::{AttemptOutcome, OutcomeClass},
    quiet_hours::QuietHours,
};

/// The reason a gateway call that a stopped worker never finished is recorded with.
pub const INTERRUPTED: &str = "worker stopped mid-send";

/// The step before any gateway call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Call the gateway of `channel`, the `index`th of the plan.
    Send { index: usize, channel: Channel },
    /// No call: the message is settled this way.
    Settle(DeliveryAction),
}

/// What happens to the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryAction {
    /// A gateway accepted it (or had already).
    Sent { provider_id: Option<String> },
    /// Try the same channel again at `at`.
    Retry { at: DateTime<Utc>, reason: String },
    /// Move on to the `index`th channel of the plan at once. `after_transient` says it was
    /// transient failures on the last channel (stored as `retryable`), not a channel-tied
    /// failure or an unconfirmed send (stored as `fallback`).
    FallBack {
        index: usize,
        reason: String,
        after_transient: bool,
    },
    /// Final failure; `outcome` is the stored `last_outcome`.
    Fail {
        reason: String,
        outcome: AttemptOutcome,
    },
    /// Held back until `until` (quiet hours, a gateway's rate limit or night rule); the
    /// attempt the take counted is given back.
    Defer {
        until: DateTime<Utc>,
        reason: String,
    },
    /// Too late to be useful.
    Expire { reason: String },
    /// Not sent on purpose: no recipient, opted out, or no consented channel.
    Suppress { reason: String },
    /// It may have gone out on a channel that cannot deduplicate: wait for a receipt until
    /// `until` before anything else. `uncount_attempt` when no call was made now.
    AwaitReceipt {
        until: DateTime<Utc>,
        reason: String,
        uncount_attempt: bool,
    },
    /// Still unconfirmed after the receipt window and no channel left: it rests, never resent.
    Park { reason: String },
}

/// The sender's rules, from its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRules {
    /// Backoff of transient failures, counted per channel.
    pub retry: RetryPolicy,
    /// Transient failures on one channel after which the next channel of the plan takes over.
    pub fallback_after_attempts: u32,
    /// How long an unconfirmed send waits for a receipt.
    pub reconcile_after: Duration,
}

/// The message's recipient, as far as the decision needs them.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// Channels to try, in order (consented, configured, fit for the template).
    pub plan: &'a [Channel],
    /// They opted out (an empty plan then says so).
    pub opted_out: bool,
}

/// What is known before a gateway call.
#[derive(Debug, Clone, Copy)]
pub struct BeforeSend<'a> {
    pub now: DateTime<Utc>,
    /// An earlier delivery's call was interrupted on a channel that cannot deduplicate.
    pub interrupted_in_doubt: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// The stored template name is one this build knows.
    pub template_known: bool,
    /// `None` when the recipient row is gone (or the message names none).
    pub recipient: Option<Recipient<'a>>,
    pub quiet_hours: &'a QuietHours,
    pub urgent: bool,
    /// The message's current place in the plan.
    pub channel_index: usize,
    /// The previous call's outcome was ambiguous and no receipt came.
    pub last_ambiguous: bool,
}

/// The step before any gateway call: a channel to call, or a settled message.
/// `deduplicates` says whether a channel's gateway drops repeated sends.
pub fn before_send(
    facts: &BeforeSend<'_>,
    rules: &DeliveryRules,
    deduplicates: impl Fn(Channel) -> bool,
) -> Step {
    let now = facts.now;
    if facts.interrupted_in_doubt {
        return Step::Settle(DeliveryAction::AwaitReceipt {
            until: now + rules.reconcile_after,
            reason: format!("{INTERRUPTED}; awaiting receipt"),
            uncount_attempt: true,
        });
    }
    if facts.expires_at.is_some_and(|at| at <= now) {
        return Step::Settle(expire("its time has passed"));
    }
    if !facts.template_known {
        return Step::Settle(fail("unknown template", AttemptOutcome::Permanent));
    }
    let Some(recipient) = facts.recipient else {
        return Step::Settle(suppress("recipient unknown"));
    };
    if recipient.plan.is_empty() {
        return Step::Settle(suppress(if recipient.opted_out {
            "opted out"
        } else {
            "no consented channel"
        }));
    }
    let allowed = facts.quiet_hours.next_allowed(now, facts.urgent);
    if facts.expires_at.is_some_and(|at| allowed >= at) {
        return Step::Settle(expire("quiet hours last until it is no longer useful"));
    }
    if allowed > now {
        return Step::Settle(DeliveryAction::Defer {
            until: allowed,
            reason: "quiet hours".into(),
        });
    }
    let index = facts.channel_index;
    let Some(&channel) = recipient.plan.get(index) else {
        return Step::Settle(fail("every channel failed", AttemptOutcome::Permanent));
    };
    if facts.last_ambiguous && !deduplicates(channel) {
        // The previous call may have delivered; no receipt came within the reconcile window.
        // Move to the next channel rather than repeat on one that cannot deduplicate.
        return Step::Settle(match recipient.plan.get(index + 1) {
            Some(_) => DeliveryAction::FallBack {
                index: index + 1,
                reason: "unconfirmed; trying next channel".into(),
                after_transient: false,
            },
            None => DeliveryAction::Park {
                reason: "no receipt; not resent to avoid a duplicate".into(),
            },
        });
    }
    Step::Send { index, channel }
}

/// What is known after a gateway call.
#[derive(Debug, Clone, Copy)]
pub struct AfterSend<'a> {
    pub now: DateTime<Utc>,
    pub plan: &'a [Channel],
    /// The channel called, the `index`th of the plan.
    pub index: usize,
    pub channel: Channel,
    /// Attempts on this channel, this one included (needed only for transient failures).
    pub channel_attempts: u32,
    /// The channel's gateway drops repeated sends.
    pub deduplicates: bool,
}

/// The step after the gateway answered `class`. `rng` jitters retry delays.
pub fn after_send(
    facts: &AfterSend<'_>,
    class: OutcomeClass,
    rules: &DeliveryRules,
    rng: &mut impl Rng,
) -> DeliveryAction {
    let now = facts.now;
    match class {
        OutcomeClass::Accepted { provider_id } => DeliveryAction::Sent {
            provider_id: Some(provider_id),
        },
        OutcomeClass::Duplicate { provider_id } => DeliveryAction::Sent { provider_id },
        OutcomeClass::Retryable { reason } => retry_or_fall_back(facts, reason, rules, rng),
        OutcomeClass::AuthExpired => retry_or_fall_back(
            facts,
            "access token refused after refresh".into(),
            rules,
            rng,
        ),
        OutcomeClass::Reschedule {
            retry_after,
            reason,
        } => {
            let wait = retry_after
                .and_then(|d| Duration::from_std(d).ok())
                .unwrap_or(Duration::minutes(5));
            DeliveryAction::Defer {
                until: now + wait,
                reason,
            }
        }
        OutcomeClass::Ambiguous { reason } if facts.deduplicates => {
            retry_or_fall_back(facts, reason, rules, rng)
        }
        OutcomeClass::Ambiguous { reason } => DeliveryAction::AwaitReceipt {
            until: now + rules.reconcile_after,
            reason,
            uncount_attempt: false,
        },
        other @ (OutcomeClass::RecipientUnreachable { .. }
        | OutcomeClass::ChannelUnavailable { .. }
        | OutcomeClass::Permanent { .. }) => {
            let reason = other.reason();
            match next_channel(facts.plan, facts.channel, &other)
                .and_then(|c| facts.plan.iter().position(|p| *p == c))
                .filter(|i| *i > facts.index)
            {
                Some(index) => DeliveryAction::FallBack {
                    index,
                    reason,
                    after_transient: false,
                },
                None => DeliveryAction::Fail {
                    reason,
                    outcome: other.outcome(),
                },
            }
        }
    }
}

/// A transient failure: try the same channel again after a backoff, unless it has failed
/// `fallback_after_attempts` times (or its retries are spent) and the plan has a next
/// channel, which then gets the message at once.
fn retry_or_fall_back(
    facts: &AfterSend<'_>,
    reason: String,
    rules: &DeliveryRules,
    rng: &mut impl Rng,
) -> DeliveryAction {
    let attempts = facts.channel_attempts;
    let has_next = facts.plan.get(facts.index + 1).is_some();
    let spent = !rules.retry.may_retry(attempts);
    if has_next && (spent || attempts >= rules.fallback_after_attempts) {
        return DeliveryAction::FallBack {
            index: facts.index + 1,
            reason: format!("{reason}; {attempts} attempts, trying next channel"),
            after_transient: true,
        };
    }
    match rules.retry.next_delay(attempts, rng) {
        Some(delay) => DeliveryAction::Retry {
            at: facts.now + Duration::from_std(delay).unwrap_or(Duration::minutes(1)),
            reason,
        },
        None => fail(
            &format!("gave up after {attempts} attempts: {reason}"),
            AttemptOutcome::Retryable,
        ),
    }
}

fn expire(reason: &str) -> DeliveryAction {
    DeliveryAction::Expire {
        reason: reason.into(),
    }
}

fn suppress(reason: &str) -> DeliveryAction {
    DeliveryAction::Suppress {
        reason: reason.into(),
    }
}

fn fail(reason: &str, outcome: AttemptOutcome) -> DeliveryAction {
    DeliveryAction::Fail {
        reason: reason.into(),
        outcome,
    }
}

#[cfg(test)]
#[path = "delivery_decision/tests.rs"]
mod tests;
