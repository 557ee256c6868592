//! The check-in window: when, in local time, a nominal date's check-in opens and for how long.

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::TIME_ZONE;

pub use crate::bounds::MAX_WINDOW_MINUTES;

/// A check-in window: opens at a local wall-clock time and stays open for a fixed duration.
///
/// The duration is elapsed time, so a window may run past local midnight into later days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WindowData")]
pub struct CheckInWindow {
    opens_at: NaiveTime,
    duration_minutes: u32,
}

/// Why a [`CheckInWindow`] cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum WindowError {
    /// The window closes at or before it opens (zero or negative length).
    #[error("the check-in window closes at or before it opens")]
    ClosesBeforeOpening,
    /// The window is longer than [`MAX_WINDOW_MINUTES`].
    #[error("the check-in window lasts {minutes} minutes, more than 7 days")]
    TooLong {
        /// The requested length in minutes.
        minutes: u64,
    },
}

/// The stored form, checked by [`CheckInWindow::new`] when read back.
#[derive(Deserialize)]
struct WindowData {
    opens_at: NaiveTime,
    duration_minutes: u32,
}

impl TryFrom<WindowData> for CheckInWindow {
    type Error = WindowError;

    fn try_from(data: WindowData) -> Result<Self, Self::Error> {
        Self::new(data.opens_at, data.duration_minutes)
    }
}

impl CheckInWindow {
    /// A window opening at local `opens_at` and lasting `duration_minutes` (1..=7 days).
    pub fn new(opens_at: NaiveTime, duration_minutes: u32) -> Result<Self, WindowError> {
        if duration_minutes == 0 {
            return Err(WindowError::ClosesBeforeOpening);
        }
        if duration_minutes > MAX_WINDOW_MINUTES {
            return Err(WindowError::TooLong {
                minutes: u64::from(duration_minutes),
            });
        }
        Ok(Self {
            opens_at,
            duration_minutes,
        })
    }

    /// A window between two local times; `closes_next_day` for one that crosses midnight
    /// (e.g. 20:00 to 02:00). Seconds are dropped to whole minutes.
    pub fn between(
        opens_at: NaiveTime,
        closes_at: NaiveTime,
        closes_next_day: bool,
    ) -> Result<Self, WindowError> {
        let mut minutes = (closes_at - opens_at).num_minutes();
        if closes_next_day {
            minutes += 24 * 60;
        }
        let minutes = u32::try_from(minutes).map_err(|_| WindowError::ClosesBeforeOpening)?;
        Self::new(opens_at, minutes)
    }

    /// Local wall-clock time at which the window opens.
    pub fn opens_at(&self) -> NaiveTime {
        self.opens_at
    }

    /// Length of the window in minutes.
    pub fn duration_minutes(&self) -> u32 {
        self.duration_minutes
    }

    /// The UTC instants at which the window for local `date` opens and closes.
    pub(super) fn instants(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let opens = local_to_utc(date.and_time(self.opens_at))?;
        let length = TimeDelta::try_minutes(i64::from(self.duration_minutes))?;
        Some((opens, opens.checked_add_signed(length)?))
    }
}

/// The UTC instant of a Vietnamese wall-clock time.
///
/// Vietnam has kept UTC+7 without daylight saving since 1975; for the historical clock
/// changes an ambiguous time takes the earlier instant and a skipped time is read with the
/// offset in force before the change, so every local time has exactly one instant.
fn local_to_utc(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match TIME_ZONE.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => {
            let before = local.checked_sub_signed(TimeDelta::try_days(1)?)?;
            let offset = TIME_ZONE.offset_from_utc_datetime(&before).fix();
            Some(local.checked_sub_offset(offset)?.and_utc())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn windows_must_have_a_positive_length_of_at_most_a_week() {
        assert_eq!(
            CheckInWindow::new(time(8, 0), 0),
            Err(WindowError::ClosesBeforeOpening)
        );
        assert_eq!(
            CheckInWindow::new(time(8, 0), MAX_WINDOW_MINUTES + 1),
            Err(WindowError::TooLong { minutes: 10_081 })
        );
        assert!(CheckInWindow::new(time(8, 0), MAX_WINDOW_MINUTES).is_ok());
        assert_eq!(
            CheckInWindow::between(time(17, 0), time(8, 0), false),
            Err(WindowError::ClosesBeforeOpening)
        );
        assert_eq!(
            CheckInWindow::between(time(8, 0), time(8, 0), false),
            Err(WindowError::ClosesBeforeOpening)
        );
    }

    #[test]
    fn a_window_can_cross_local_midnight() {
        let w = CheckInWindow::between(time(20, 0), time(2, 0), true).unwrap();
        assert_eq!(w.duration_minutes(), 6 * 60);
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let (opens, closes) = w.instants(day).unwrap();
        assert_eq!(opens.to_rfc3339(), "2026-03-02T13:00:00+00:00");
        assert_eq!(closes.to_rfc3339(), "2026-03-02T19:00:00+00:00");
    }

    #[test]
    fn local_eight_o_clock_is_one_o_clock_utc() {
        let w = CheckInWindow::between(time(8, 0), time(11, 30), false).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let (opens, closes) = w.instants(day).unwrap();
        assert_eq!(opens.to_rfc3339(), "2026-03-02T01:00:00+00:00");
        assert_eq!(closes.to_rfc3339(), "2026-03-02T04:30:00+00:00");
    }
}
