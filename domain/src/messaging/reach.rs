//! The reachability watch (issue 13, item 3): when a client counts as unreachable, so that a
//! person visits or updates the number instead of every reminder silently going nowhere.
//!
//! A client becomes unreachable when `N` of their messages in a row ended failed (no channel
//! reached them; `UNREACHABLE_AFTER_MESSAGES`), or at once when one message failed because
//! every channel it tried refused the person for good (not on Zalo, a malformed number). The
//! officers are told once per episode; the episode ends when a message gets through.

use super::{Channel, outcome::AttemptOutcome};

/// Failed messages in a row after which a client is unreachable, by default.
pub const DEFAULT_UNREACHABLE_AFTER: u32 = 3;

/// The largest `UNREACHABLE_AFTER_MESSAGES` accepted: about two months of weekly prompts.
pub const MAX_UNREACHABLE_AFTER: u32 = 20;

/// Whether a message that ended failed with this stored `last_outcome` counts against the
/// client. Failures that are the deployment's problem (a template Zalo refused, an eSMS
/// balance too low, a token that cannot be refreshed) say nothing about the person and
/// neither count nor end an episode; everything else (unreachable, permanent, retries spent)
/// counts.
pub fn failure_counts(last_outcome: &str) -> bool {
    !matches!(
        AttemptOutcome::from_stored(last_outcome),
        Some(AttemptOutcome::ChannelUnavailable | AttemptOutcome::AuthExpired)
    )
}

/// Whether an attempt's outcome refuses the person on that channel for good.
fn refuses_person(outcome: AttemptOutcome) -> bool {
    matches!(
        outcome,
        AttemptOutcome::RecipientUnreachable | AttemptOutcome::Permanent
    )
}

/// Whether every channel a failed message tried refused the person for good: each channel
/// among `attempts` (channel, outcome) has a permanent refusal. False with no attempt.
pub fn refused_on_every_channel(attempts: &[(Channel, AttemptOutcome)]) -> bool {
    !attempts.is_empty()
        && attempts.iter().all(|(channel, _)| {
            attempts
                .iter()
                .any(|(c, o)| c == channel && refuses_person(*o))
        })
}

/// Whether a client with `consecutive_failures` (this failure included) becomes unreachable
/// now, given the threshold and whether this message was refused on every channel.
pub fn becomes_unreachable(
    consecutive_failures: u32,
    refused_everywhere: bool,
    threshold: u32,
) -> bool {
    refused_everywhere || consecutive_failures >= threshold.clamp(1, MAX_UNREACHABLE_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptOutcome::*;
    use Channel::*;

    #[test]
    fn deployment_problems_do_not_count_against_the_person() {
        for counted in ["recipient_unreachable", "permanent", "retryable"] {
            assert!(failure_counts(counted), "{counted}");
        }
        for not in ["channel_unavailable", "auth_expired"] {
            assert!(!failure_counts(not), "{not}");
        }
    }

    #[test]
    fn refused_everywhere_needs_a_lasting_refusal_on_each_channel_tried() {
        assert!(refused_on_every_channel(&[
            (ZaloZns, RecipientUnreachable),
            (Sms, Permanent)
        ]));
        // SMS only failed for a while: another message may get through.
        assert!(!refused_on_every_channel(&[
            (ZaloZns, RecipientUnreachable),
            (Sms, Retryable),
            (Sms, Retryable)
        ]));
        assert!(refused_on_every_channel(&[
            (Sms, Retryable),
            (Sms, Permanent)
        ]));
        assert!(!refused_on_every_channel(&[]));
    }

    #[test]
    fn the_threshold_or_a_refusal_everywhere_makes_a_client_unreachable() {
        assert!(!becomes_unreachable(2, false, 3));
        assert!(becomes_unreachable(3, false, 3));
        assert!(becomes_unreachable(1, true, 3));
        // Out-of-range thresholds are held to their bounds.
        assert!(becomes_unreachable(1, false, 0));
        assert!(becomes_unreachable(20, false, 1000));
        assert!(!becomes_unreachable(19, false, 1000));
    }
}
