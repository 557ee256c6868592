//! Retry timing: exponential backoff with full jitter.
//!
//! Full jitter (a uniform delay between zero and the exponential ceiling)
//! spreads retries of many messages that failed together, e.g. after a
//! gateway outage, instead of sending them back in synchronized waves.

use std::time::Duration;

use rand::Rng;

/// Delay before retry number `attempt` (0 for the first retry): uniform in
/// `[0, min(cap, base * 2^attempt)]`. Never panics or overflows, however
/// large `attempt` is.
pub fn retry_delay(attempt: u32, base: Duration, cap: Duration, rng: &mut impl Rng) -> Duration {
    let ceiling = 1u32
        .checked_shl(attempt)
        .and_then(|factor| base.checked_mul(factor))
        .map_or(cap, |d| d.min(cap));
    let max_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rng.gen_range(0..=max_nanos))
}

/// How many times, and how far apart, a `Retryable` send is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first retry delay.
    pub base: Duration,
    /// Largest ceiling any retry delay can have.
    pub cap: Duration,
    /// Total attempts, the first send included.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 30 s doubling up to 30 min, six attempts: the whole run stays within a
    /// couple of hours, well inside eSMS's 24-hour `RequestId` dedup window.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(30 * 60),
            max_attempts: 6,
        }
    }
}

impl RetryPolicy {
    /// True while another attempt is allowed after `attempts_made` attempts.
    pub fn may_retry(&self, attempts_made: u32) -> bool {
        attempts_made < self.max_attempts
    }

    /// Delay before the next attempt after `attempts_made` attempts, or `None`
    /// when attempts are exhausted and the failure is final.
    pub fn next_delay(&self, attempts_made: u32, rng: &mut impl Rng) -> Option<Duration> {
        if !self.may_retry(attempts_made) {
            return None;
        }
        let retry_index = attempts_made.saturating_sub(1);
        Some(retry_delay(retry_index, self.base, self.cap, rng))
    }
}

/// Attempts after an `AuthExpired`: refresh the token, then retry once.
pub const AUTH_RETRIES: u32 = 1;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const BASE: Duration = Duration::from_secs(1);
    const CAP: Duration = Duration::from_secs(60);

    #[test]
    fn same_seed_same_delays() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..8)
                .map(|a| retry_delay(a, BASE, CAP, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn delays_stay_under_the_exponential_ceiling_and_the_cap() {
        let mut rng = StdRng::seed_from_u64(42);
        for attempt in 0..40 {
            let ceiling = BASE.saturating_mul(1u32 << attempt.min(31)).min(CAP);
            for _ in 0..50 {
                assert!(
                    retry_delay(attempt, BASE, CAP, &mut rng) <= ceiling,
                    "{attempt}"
                );
            }
        }
    }

    #[test]
    fn jitter_uses_the_whole_range() {
        let mut rng = StdRng::seed_from_u64(1);
        let delays: Vec<_> = (0..200)
            .map(|_| retry_delay(5, BASE, CAP, &mut rng))
            .collect();
        assert!(delays.iter().any(|d| *d < Duration::from_secs(8)));
        assert!(delays.iter().any(|d| *d > Duration::from_secs(24)));
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let mut rng = StdRng::seed_from_u64(3);
        let d = retry_delay(u32::MAX, Duration::MAX, Duration::MAX, &mut rng);
        assert!(d <= Duration::from_nanos(u64::MAX));
        assert_eq!(
            retry_delay(3, Duration::ZERO, CAP, &mut rng),
            Duration::ZERO
        );
    }

    #[test]
    fn policy_bounds_attempts() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(9);
        assert!(
            policy
                .next_delay(1, &mut rng)
                .is_some_and(|d| d <= Duration::from_secs(30))
        );
        assert!(policy.next_delay(5, &mut rng).is_some());
        assert_eq!(policy.next_delay(6, &mut rng), None);
        assert!(!policy.may_retry(6));
    }
}
