//! When a check-in is late.

use chrono::{DateTime, Utc};

/// Whether a check-in at `checked_in_at` is late: at or after its window closed at `closes_at`.
///
/// The window is half-open, `[opens_at, closes_at)`; early check-ins are not late.
pub fn is_late(closes_at: DateTime<Utc>, checked_in_at: DateTime<Utc>) -> bool {
    checked_in_at >= closes_at
}
