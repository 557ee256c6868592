//! When misses open an escalation, and when a new event attaches to the open one instead.

use chrono::{DateTime, Utc};

use super::policy::EscalationPolicy;

/// One past check-in window of a client, as the trigger sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastWindow {
    /// When the window closed.
    pub closes_at: DateTime<Utc>,
    /// Closed with no check-in (a late check-in is not a miss).
    pub missed: bool,
}

/// What a counted miss does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissDecision {
    /// Still in its grace period: a late check-in may yet come.
    Wait,
    /// The client already has an open escalation: the miss is recorded on it.
    Attach,
    /// The thresholds are reached: open a new escalation at level 1.
    Open,
    /// Below the thresholds: nothing yet.
    BelowThreshold,
}

/// Whether the windows (any order) reach either threshold at `now`: `consecutive` misses
/// among the latest windows past their grace, or `misses_to_open` misses within the look-back.
/// Windows still in their grace count as neither misses nor check-ins.
pub fn threshold_reached(
    policy: &EscalationPolicy,
    windows: &[PastWindow],
    now: DateTime<Utc>,
) -> bool {
    let mut settled: Vec<&PastWindow> = windows
        .iter()
        .filter(|w| w.closes_at + policy.grace() <= now)
        .collect();
    settled.sort_by_key(|w| std::cmp::Reverse(w.closes_at));
    let in_a_row = settled.iter().take_while(|w| w.missed).count();
    let since = now - policy.lookback();
    let recent = settled
        .iter()
        .filter(|w| w.missed && w.closes_at >= since)
        .count();
    in_a_row >= policy.consecutive_misses_to_open as usize
        || recent >= policy.misses_to_open as usize
}

/// What a miss closing at `missed_at` does, given the client's past windows and whether an
/// escalation is already open for them (one open escalation per client).
pub fn on_miss(
    policy: &EscalationPolicy,
    missed_at: DateTime<Utc>,
    windows: &[PastWindow],
    has_open: bool,
    now: DateTime<Utc>,
) -> MissDecision {
    if missed_at + policy.grace() > now {
        MissDecision::Wait
    } else if has_open {
        MissDecision::Attach
    } else if threshold_reached(policy, windows, now) {
        MissDecision::Open
    } else {
        MissDecision::BelowThreshold
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap()
    }

    fn w(day: u32, missed: bool) -> PastWindow {
        PastWindow {
            closes_at: at(day),
            missed,
        }
    }

    fn policy(consecutive: u32, total: u32) -> EscalationPolicy {
        EscalationPolicy {
            consecutive_misses_to_open: consecutive,
            misses_to_open: total,
            lookback_days: 10,
            grace_minutes: 60,
            ..EscalationPolicy::default()
        }
    }

    #[test]
    fn thresholds_table() {
        let now = at(20);
        // (windows, consecutive, total, opens)
        let cases: Vec<(Vec<PastWindow>, u32, u32, bool)> = vec![
            (vec![w(19, true)], 1, 9, true),
            (vec![w(19, true)], 2, 9, false),
            (vec![w(18, true), w(19, true)], 2, 9, true),
            // A check-in between breaks the run.
            (vec![w(17, true), w(18, false), w(19, true)], 2, 9, false),
            // …but the total within the look-back still counts.
            (vec![w(17, true), w(18, false), w(19, true)], 5, 2, true),
            // Misses older than the look-back (10 days) do not count.
            (vec![w(1, true), w(2, true), w(19, true)], 5, 2, false),
            // Order of the input does not matter.
            (vec![w(19, true), w(18, true)], 2, 9, true),
        ];
        for (windows, consecutive, total, opens) in cases {
            assert_eq!(
                threshold_reached(&policy(consecutive, total), &windows, now),
                opens,
                "{windows:?} consecutive={consecutive} total={total}"
            );
        }
    }

    #[test]
    fn a_window_in_its_grace_is_neither_miss_nor_check_in() {
        let p = policy(2, 9);
        let closed_just_now = PastWindow {
            closes_at: at(20) - Duration::minutes(30),
            missed: true,
        };
        assert!(!threshold_reached(
            &p,
            &[w(19, true), closed_just_now],
            at(20)
        ));
        assert!(threshold_reached(
            &p,
            &[w(19, true), closed_just_now],
            at(20) + Duration::minutes(30)
        ));
    }

    #[test]
    fn a_miss_waits_attaches_or_opens() {
        let p = policy(1, 9);
        let now = at(20);
        let fresh = now - Duration::minutes(59);
        let settled = now - Duration::minutes(60);
        let windows = [PastWindow {
            closes_at: settled,
            missed: true,
        }];
        assert_eq!(on_miss(&p, fresh, &windows, false, now), MissDecision::Wait);
        assert_eq!(
            on_miss(&p, settled, &windows, true, now),
            MissDecision::Attach
        );
        assert_eq!(
            on_miss(&p, settled, &windows, false, now),
            MissDecision::Open
        );
        assert_eq!(
            on_miss(&policy(2, 9), settled, &windows, false, now),
            MissDecision::BelowThreshold
        );
    }
}
