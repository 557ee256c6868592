//! The planner: every tick, turn schedules into due work, idempotently. Each step is one
//! transaction or one guarded statement, so a tick killed halfway loses nothing and a tick run
//! twice (or on two workers) changes nothing more.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use store::occurrences::{self, PlanningContext};

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Plans whose occurrences were extended.
    pub plans_planned: usize,
    /// Occurrences that became missed in this tick.
    pub occurrences_missed: usize,
    /// Appointments that became missed in this tick.
    pub appointments_missed: u64,
    /// What the escalation sweep did.
    pub escalations: store::escalation::SweepReport,
    /// Loan instalment reminders queued in this tick.
    pub loan_reminders_queued: usize,
    /// Loan instalments marked overdue (and their case officers alerted) in this tick.
    pub loan_instalments_overdue: usize,
    /// Remembered webhook events forgotten (older than any replay Zalo or eSMS would make).
    pub webhook_events_pruned: u64,
}

/// Webhook events are remembered this long to refuse replays; stale ones are refused by their
/// timestamp anyway (5 minutes), so a day is ample.
const WEBHOOK_MEMORY: chrono::Duration = chrono::Duration::days(1);

/// Plans processed per tick at most (the next tick continues).
const PLANS_PER_TICK: u64 = 500;

/// One planner tick at `now`.
pub async fn tick(
    db: &DatabaseConnection,
    ctx: &PlanningContext,
    now: DateTime<Utc>,
) -> Result<TickReport, DbErr> {
    let mut report = TickReport::default();
    for plan in
        occurrences::plans_needing_materialisation(db, &ctx.policy_defaults, now, PLANS_PER_TICK)
            .await?
    {
        let txn = store::db::begin_write(db).await?;
        match occurrences::materialize(&txn, ctx, &plan, now).await {
            Ok(_) => {
                txn.commit().await?;
                report.plans_planned += 1;
            }
            Err(e) => {
                tracing::error!(plan_id = %plan.id, error = %e, "cannot plan check-ins; skipping this plan")
            }
        }
    }
    report.occurrences_missed = occurrences::mark_missed(db, now).await?.len();
    report.appointments_missed =
        store::appointments::mark_overdue(db, &ctx.policy_defaults, now).await?;
    // After misses are marked, so a miss whose grace is zero escalates in the same tick.
    report.escalations = store::escalation::sweep(db, ctx, now).await?;
    report.loan_reminders_queued = store::loans::remind_due_instalments(db, now).await?;
    report.loan_instalments_overdue = store::loans::mark_overdue(db, now).await?;
    report.webhook_events_pruned = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entities::webhook_event::Entity::delete_many()
            .filter(entities::webhook_event::Column::ReceivedAt.lt(now - WEBHOOK_MEMORY))
            .exec(db)
            .await?
            .rows_affected
    };
    Ok(report)
}
