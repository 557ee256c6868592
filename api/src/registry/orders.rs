//! Supervision orders: the chairman's decision, its legal period, pauses, assignments, status.

use chrono::NaiveDate;
use domain::{
    access::Permission,
    bounds::{
        MAX_DOCUMENT_NUMBER_CHARS, MAX_ORGANISATION_NAME_CHARS, MAX_PAUSE_DAYS, MAX_REASON_CHARS,
        MAX_REHAB_COMPLETION_AHEAD_DAYS, MAX_TITLE_CHARS,
    },
    order::{OrderStatus, RehabKind, check_transition, end_date, regime_on},
    person::{PersonName, age_on},
    time::local_date,
};
use entities::{client, officer, order_assignment, order_pause, supervision_order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
    sea_query::Query,
};
use uuid::Uuid;

use super::{officers, regimes};
use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::required_text,
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

/// Filter of the orders list.
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only orders with an open assignment to this officer.
    pub officer_id: Option<Uuid>,
    /// Only this client's orders.
    pub client_id: Option<Uuid>,
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(commune_condition(
        &principal.scope(),
        supervision_order::Column::CommuneCode,
    ))
}

/// Ids of the orders inside the caller's scope, as a subquery for child tables.
fn scoped_order_ids(ctx: &RequestContext) -> AppResult<sea_orm::sea_query::SelectStatement> {
    let cond = scoped(ctx, Permission::OrdersRead)?;
    Ok(Query::select()
        .column(supervision_order::Column::Id)
        .from(supervision_order::Entity)
        .cond_where(cond)
        .to_owned())
}

/// Lists orders inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: OrderFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<supervision_order::Model>> {
    let mut cond = scoped(ctx, Permission::OrdersRead)?;
    if let Some(c) = filter.commune_code {
        cond = cond.add(supervision_order::Column::CommuneCode.eq(c));
    }
    if let Some(s) = filter.status {
        cond = cond.add(supervision_order::Column::Status.eq(s.as_str()));
    }
    if let Some(c) = filter.client_id {
        cond = cond.add(supervision_order::Column::ClientId.eq(c));
    }
    if let Some(officer_id) = filter.officer_id {
        let assigned = Query::select()
            .column(order_assignment::Column::OrderId)
            .from(order_assignment::Entity)
            .and_where(order_assignment::Column::OfficerId.eq(officer_id))
            .and_where(order_assignment::Column::EndedOn.is_null())
            .to_owned();
        cond = cond.add(supervision_order::Column::Id.in_subquery(assigned));
    }
    paginate(
        db,
        supervision_order::Entity::find().filter(cond),
        supervision_order::Column::Id,
        page,
    )
    .await
}

/// Orders by id inside the caller's scope (DataLoader batch).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<supervision_order::Model>> {
    let cond = scoped(ctx, Permission::OrdersRead)?;
    crate::scope::find_in_scope_by_ids::<supervision_order::Entity>(
        db,
        cond,
        supervision_order::Column::Id,
        ids,
    )
    .await
}

/// Orders of these clients inside the caller's scope, oldest first (DataLoader batch).
pub async fn by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<supervision_order::Model>> {
    let cond = scoped(ctx, Permission::OrdersRead)?;
    Ok(supervision_order::Entity::find()
        .filter(cond)
        .filter(supervision_order::Column::ClientId.is_in(ids.iter().copied()))
        .order_by_asc(supervision_order::Column::Id)
        .all(db)
        .await?)
}

/// The orders of the client of the enclosing statement (`clients.id`) inside the caller's
/// scope, in the order of [`by_client_ids`]: the one-statement commune page nests it once per
/// client.
pub fn of_outer_client(
    ctx: &RequestContext,
) -> AppResult<sea_orm::Select<supervision_order::Entity>> {
    use sea_orm::{ExprTrait, sea_query::Expr};
    Ok(supervision_order::Entity::find()
        .filter(scoped(ctx, Permission::OrdersRead)?)
        .filter(
            Expr::col((
                supervision_order::Entity,
                supervision_order::Column::ClientId,
            ))
            .equals((client::Entity, client::Column::Id)),
        )
        .order_by_asc(supervision_order::Column::Id))
}

/// The assignments of the order of the enclosing statement (`supervision_orders.id`), in the
/// order of [`staffed_by_client_ids`], with the `ON` of the join to their officer
/// ([`officer_join`]; `None` when the caller may not read officers).
pub fn assignments_of_outer_order(
    ctx: &RequestContext,
) -> AppResult<(sea_orm::Select<order_assignment::Entity>, Option<Condition>)> {
    use sea_orm::{ExprTrait, sea_query::Expr};
    let assignments = order_assignment::Entity::find()
        .filter(
            Expr::col((order_assignment::Entity, order_assignment::Column::OrderId))
                .equals((supervision_order::Entity, supervision_order::Column::Id)),
        )
        .order_by_asc(order_assignment::Column::Id);
    Ok((assignments, officer_join(ctx)?))
}

/// An order with its assignments, each with its officer.
pub type StaffedOrder = (supervision_order::Model, Vec<StaffedAssignment>);

/// Orders of these clients inside the caller's scope, oldest first, each with its
/// assignments and their officers (as [`assignments_by_order_ids`] shows them): one statement
/// for what would be an order round, an assignment round and an officer round.
pub async fn staffed_by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<StaffedOrder>> {
    use sea_orm::{
        ExprTrait, IdenStatic, Iterable,
        sea_query::{Alias, Expr, Order},
    };
    let mut query = supervision_order::Entity::find()
        .filter(scoped(ctx, Permission::OrdersRead)?)
        .filter(supervision_order::Column::ClientId.is_in(ids.iter().copied()))
        .select_also(order_assignment::Entity)
        .into_query();
    query.join(
        JoinType::LeftJoin,
        order_assignment::Entity,
        Expr::col((order_assignment::Entity, order_assignment::Column::OrderId))
            .equals((supervision_order::Entity, supervision_order::Column::Id)),
    );
    let officer_on = officer_join(ctx)?;
    let reads_officers = officer_on.is_some();
    if let Some(on) = officer_on {
        query.join(JoinType::LeftJoin, officer::Entity, on);
        for col in officer::Column::iter() {
            query.expr_as(
                col.select_as(col.into_expr()),
                Alias::new(format!("{OFFICER_PREFIX}{}", col.as_str())),
            );
        }
    }
    query
        .order_by(
            (supervision_order::Entity, supervision_order::Column::Id),
            Order::Asc,
        )
        .order_by(
            (order_assignment::Entity, order_assignment::Column::Id),
            Order::Asc,
        );
    let mut staffed: Vec<StaffedOrder> = Vec::new();
    for row in db.query_all(&query).await? {
        let order = supervision_order::Model::from_query_result(&row, "A_")?;
        if staffed.last().is_none_or(|(last, _)| last.id != order.id) {
            staffed.push((order, Vec::new()));
        }
        let Some(assignment) = order_assignment::Model::from_query_result_optional(&row, "B_")?
        else {
            continue;
        };
        let officer = if reads_officers {
            AssignedOfficer::joined(officer::Model::from_query_result_optional(
                &row,
                OFFICER_PREFIX,
            )?)
        } else {
            AssignedOfficer::Unread
        };
        if let Some((_, assignments)) = staffed.last_mut() {
            assignments.push(StaffedAssignment {
                assignment,
                officer,
            });
        }
    }
    Ok(staffed)
}

/// Column prefix of the officer in [`staffed_by_client_ids`] (`A_`, `B_`: sea-orm's own).
const OFFICER_PREFIX: &str = "C_";

/// Pauses of these orders (DataLoader batch), only of orders in scope.
pub async fn pauses_by_order_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<order_pause::Model>> {
    Ok(order_pause::Entity::find()
        .filter(order_pause::Column::OrderId.is_in(ids.iter().copied()))
        .filter(order_pause::Column::OrderId.in_subquery(scoped_order_ids(ctx)?))
        .order_by_asc(order_pause::Column::StartsOn)
        .all(db)
        .await?)
}

/// An assignment with its officer, read in the same statement.
#[derive(Debug, Clone)]
pub struct StaffedAssignment {
    /// The assignment.
    pub assignment: order_assignment::Model,
    /// Its officer as the caller may see them.
    pub officer: AssignedOfficer,
}

/// The officer of an assignment, as the caller may see them.
#[derive(Debug, Clone)]
pub enum AssignedOfficer {
    /// Not read with the assignment (the caller may not read officers): the officer loader
    /// answers, with its refusal.
    Unread,
    /// The officer is outside the caller's scope.
    OutOfScope,
    /// The officer.
    Found(Box<officer::Model>),
}

impl AssignedOfficer {
    /// The officer as the scoped join of [`officer_join`] found them (none: out of scope).
    pub(crate) fn joined(officer: Option<officer::Model>) -> Self {
        officer.map_or(Self::OutOfScope, |o| Self::Found(Box::new(o)))
    }
}

/// The `ON` of the join from `order_assignments` to the assignment's officer, with the
/// officer's scope in it (an officer outside it leaves the assignment in place with no
/// officer, as the officer loader would answer null); `None` when the caller may not read
/// officers.
fn officer_join(ctx: &RequestContext) -> AppResult<Option<Condition>> {
    use sea_orm::{ExprTrait, sea_query::Expr};
    if !ctx.principal()?.can(Permission::OfficersRead) {
        return Ok(None);
    }
    Ok(Some(
        Condition::all()
            .add(Expr::col((officer::Entity, officer::Column::Id)).equals((
                order_assignment::Entity,
                order_assignment::Column::OfficerId,
            )))
            .add(officers::readable(ctx)?),
    ))
}

/// Assignments of these orders (DataLoader batch), only of orders in scope, each with its
/// officer when the caller may read officers: one statement, not an assignment round and then
/// an officer round (the commune page shows every client's case officer).
pub async fn assignments_by_order_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<StaffedAssignment>> {
    let assignments = order_assignment::Entity::find()
        .filter(order_assignment::Column::OrderId.is_in(ids.iter().copied()))
        .filter(order_assignment::Column::OrderId.in_subquery(scoped_order_ids(ctx)?))
        .order_by_asc(order_assignment::Column::Id);
    let Some(on) = officer_join(ctx)? else {
        let rows = assignments.all(db).await?;
        return Ok(rows
            .into_iter()
            .map(|assignment| StaffedAssignment {
                assignment,
                officer: AssignedOfficer::Unread,
            })
            .collect());
    };
    let mut with_officers = assignments.select_also(officer::Entity);
    QueryTrait::query(&mut with_officers).join(JoinType::LeftJoin, officer::Entity, on);
    let rows = with_officers.all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(assignment, officer)| StaffedAssignment {
            assignment,
            officer: AssignedOfficer::joined(officer),
        })
        .collect())
}

/// One order inside the caller's scope, locked for a change on PostgreSQL.
pub(crate) async fn for_update(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<supervision_order::Model> {
    let cond = scoped(ctx, Permission::OrdersWrite)?;
    supervision_order::Entity::find_by_id(id)
        .filter(cond)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("supervision order"))
}

/// The chairman's decision.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Decision number, e.g. `123/QĐ-UBND`.
    pub number: String,
    /// Date signed.
    pub date: NaiveDate,
    /// Who signed.
    pub signer_name: String,
    /// Their title, e.g. `Chủ tịch UBND phường`.
    pub signer_title: String,
    /// First day of management; defaults to the later of decision date and rehab completion.
    pub start_date: Option<NaiveDate>,
}

/// A new order as received.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The client.
    pub client_id: Uuid,
    /// The rehab that preceded the order.
    pub rehab_kind: RehabKind,
    /// Facility name, for facility-based rehab.
    pub rehab_facility: Option<String>,
    /// Day the rehab ended.
    pub rehab_completed_on: NaiveDate,
    /// The decision, if already signed; without it the order waits as `pending_decision`.
    pub decision: Option<Decision>,
}

/// Fills the decision fields and the legal period of `m`.
async fn apply_decision(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    m: &mut supervision_order::ActiveModel,
    current: &supervision_order::Model,
    date_of_birth: NaiveDate,
    decision: Decision,
) -> AppResult<()> {
    let today = local_date(ctx.now);
    let number = required_text(
        "decision.number",
        &decision.number,
        MAX_DOCUMENT_NUMBER_CHARS,
    )?;
    let signer_name = PersonName::parse(&decision.signer_name)
        .map_err(|e| AppError::field("decision.signerName", e))?;
    let signer_title = required_text(
        "decision.signerTitle",
        &decision.signer_title,
        MAX_TITLE_CHARS,
    )?;
    if decision.date > today {
        return Err(AppError::field(
            "decision.date",
            "a decision cannot be dated in the future",
        ));
    }
    let start = decision
        .start_date
        .unwrap_or(decision.date.max(current.rehab_completed_on));
    if start < current.rehab_completed_on {
        return Err(AppError::field(
            "decision.startDate",
            "management cannot start before the rehab was completed",
        ));
    }
    let stored = regimes::all(db).await?;
    let list: Vec<_> = stored.iter().map(|s| s.regime.clone()).collect();
    let regime =
        regime_on(&list, decision.date).map_err(|e| AppError::field("decision.date", e))?;
    let regime_id = stored
        .iter()
        .find(|s| s.regime.code == regime.code)
        .map(|s| s.id);
    let kind = RehabKind::from_stored(&current.rehab_kind)
        .ok_or_else(|| AppError::Internal("bad rehab kind".into()))?;
    let is_minor = age_on(date_of_birth, decision.date) < 18;
    let months = regime
        .months_for(kind, is_minor)
        .map_err(|e| AppError::field("rehabKind", e))?;
    // A transferred order continues the term decided in the first commune.
    let end = match (current.previous_order_id, current.end_date) {
        (Some(_), Some(end)) => end,
        _ => end_date(start, months, 0)
            .ok_or_else(|| AppError::field("decision.startDate", "date out of range"))?,
    };
    if end < start {
        return Err(AppError::field(
            "decision.startDate",
            "the term would end before it starts",
        ));
    }
    m.decision_number = Set(Some(number));
    m.decision_date = Set(Some(decision.date));
    m.signer_name = Set(Some(signer_name.as_str().to_owned()));
    m.signer_title = Set(Some(signer_title));
    m.legal_regime_id = Set(regime_id);
    m.period_months = Set(Some(i32::try_from(months).unwrap_or(i32::MAX)));
    m.start_date = Set(Some(start));
    m.end_date = Set(Some(end));
    m.status = Set(OrderStatus::Active.as_str().to_owned());
    m.status_changed_at = Set(ctx.now);
    Ok(())
}

/// The audit subject of an order.
pub fn subject(o: &supervision_order::Model) -> Subject<'_> {
    Subject {
        entity_type: "supervision_order",
        entity_id: Some(o.id),
        commune_code: Some(&o.commune_code),
    }
}

/// Records an order for a client in the caller's scope, with or without the signed decision.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewOrder,
) -> AppResult<supervision_order::Model> {
    ctx.principal()?.require(Permission::OrdersWrite)?;
    let facility = input
        .rehab_facility
        .map(|f| required_text("rehabFacility", &f, MAX_ORGANISATION_NAME_CHARS))
        .transpose()?;
    if input.rehab_completed_on
        > local_date(ctx.now) + chrono::Days::new(MAX_REHAB_COMPLETION_AHEAD_DAYS)
    {
        return Err(AppError::field(
            "rehabCompletedOn",
            "more than 90 days ahead; record the order closer to release",
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let client = client::Entity::find_by_id(input.client_id)
        .filter(commune_condition(
            &ctx.principal()?.scope(),
            client::Column::CommuneCode,
        ))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("client"))?;
    if client.date_of_birth > input.rehab_completed_on {
        return Err(AppError::field(
            "rehabCompletedOn",
            "is before the client's date of birth",
        ));
    }
    let draft = supervision_order::Model {
        id: Uuid::now_v7(),
        client_id: client.id,
        commune_code: client.commune_code.clone(),
        decision_number: None,
        decision_date: None,
        signer_name: None,
        signer_title: None,
        rehab_kind: input.rehab_kind.as_str().to_owned(),
        rehab_facility: facility,
        rehab_completed_on: input.rehab_completed_on,
        legal_regime_id: None,
        period_months: None,
        start_date: None,
        end_date: None,
        previous_order_id: None,
        status: OrderStatus::PendingDecision.as_str().to_owned(),
        status_reason: None,
        certificate_number: None,
        status_changed_at: ctx.now,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let mut m: supervision_order::ActiveModel = draft.clone().into();
    if let Some(decision) = input.decision {
        apply_decision(&txn, ctx, &mut m, &draft, client.date_of_birth, decision).await?;
    }
    let order = supervision_order::Entity::insert(m)
        .exec_with_returning(&txn)
        .await?;
    audit::record(&txn, ctx, "supervision_order.create", subject(&order), None).await?;
    txn.commit().await?;
    Ok(order)
}

/// Records the signed decision of a pending order: it becomes active with its legal period.
pub async fn decide(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    order_id: Uuid,
    decision: Decision,
) -> AppResult<supervision_order::Model> {
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, order_id).await?;
    if current.status != OrderStatus::PendingDecision.as_str() {
        return Err(AppError::Conflict(
            "only an order pending its decision can be decided".into(),
        ));
    }
    let client = client::Entity::find_by_id(current.client_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("client"))?;
    let mut m: supervision_order::ActiveModel = current.clone().into();
    apply_decision(&txn, ctx, &mut m, &current, client.date_of_birth, decision).await?;
    m.updated_at = Set(ctx.now);
    let order = m.update(&txn).await?;
    audit::record(&txn, ctx, "supervision_order.decide", subject(&order), None).await?;
    txn.commit().await?;
    Ok(order)
}

/// Moves an order through its lifecycle (suspend, resume, complete with certificate, relapse, terminate).
pub async fn change_status(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    order_id: Uuid,
    to: OrderStatus,
    reason: Option<String>,
    certificate_number: Option<String>,
) -> AppResult<supervision_order::Model> {
    let reason = reason
        .map(|r| required_text("reason", &r, MAX_REASON_CHARS))
        .transpose()?;
    let certificate_number = certificate_number
        .map(|c| required_text("certificateNumber", &c, MAX_DOCUMENT_NUMBER_CHARS))
        .transpose()?;
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, order_id).await?;
    let from = OrderStatus::from_stored(&current.status)
        .ok_or_else(|| AppError::Internal("bad status".into()))?;
    check_transition(from, to, certificate_number.as_deref()).map_err(|e| match e {
        domain::order::TransitionError::CertificateRequired => {
            AppError::field("certificateNumber", e)
        }
        other => AppError::Conflict(other.to_string()),
    })?;
    if to == OrderStatus::Completed
        && current
            .end_date
            .is_some_and(|end| end > local_date(ctx.now))
    {
        return Err(AppError::Conflict(
            "the term has not ended yet; terminate the order if it ends early".into(),
        ));
    }
    let mut m: supervision_order::ActiveModel = current.into();
    m.status = Set(to.as_str().to_owned());
    m.status_reason = Set(reason);
    if to == OrderStatus::Completed {
        m.certificate_number = Set(certificate_number);
    }
    m.status_changed_at = Set(ctx.now);
    m.updated_at = Set(ctx.now);
    let order = m.update(&txn).await?;
    if to != OrderStatus::Active {
        // Check-ins stop with the order; a resumed order gets a new plan.
        store::occurrences::end_plans_for_order(&txn, order.id, ctx.now).await?;
    }
    audit::record(
        &txn,
        ctx,
        "supervision_order.change_status",
        subject(&order),
        Some(to.as_str().to_owned()),
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}

/// Adds a pause (hospital stay, approved absence); the term's end moves back by its length.
pub async fn add_pause(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    order_id: Uuid,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    reason: String,
) -> AppResult<supervision_order::Model> {
    let reason = required_text("reason", &reason, MAX_REASON_CHARS)?;
    if ends_on < starts_on {
        return Err(AppError::field(
            "endsOn",
            "a pause cannot end before it starts",
        ));
    }
    if (ends_on - starts_on).num_days() + 1 > MAX_PAUSE_DAYS {
        return Err(AppError::field(
            "endsOn",
            format!(
                "a pause lasts at most {MAX_PAUSE_DAYS} days; suspend the order for a longer absence"
            ),
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, order_id).await?;
    let (Some(start), Some(end)) = (current.start_date, current.end_date) else {
        return Err(AppError::Conflict(
            "record the decision before adding pauses".into(),
        ));
    };
    if !OrderStatus::from_stored(&current.status).is_some_and(OrderStatus::is_open) {
        return Err(AppError::Conflict("the order is closed".into()));
    }
    if starts_on < start || starts_on > end {
        return Err(AppError::field(
            "startsOn",
            "a pause must start within the order's term",
        ));
    }
    let existing = order_pause::Entity::find()
        .filter(order_pause::Column::OrderId.eq(order_id))
        .all(&txn)
        .await?;
    if existing
        .iter()
        .any(|p| p.starts_on <= ends_on && starts_on <= p.ends_on)
    {
        return Err(AppError::Conflict(
            "the pause overlaps another pause".into(),
        ));
    }
    order_pause::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        reason: Set(reason),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    // Check-ins due during the pause are withdrawn (with their prompts).
    store::occurrences::withdraw_for_order(&txn, order_id, Some((starts_on, ends_on)), ctx.now)
        .await?;
    let days = (ends_on - starts_on).num_days() + 1;
    let mut m: supervision_order::ActiveModel = current.into();
    m.end_date = Set(Some(
        end + chrono::Days::new(u64::try_from(days).unwrap_or(0)),
    ));
    m.updated_at = Set(ctx.now);
    let order = m.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "supervision_order.add_pause",
        subject(&order),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(order)
}

pub use domain::order::AssignmentRole;

/// Assigns an active officer or supporter of the order's commune.
pub async fn assign(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    order_id: Uuid,
    officer_id: Uuid,
    role: AssignmentRole,
) -> AppResult<order_assignment::Model> {
    let txn = store::db::begin_write(db).await?;
    let order = for_update(&txn, ctx, order_id).await?;
    if !OrderStatus::from_stored(&order.status).is_some_and(OrderStatus::is_open) {
        return Err(AppError::Conflict("the order is closed".into()));
    }
    // Scoped like the order, without asking for `officers:read`: assigning needs
    // `orders:write` only, and a permission checked after the order lookup would tell an
    // existing order from an unknown one.
    let officer = officers::in_scope(&txn, ctx, officer_id)
        .await?
        .ok_or(AppError::NotFound("officer"))?;
    if officer.commune_code.as_deref() != Some(order.commune_code.as_str()) {
        return Err(AppError::field(
            "officerId",
            "the officer must belong to the order's commune",
        ));
    }
    if !officer.active {
        return Err(AppError::field("officerId", "the officer is inactive"));
    }
    let open = order_assignment::Entity::find()
        .filter(order_assignment::Column::OrderId.eq(order_id))
        .filter(order_assignment::Column::OfficerId.eq(officer_id))
        .filter(order_assignment::Column::EndedOn.is_null())
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(AppError::Conflict(
            "this person is already assigned to the order".into(),
        ));
    }
    let assignment = order_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        officer_id: Set(officer_id),
        role: Set(role.as_str().to_owned()),
        assigned_on: Set(local_date(ctx.now)),
        ended_on: Set(None),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx,
        "supervision_order.assign",
        subject(&order),
        Some(role.as_str().to_owned()),
    )
    .await?;
    txn.commit().await?;
    Ok(assignment)
}

/// Ends an assignment (the history stays).
pub async fn end_assignment(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    assignment_id: Uuid,
) -> AppResult<order_assignment::Model> {
    // Permission and scope first: an assignment of another commune and an unknown id answer
    // the same NOT_FOUND, and a caller without the permission learns nothing about either.
    let in_scope = Query::select()
        .column(supervision_order::Column::Id)
        .from(supervision_order::Entity)
        .cond_where(scoped(ctx, Permission::OrdersWrite)?)
        .to_owned();
    let txn = store::db::begin_write(db).await?;
    let assignment = order_assignment::Entity::find_by_id(assignment_id)
        .filter(order_assignment::Column::OrderId.in_subquery(in_scope))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("assignment"))?;
    let order = for_update(&txn, ctx, assignment.order_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("assignment"),
            other => other,
        })?;
    if assignment.ended_on.is_some() {
        return Err(AppError::Conflict(
            "the assignment has already ended".into(),
        ));
    }
    let mut m: order_assignment::ActiveModel = assignment.into();
    m.ended_on = Set(Some(local_date(ctx.now)));
    let ended = m.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "supervision_order.end_assignment",
        subject(&order),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}
