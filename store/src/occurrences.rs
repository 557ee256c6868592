//! Check-in occurrences: materialising a plan's windows ahead of time (with their prompts in
//! the outbox) and marking windows that closed without a check-in as missed.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::{
    messaging::templates::{TemplateKey, Vars},
    schedule::{
        CheckInRule, CheckInWindow, HolidayCalendar, HolidayPolicy, Pause, Plan, PlanError, expand,
    },
};
use entities::{check_in_occurrence, check_in_plan, client, order_pause};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::{
    links::{self, LinkKey},
    outbox::{self, DedupeKey, NewMessage, Recipient},
    policy::Policy,
};

/// Occurrence states, stored as `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrenceStatus {
    /// Waiting for its window, or open.
    Scheduled,
    /// Checked in within the window.
    CheckedIn,
    /// Checked in after the window closed.
    Late,
    /// The window closed with no check-in.
    Missed,
    /// Withdrawn by a plan change.
    Cancelled,
}

impl OccurrenceStatus {
    /// All states.
    pub const ALL: [OccurrenceStatus; 5] = [
        Self::Scheduled,
        Self::CheckedIn,
        Self::Late,
        Self::Missed,
        Self::Cancelled,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::CheckedIn => "checked_in",
            Self::Late => "late",
            Self::Missed => "missed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Rebuilds the domain plan of a stored plan, with the order's pauses.
pub fn domain_plan(row: &check_in_plan::Model, pauses: Vec<Pause>) -> Result<Plan, PlanError> {
    let rule: CheckInRule =
        serde_json::from_str(&row.rule).map_err(|_| PlanError::NoOccurrences)?;
    let opens_at = NaiveTime::parse_from_str(&row.window_opens_at, "%H:%M")
        .map_err(|_| PlanError::NoOccurrences)?;
    let minutes = u32::try_from(row.window_minutes).map_err(|_| PlanError::NoOccurrences)?;
    let window = CheckInWindow::new(opens_at, minutes).map_err(|_| PlanError::NoOccurrences)?;
    // An unknown stored name (none is ever written) reads as the default.
    let policy = HolidayPolicy::from_stored(&row.holiday_policy).unwrap_or_default();
    Plan::new(rule, window, row.starts_on, row.ends_on, pauses, policy)
}

/// The pauses of an order, as plan pauses.
pub async fn order_pauses(db: &impl ConnectionTrait, order_id: Uuid) -> Result<Vec<Pause>, DbErr> {
    Ok(order_pause::Entity::find()
        .filter(order_pause::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| Pause {
            from: p.starts_on,
            to: p.ends_on,
        })
        .collect())
}

/// What materialising needs besides the plan.
#[derive(Debug, Clone)]
pub struct PlanningContext {
    /// Public holidays.
    pub calendar: HolidayCalendar,
    /// Signing key of check-in links.
    pub link_key: LinkKey,
    /// Base URL of links, e.g. `https://donghanh.example.vn`.
    pub public_base_url: String,
    /// Deployment policy defaults.
    pub policy_defaults: Policy,
    /// Deployment escalation policy (communes may replace it).
    pub escalation_defaults: domain::escalation::EscalationPolicy,
}

/// Writes the plan's occurrences whose windows close after `now` and open before
/// `now + horizon`, and queues their prompt and nudge. Idempotent: occurrences are unique per
/// plan and nominal date, messages per dedupe key.
pub async fn materialize(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    row: &check_in_plan::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let policy = crate::policy::policy_for(db, &ctx.policy_defaults, &row.commune_code).await?;
    let pauses = order_pauses(db, row.order_id).await?;
    let plan =
        domain_plan(row, pauses).map_err(|e| DbErr::Custom(format!("plan {}: {e}", row.id)))?;
    let until = now + policy.planning_horizon;
    // Start a week back so a window that is open right now is not missed.
    let due: Vec<_> = expand(&plan, &ctx.calendar, now - Duration::days(8), until)
        .into_iter()
        .filter(|o| o.closes_at > now)
        .collect();
    if !due.is_empty() {
        let rows = due.iter().map(|o| check_in_occurrence::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(row.id),
            client_id: Set(row.client_id),
            commune_code: Set(row.commune_code.clone()),
            scheduled_on: Set(o.scheduled_on),
            due_on: Set(o.due_on),
            opens_at: Set(o.opens_at),
            closes_at: Set(o.closes_at),
            status: Set(OccurrenceStatus::Scheduled.as_str().to_owned()),
            missed_at: Set(None),
            created_at: Set(now),
        });
        check_in_occurrence::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    check_in_occurrence::Column::PlanId,
                    check_in_occurrence::Column::ScheduledOn,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    let stored = check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::PlanId.eq(row.id))
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Scheduled.as_str()))
        .filter(check_in_occurrence::Column::ClosesAt.gt(now))
        .filter(check_in_occurrence::Column::OpensAt.lt(until))
        .all(db)
        .await?;
    if !stored.is_empty() {
        let name = client::Entity::find_by_id(row.client_id)
            .one(db)
            .await?
            .map(|c| c.full_name)
            .unwrap_or_default();
        for occ in &stored {
            queue_prompts(db, ctx, &policy, occ, &name, now).await?;
        }
    }
    let mut plan_update: check_in_plan::ActiveModel = row.clone().into();
    plan_update.planned_until = Set(Some(until));
    plan_update.update(db).await?;
    Ok(stored.len())
}

async fn queue_prompts(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    policy: &Policy,
    occ: &check_in_occurrence::Model,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let token = links::issue(db, &ctx.link_key, occ.id, now).await?;
    let vars = Vars::new()
        .with("name", name)
        .with("link", links::url(&ctx.public_base_url, &token));
    let message = |template: TemplateKey, dedupe_key: DedupeKey, due_at| NewMessage {
        dedupe_key,
        recipient: Recipient::Client(occ.client_id),
        commune_code: occ.commune_code.clone(),
        template,
        vars: vars.clone(),
        due_at,
        expires_at: Some(occ.closes_at),
        urgent: false,
        source_type: "check_in_occurrence",
        source_id: Some(occ.id),
    };
    outbox::enqueue(
        db,
        message(
            TemplateKey::CheckInPrompt,
            DedupeKey::check_in_prompt(occ.id),
            occ.opens_at,
        ),
        now,
    )
    .await?;
    let nudge_at = occ.closes_at - policy.nudge_before_close;
    if nudge_at > occ.opens_at {
        outbox::enqueue(
            db,
            message(
                TemplateKey::CheckInNudge,
                DedupeKey::check_in_nudge(occ.id),
                nudge_at,
            ),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Marks every scheduled occurrence whose window closed at or before `now` as missed, at the
/// deterministic instant `closes_at`. One guarded UPDATE: running it twice, or on two workers
/// at once, marks each occurrence once; the returned rows are exactly the newly missed ones.
pub async fn mark_missed(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<check_in_occurrence::Model>, DbErr> {
    let missed = check_in_occurrence::Entity::update_many()
        .col_expr(
            check_in_occurrence::Column::Status,
            Expr::value(OccurrenceStatus::Missed.as_str()),
        )
        .col_expr(
            check_in_occurrence::Column::MissedAt,
            Expr::col(check_in_occurrence::Column::ClosesAt),
        )
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Scheduled.as_str()))
        .filter(check_in_occurrence::Column::ClosesAt.lte(now))
        .exec_with_returning(db)
        .await?;
    for occ in &missed {
        // A prompt still waiting (deferred by quiet hours) is pointless once the window closed.
        outbox::cancel_for_source(db, "check_in_occurrence", occ.id, now).await?;
    }
    Ok(missed)
}

/// Plans that need occurrences beyond what is materialised (planned less than half a horizon
/// ahead), still running on `today`.
pub async fn plans_needing_materialisation(
    db: &impl ConnectionTrait,
    defaults: &Policy,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<check_in_plan::Model>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let threshold = now + defaults.planning_horizon / 2;
    let today = domain::time::local_date(now);
    check_in_plan::Entity::find()
        .filter(check_in_plan::Column::ReplacedBy.is_null())
        .filter(check_in_plan::Column::EndsOn.gte(today))
        .filter(
            sea_orm::Condition::any()
                .add(check_in_plan::Column::PlannedUntil.is_null())
                .add(check_in_plan::Column::PlannedUntil.lt(threshold)),
        )
        .order_by_asc(check_in_plan::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Withdraws an order's occurrences that have not opened yet (all of them, or those due within
/// `days`), cancelling their queued prompts. Used when an order is paused, suspended or closed.
pub async fn withdraw_for_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let plan_ids: Vec<Uuid> = check_in_plan::Entity::find()
        .filter(check_in_plan::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if plan_ids.is_empty() {
        return Ok(0);
    }
    let mut query = check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::PlanId.is_in(plan_ids))
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Scheduled.as_str()))
        .filter(check_in_occurrence::Column::OpensAt.gt(now));
    if let Some((from, to)) = days {
        query = query.filter(check_in_occurrence::Column::DueOn.between(from, to));
    }
    let withdrawn = query.all(db).await?;
    for occ in &withdrawn {
        outbox::cancel_for_source(db, "check_in_occurrence", occ.id, now).await?;
    }
    check_in_occurrence::Entity::update_many()
        .col_expr(
            check_in_occurrence::Column::Status,
            Expr::value(OccurrenceStatus::Cancelled.as_str()),
        )
        .filter(check_in_occurrence::Column::Id.is_in(withdrawn.iter().map(|o| o.id)))
        .exec(db)
        .await?;
    Ok(withdrawn.len() as u64)
}

/// Ends an order's running plans today (the order left `active`); a resumed order gets a new plan.
pub async fn end_plans_for_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let today = domain::time::local_date(now);
    check_in_plan::Entity::update_many()
        .col_expr(check_in_plan::Column::EndsOn, Expr::value(today))
        .col_expr(check_in_plan::Column::UpdatedAt, Expr::value(now))
        .filter(check_in_plan::Column::OrderId.eq(order_id))
        .filter(check_in_plan::Column::EndsOn.gt(today))
        .exec(db)
        .await?;
    withdraw_for_order(db, order_id, None, now)
        .await
        .map(|_| ())
}
