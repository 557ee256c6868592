//! Writing an escalation's history.

use chrono::{DateTime, Utc};
use entities::escalation_event;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};
use uuid::Uuid;

/// Kinds of history entries, stored as `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Opened at level 1.
    Opened,
    /// A missed check-in, recorded on it (the one that opened it too).
    Missed,
    /// A "need help" reply while it was open.
    HelpRequested,
    /// A missed appointment while it was open (if the policy attaches them).
    AppointmentMissed,
    /// Moved up a level.
    LevelRaised,
    /// The top level timed out; reported.
    TopReported,
    /// An officer took it.
    Acknowledged,
    /// Closed with an outcome.
    Resolved,
    /// The client checked in late while it was open.
    LateCheckIn,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 9] = [
        Self::Opened,
        Self::Missed,
        Self::HelpRequested,
        Self::AppointmentMissed,
        Self::LevelRaised,
        Self::TopReported,
        Self::Acknowledged,
        Self::Resolved,
        Self::LateCheckIn,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Missed => "missed",
            Self::HelpRequested => "help_requested",
            Self::AppointmentMissed => "appointment_missed",
            Self::LevelRaised => "level_raised",
            Self::TopReported => "top_reported",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::LateCheckIn => "late_check_in",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Of which escalation.
    pub escalation_id: Uuid,
    /// What happened.
    pub kind: EventKind,
    /// The level at the time.
    pub level: i32,
    /// The officer who acted.
    pub officer_id: Option<Uuid>,
    /// The record that caused it (`check_in_occurrence`, `check_in`).
    pub source: Option<(&'static str, Uuid)>,
    /// Free text (ack method, outcome).
    pub detail: Option<String>,
}

/// Writes an entry; a cause already recorded with the same kind is not recorded twice.
/// Returns whether it was written.
pub async fn record(
    db: &impl ConnectionTrait,
    event: NewEvent,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (source_type, source_id) = match event.source {
        Some((t, id)) => (Some(t.to_owned()), Some(id)),
        None => (None, None),
    };
    let inserted = escalation_event::Entity::insert(escalation_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        escalation_id: Set(event.escalation_id),
        kind: Set(event.kind.as_str().to_owned()),
        level: Set(event.level),
        occurred_at: Set(now),
        officer_id: Set(event.officer_id),
        source_type: Set(source_type),
        source_id: Set(source_id),
        detail: Set(event.detail),
    })
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}
