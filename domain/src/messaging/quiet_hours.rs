//! Quiet hours: when non-urgent messages wait until morning.
//!
//! Decree 91/2020/NĐ-CP forbids advertising messages 22:00–07:00. Care
//! messages are not advertising, but respecting sleep is the point, so the
//! default is wider (21:00–07:00 local) and configurable per commune. Urgent
//! officer escalations pass.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::local_time::{local_to_utc, to_local};

/// A daily window of local (Asia/Ho_Chi_Minh) time in which nothing
/// non-urgent is sent. `start` is inside, `end` is outside; the window wraps
/// midnight when `start > end`; `start == end` means no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// First quiet minute.
    pub start: NaiveTime,
    /// First minute allowed again.
    pub end: NaiveTime,
}

/// Builds a constant time; a bad constant fails the build, not a request.
pub(super) const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => panic!("invalid constant time"),
    }
}

/// Default quiet hours: 21:00–07:00 local.
pub const DEFAULT_QUIET_HOURS: QuietHours = QuietHours {
    start: hm(21, 0),
    end: hm(7, 0),
};

/// ZNS refuses to send 22:00–06:00 local (error -133).
pub const ZNS_NIGHT: QuietHours = QuietHours {
    start: hm(22, 0),
    end: hm(6, 0),
};

impl Default for QuietHours {
    fn default() -> Self {
        DEFAULT_QUIET_HOURS
    }
}

impl QuietHours {
    /// Quiet hours from `start` (inclusive) to `end` (exclusive), local time.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        Self { start, end }
    }

    /// True when the local time of day is quiet.
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.start == self.end {
            false
        } else if self.start < self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// The first instant at or after `at` when a message may go out. Urgent
    /// messages go at once.
    pub fn next_allowed(&self, at: DateTime<Utc>, urgent: bool) -> DateTime<Utc> {
        let local = to_local(at);
        let now = local.time();
        if urgent || !self.contains(now) {
            return at;
        }
        let today = local.date_naive();
        // In a wrapping window, the evening part ends tomorrow morning.
        let end_day = if self.start > self.end && now >= self.start {
            match today.succ_opt() {
                Some(d) => d,
                None => return at,
            }
        } else {
            today
        };
        local_to_utc(end_day.and_time(self.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// An instant given in local Vietnamese time (UTC+7).
    fn vn(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap() - chrono::TimeDelta::hours(7)
    }

    #[test]
    fn default_is_nine_pm_to_seven_am() {
        assert_eq!(QuietHours::default(), QuietHours::new(hm(21, 0), hm(7, 0)));
    }

    #[test]
    fn daytime_passes_unchanged() {
        let q = QuietHours::default();
        assert_eq!(q.next_allowed(vn(30, 7, 0), false), vn(30, 7, 0));
        assert_eq!(q.next_allowed(vn(30, 20, 59), false), vn(30, 20, 59));
    }

    #[test]
    fn evening_waits_until_next_morning() {
        let q = QuietHours::default();
        assert_eq!(q.next_allowed(vn(29, 21, 0), false), vn(30, 7, 0));
        assert_eq!(q.next_allowed(vn(29, 23, 59), false), vn(30, 7, 0));
    }

    #[test]
    fn early_morning_waits_until_seven_same_day() {
        let q = QuietHours::default();
        assert_eq!(q.next_allowed(vn(30, 0, 0), false), vn(30, 7, 0));
        assert_eq!(q.next_allowed(vn(30, 6, 59), false), vn(30, 7, 0));
    }

    #[test]
    fn urgent_passes_at_night() {
        let q = QuietHours::default();
        assert_eq!(q.next_allowed(vn(30, 23, 0), true), vn(30, 23, 0));
    }

    #[test]
    fn non_wrapping_window_and_no_window() {
        let lunch = QuietHours::new(hm(11, 30), hm(13, 30));
        assert_eq!(lunch.next_allowed(vn(30, 12, 0), false), vn(30, 13, 30));
        assert_eq!(lunch.next_allowed(vn(30, 14, 0), false), vn(30, 14, 0));
        let none = QuietHours::new(hm(8, 0), hm(8, 0));
        assert_eq!(none.next_allowed(vn(30, 8, 0), false), vn(30, 8, 0));
    }

    #[test]
    fn zns_night_ends_at_six() {
        assert!(ZNS_NIGHT.contains(hm(22, 0)) && ZNS_NIGHT.contains(hm(5, 59)));
        assert!(!ZNS_NIGHT.contains(hm(6, 0)) && !ZNS_NIGHT.contains(hm(21, 59)));
        assert_eq!(ZNS_NIGHT.next_allowed(vn(29, 23, 0), false), vn(30, 6, 0));
    }
}
