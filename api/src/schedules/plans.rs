//! Check-in plans: a recurring rule and a local window, attached to a supervision order.
//! Changing a plan changes future occurrences only: the old plan ends the day before the change
//! and a new plan starts on it.

use chrono::{Days, NaiveDate, NaiveTime};
use domain::{
    access::Permission,
    order::OrderStatus,
    schedule::{CheckInRule, CheckInWindow, HolidayPolicy, Plan, PlanError},
    time::local_date,
};
use entities::{check_in_occurrence, check_in_plan, supervision_order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set, sea_query::Expr,
};
use store::occurrences::{self, OccurrenceStatus, PlanningContext};
use uuid::Uuid;

use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    scope::commune_condition,
};

/// A plan as received: the rule, the window, the dates.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// Recurrence rule.
    pub rule: CheckInRule,
    /// Local opening time of the window.
    pub opens_at: NaiveTime,
    /// Window length in minutes.
    pub window_minutes: u32,
    /// First day (default: the order's start or today, whichever is later).
    pub starts_on: Option<NaiveDate>,
    /// Last day (default: the order's end).
    pub ends_on: Option<NaiveDate>,
    /// Holiday policy (default: the commune's).
    pub holiday_policy: Option<HolidayPolicy>,
}

fn plan_error(e: PlanError) -> AppError {
    let field = match e {
        PlanError::Rule(_) | PlanError::NoOccurrences => "rule",
        PlanError::EndsBeforeStart { .. } | PlanError::UnsupportedDate(_) => "endsOn",
        PlanError::PauseEndsBeforeStart { .. } => "pauses",
        PlanError::EffectiveDateOutsidePlan { .. } => "effectiveFrom",
    };
    AppError::field(field, e)
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let p = ctx.principal()?;
    p.require(permission)?;
    Ok(commune_condition(
        &p.scope(),
        check_in_plan::Column::CommuneCode,
    ))
}

/// The subject of a plan in the audit log.
fn subject(p: &check_in_plan::Model) -> Subject<'_> {
    Subject {
        entity_type: "check_in_plan",
        entity_id: Some(p.id),
        commune_code: Some(&p.commune_code),
    }
}

/// Validates `input` against the order and builds the domain plan.
fn build_plan(
    input: &PlanInput,
    order: &supervision_order::Model,
    default_holiday_policy: HolidayPolicy,
    earliest: NaiveDate,
) -> AppResult<Plan> {
    let (Some(order_start), Some(order_end)) = (order.start_date, order.end_date) else {
        return Err(AppError::Conflict(
            "record the order's decision before planning check-ins".into(),
        ));
    };
    input
        .rule
        .check_input()
        .map_err(|e| AppError::field("rule", e))?;
    let window = CheckInWindow::new(input.opens_at, input.window_minutes)
        .map_err(|e| AppError::field("windowMinutes", e))?;
    let starts_on = input.starts_on.unwrap_or(order_start.max(earliest));
    let ends_on = input.ends_on.unwrap_or(order_end);
    for (field, date) in [("startsOn", starts_on), ("endsOn", ends_on)] {
        if date < order_start || date > order_end {
            return Err(AppError::field(
                field,
                format!("a plan must lie within the order's term {order_start}..{order_end}"),
            ));
        }
    }
    if starts_on < earliest {
        return Err(AppError::field(
            "startsOn",
            "a plan cannot start in the past",
        ));
    }
    Plan::new(
        input.rule.clone(),
        window,
        starts_on,
        ends_on,
        Vec::new(),
        input.holiday_policy.unwrap_or(default_holiday_policy),
    )
    .map_err(plan_error)
}

async fn insert_plan(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    order: &supervision_order::Model,
    plan: &Plan,
) -> AppResult<check_in_plan::Model> {
    let rule = serde_json::to_string(plan.rule()).map_err(|e| AppError::Internal(Box::new(e)))?;
    Ok(check_in_plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order.id),
        client_id: Set(order.client_id),
        commune_code: Set(order.commune_code.clone()),
        rule: Set(rule),
        window_opens_at: Set(plan.window().opens_at().format("%H:%M").to_string()),
        window_minutes: Set(i32::try_from(plan.window().duration_minutes()).unwrap_or(i32::MAX)),
        starts_on: Set(plan.starts_on()),
        ends_on: Set(plan.ends_on()),
        holiday_policy: Set(plan.holiday_policy().as_str().to_owned()),
        replaced_by: Set(None),
        planned_until: Set(None),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(db)
    .await?)
}

/// Attaches a plan to an active order in scope and materialises its first weeks (with prompts)
/// in the same transaction.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    planning: &PlanningContext,
    order_id: Uuid,
    input: PlanInput,
) -> AppResult<check_in_plan::Model> {
    let p = ctx.principal()?;
    p.require(Permission::SchedulesWrite)?;
    let txn = store::db::begin_write(db).await?;
    let order = supervision_order::Entity::find_by_id(order_id)
        .filter(commune_condition(
            &p.scope(),
            supervision_order::Column::CommuneCode,
        ))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("supervision order"))?;
    if OrderStatus::from_stored(&order.status) != Some(OrderStatus::Active) {
        return Err(AppError::Conflict(
            "check-ins can be planned only for an active order".into(),
        ));
    }
    let open = check_in_plan::Entity::find()
        .filter(check_in_plan::Column::OrderId.eq(order.id))
        .filter(check_in_plan::Column::ReplacedBy.is_null())
        .filter(check_in_plan::Column::EndsOn.gte(local_date(ctx.now)))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(AppError::Conflict(
            "the order already has a running plan; change it instead".into(),
        ));
    }
    let policy =
        store::policy::policy_for(&txn, &planning.policy_defaults, &order.commune_code).await?;
    let plan = build_plan(&input, &order, policy.holiday_policy, local_date(ctx.now))?;
    let row = insert_plan(&txn, ctx, &order, &plan).await?;
    occurrences::materialize(&txn, planning, &row, ctx.now).await?;
    audit::record(&txn, ctx, "check_in_plan.create", subject(&row), None).await?;
    txn.commit().await?;
    Ok(row)
}

/// Replaces a running plan from `effective_from` (tomorrow at the earliest): occurrences from
/// that day that have not opened are cancelled with their messages; earlier ones stay.
pub async fn change(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    planning: &PlanningContext,
    plan_id: Uuid,
    effective_from: NaiveDate,
    input: PlanInput,
) -> AppResult<check_in_plan::Model> {
    let cond = scoped(ctx, Permission::SchedulesWrite)?;
    let txn = store::db::begin_write(db).await?;
    let old = check_in_plan::Entity::find_by_id(plan_id)
        .filter(cond)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("check-in plan"))?;
    if old.replaced_by.is_some() {
        return Err(AppError::Conflict(
            "this plan was already replaced; change its successor".into(),
        ));
    }
    let tomorrow = local_date(ctx.now) + Days::new(1);
    if effective_from < tomorrow {
        return Err(AppError::field(
            "effectiveFrom",
            "a change takes effect tomorrow at the earliest; past check-ins never move",
        ));
    }
    if effective_from < old.starts_on || effective_from > old.ends_on {
        return Err(AppError::field(
            "effectiveFrom",
            "must fall within the plan being changed",
        ));
    }
    let order = supervision_order::Entity::find_by_id(old.order_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("supervision order"))?;
    let policy =
        store::policy::policy_for(&txn, &planning.policy_defaults, &order.commune_code).await?;
    let input = PlanInput {
        starts_on: Some(effective_from),
        ends_on: input.ends_on.or(Some(old.ends_on)),
        ..input
    };
    let plan = build_plan(&input, &order, policy.holiday_policy, tomorrow)?;
    let new_row = insert_plan(&txn, ctx, &order, &plan).await?;
    // Withdraw the old plan's occurrences from the effective date on that have not opened.
    let withdrawn = check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::PlanId.eq(old.id))
        .filter(check_in_occurrence::Column::ScheduledOn.gte(effective_from))
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Scheduled.as_str()))
        .filter(check_in_occurrence::Column::OpensAt.gt(ctx.now))
        .all(&txn)
        .await?;
    for occ in &withdrawn {
        store::outbox::cancel_for_source(&txn, "check_in_occurrence", occ.id, ctx.now).await?;
    }
    check_in_occurrence::Entity::update_many()
        .col_expr(
            check_in_occurrence::Column::Status,
            Expr::value(OccurrenceStatus::Cancelled.as_str()),
        )
        .filter(check_in_occurrence::Column::Id.is_in(withdrawn.iter().map(|o| o.id)))
        .exec(&txn)
        .await?;
    let mut ending: check_in_plan::ActiveModel = old.clone().into();
    ending.ends_on = Set((effective_from - Days::new(1)).max(old.starts_on));
    ending.replaced_by = Set(Some(new_row.id));
    ending.updated_at = Set(ctx.now);
    ending.update(&txn).await?;
    occurrences::materialize(&txn, planning, &new_row, ctx.now).await?;
    audit::record(
        &txn,
        ctx,
        "check_in_plan.change",
        subject(&new_row),
        Some(format!("replaces {}", old.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(new_row)
}

/// Plans listed per order at most.
pub const MAX_PLANS_PER_ORDER: u64 = 1000;

/// Plans of these orders in scope, oldest first, at most [`MAX_PLANS_PER_ORDER`] each
/// (DataLoader batch).
pub async fn by_order_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<check_in_plan::Model>> {
    let cond = scoped(ctx, Permission::SchedulesRead)?;
    let select = check_in_plan::Entity::find()
        .filter(cond)
        .filter(check_in_plan::Column::OrderId.is_in(ids.iter().copied()));
    crate::pagination::limit_per_parent(
        db,
        select,
        check_in_plan::Column::OrderId,
        &[(check_in_plan::Column::Id, sea_orm::Order::Asc)],
        MAX_PLANS_PER_ORDER,
    )
    .await
}
