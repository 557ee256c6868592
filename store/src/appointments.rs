//! Appointments seen from the worker: their lifecycle states, and the detector that marks an
//! appointment missed when it passed without an outcome.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use entities::{appointment, commune_policy};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr,
};

use crate::policy::{Policy, PolicyOverrides};

/// Where an appointment stands. Stored as the `as_str` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentStatus {
    /// Planned, no outcome yet.
    Scheduled,
    /// The client came.
    Attended,
    /// The client did not come (recorded by an officer, or by the detector after the grace).
    Missed,
    /// Called off.
    Cancelled,
    /// Moved: a new appointment points back to this one.
    Rescheduled,
}

impl AppointmentStatus {
    /// All statuses.
    pub const ALL: [AppointmentStatus; 5] = [
        Self::Scheduled,
        Self::Attended,
        Self::Missed,
        Self::Cancelled,
        Self::Rescheduled,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Attended => "attended",
            Self::Missed => "missed",
            Self::Cancelled => "cancelled",
            Self::Rescheduled => "rescheduled",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The grace of every commune whose policy differs from the deployment default.
async fn graces_that_differ(
    db: &impl ConnectionTrait,
    defaults: &Policy,
) -> Result<BTreeMap<Duration, Vec<String>>, DbErr> {
    let mut groups: BTreeMap<Duration, Vec<String>> = BTreeMap::new();
    for row in commune_policy::Entity::find().all(db).await? {
        let parsed = serde_json::from_str::<PolicyOverrides>(&row.overrides)
            .map_err(|e| e.to_string())
            .and_then(|o| defaults.with_overrides(&o).map_err(|e| e.to_string()));
        let grace = match parsed {
            Ok(policy) => policy.appointment_grace,
            Err(error) => {
                // A broken override must not stop the detector for every other commune; the
                // commune falls back to the default grace until its policy is fixed.
                tracing::warn!(commune = %row.commune_code, %error, "invalid commune policy");
                defaults.appointment_grace
            }
        };
        if grace != defaults.appointment_grace {
            groups.entry(grace).or_default().push(row.commune_code);
        }
    }
    Ok(groups)
}

/// Marks missed, in one guarded statement, the scheduled appointments of the communes selected
/// by `communes` whose end lies at least `grace` before `now`.
async fn mark_with_grace(
    db: &impl ConnectionTrait,
    communes: Condition,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = appointment::Entity::update_many()
        .col_expr(
            appointment::Column::Status,
            Expr::value(AppointmentStatus::Missed.as_str()),
        )
        .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
        // The status guard makes the update idempotent: a second run, or a second worker
        // blocked on the same rows, finds them no longer scheduled and changes nothing.
        .filter(appointment::Column::Status.eq(AppointmentStatus::Scheduled.as_str()))
        .filter(appointment::Column::EndsAt.lte(now - grace))
        .filter(communes)
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Appointments still scheduled whose end plus the commune's grace has passed become missed;
/// returns how many this call changed. Each appointment is marked once, however many times and
/// on however many workers this runs.
pub async fn mark_overdue(
    db: &impl ConnectionTrait,
    defaults: &Policy,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let groups = graces_that_differ(db, defaults).await?;
    let special: BTreeSet<&str> = groups.values().flatten().map(String::as_str).collect();
    let mut marked = mark_with_grace(
        db,
        Condition::all().add(appointment::Column::CommuneCode.is_not_in(special.iter().copied())),
        defaults.appointment_grace,
        now,
    )
    .await?;
    for (grace, communes) in &groups {
        let cond = Condition::all()
            .add(appointment::Column::CommuneCode.is_in(communes.iter().map(String::as_str)));
        marked += mark_with_grace(db, cond, *grace, now).await?;
    }
    if marked > 0 {
        tracing::info!(marked, "appointments marked missed");
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::from_stored(s.as_str()), Some(s));
        }
        assert_eq!(AppointmentStatus::from_stored("done"), None);
    }
}
