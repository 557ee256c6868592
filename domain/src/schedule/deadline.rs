//! Deadlines of an occurrence, for the escalation job.

use chrono::{DateTime, Utc};

use super::expand::Occurrence;

/// The instant at which an occurrence without a check-in becomes missed: its window's close.
pub fn missed_at(occurrence: &Occurrence) -> DateTime<Utc> {
    occurrence.closes_at
}

/// Whether a check-in at `checked_in_at` is late: at or after the window closed.
///
/// The window is half-open, `[opens_at, closes_at)`; early check-ins are not late.
pub fn is_late(occurrence: &Occurrence, checked_in_at: DateTime<Utc>) -> bool {
    checked_in_at >= missed_at(occurrence)
}
