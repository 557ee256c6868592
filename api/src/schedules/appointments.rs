//! Appointments of a client: kinds, lifecycle, outcomes, and the reminders they cause.
//!
//! Reminders are outbox rows written in the same transaction as the appointment change, one per
//! policy offset, under a deterministic dedupe key; moving, cancelling or closing an appointment
//! cancels the reminders not yet sent.

use chrono::{DateTime, Utc};
use domain::{
    access::Permission,
    messaging::{TemplateError, TemplateKey, Vars, check_client_value, format_local, render_sms},
};
use entities::{appointment, client, officer, supervision_order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    Order, QueryFilter, QuerySelect, Set,
};
pub use store::appointments::AppointmentStatus;
use store::{
    outbox::{self, DedupeKey, NewMessage, Recipient},
    policy::{Policy, policy_for},
};
use uuid::Uuid;

use crate::input::{optional_text, required_text};
use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, first_of_outer_parent, limit_per_parent, paginate},
    scope::{commune_condition, officer_condition},
};
use domain::bounds::{
    MAX_NOTES_CHARS, MAX_ORGANISATION_NAME_CHARS, MAX_PLACE_CHARS, MAX_REASON_CHARS,
};
pub use domain::schedule::{
    AppointmentKind, DrugTestResult, Outcome, check_outcome, check_times, reminder_times,
};

/// Filter of the appointments list.
#[derive(Debug, Default, Clone)]
pub struct AppointmentFilter {
    /// Only this client's appointments.
    pub client_id: Option<Uuid>,
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only appointments with this officer.
    pub officer_id: Option<Uuid>,
    /// Only this status.
    pub status: Option<AppointmentStatus>,
    /// Only this kind.
    pub kind: Option<AppointmentKind>,
    /// Only appointments starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before this instant.
    pub to: Option<DateTime<Utc>>,
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(commune_condition(
        &principal.scope(),
        appointment::Column::CommuneCode,
    ))
}

/// Lists appointments inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: AppointmentFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<appointment::Model>> {
    let mut cond = scoped(ctx, Permission::SchedulesRead)?;
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to <= from
    {
        return Err(AppError::field("filter.to", "must be after filter.from"));
    }
    if let Some(c) = filter.client_id {
        cond = cond.add(appointment::Column::ClientId.eq(c));
    }
    if let Some(c) = filter.commune_code {
        cond = cond.add(appointment::Column::CommuneCode.eq(c));
    }
    if let Some(o) = filter.officer_id {
        cond = cond.add(appointment::Column::OfficerId.eq(o));
    }
    if let Some(s) = filter.status {
        cond = cond.add(appointment::Column::Status.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        cond = cond.add(appointment::Column::Kind.eq(k.as_str()));
    }
    if let Some(from) = filter.from {
        cond = cond.add(appointment::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        cond = cond.add(appointment::Column::StartsAt.lt(to));
    }
    paginate(
        db,
        appointment::Entity::find().filter(cond),
        appointment::Column::Id,
        page,
    )
    .await
}

/// Appointments by id inside the caller's scope (DataLoader batch).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<appointment::Model>> {
    let cond = scoped(ctx, Permission::SchedulesRead)?;
    crate::scope::find_in_scope_by_ids::<appointment::Entity>(
        db,
        cond,
        appointment::Column::Id,
        ids,
    )
    .await
}

/// Upcoming appointments listed per client at most (the largest `first` of the field).
pub const MAX_UPCOMING_PER_CLIENT: u64 = 50;

/// The scheduled appointments of these clients that have not ended, soonest first, at most
/// [`MAX_UPCOMING_PER_CLIENT`] per client, inside the caller's scope (DataLoader batch).
pub async fn upcoming_by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
    per_client: u64,
) -> AppResult<Vec<appointment::Model>> {
    let select = upcoming(ctx)?.filter(appointment::Column::ClientId.is_in(ids.iter().copied()));
    limit_per_parent(
        db,
        select,
        appointment::Column::ClientId,
        &UPCOMING_ORDER,
        std::cmp::min(per_client, MAX_UPCOMING_PER_CLIENT),
    )
    .await
}

/// The first upcoming appointments of the client of the enclosing statement (`clients.id`),
/// scoped and ordered as [`upcoming_by_client_ids`]: the compiled commune page nests it once
/// per client.
pub fn upcoming_of_outer_client(
    ctx: &RequestContext,
    per_client: u64,
) -> AppResult<sea_orm::Select<appointment::Entity>> {
    Ok(first_of_outer_parent(
        upcoming(ctx)?,
        appointment::Column::ClientId,
        (client::Entity, client::Column::Id),
        &UPCOMING_ORDER,
        std::cmp::min(per_client, MAX_UPCOMING_PER_CLIENT),
    ))
}

/// Scheduled appointments that have not ended, inside the caller's scope.
fn upcoming(ctx: &RequestContext) -> AppResult<sea_orm::Select<appointment::Entity>> {
    Ok(appointment::Entity::find()
        .filter(scoped(ctx, Permission::SchedulesRead)?)
        .filter(appointment::Column::Status.eq(AppointmentStatus::Scheduled.as_str()))
        .filter(appointment::Column::EndsAt.gt(ctx.now)))
}

/// The order of a client's upcoming appointments: soonest first.
const UPCOMING_ORDER: [(appointment::Column, Order); 2] = [
    (appointment::Column::StartsAt, Order::Asc),
    (appointment::Column::Id, Order::Asc),
];

/// One appointment inside the caller's scope, locked for a change on PostgreSQL.
async fn for_update(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<appointment::Model> {
    let cond = scoped(ctx, Permission::SchedulesWrite)?;
    appointment::Entity::find_by_id(id)
        .filter(cond)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("appointment"))
}

/// The audit subject of an appointment.
pub fn subject(a: &appointment::Model) -> Subject<'_> {
    Subject {
        entity_type: "appointment",
        entity_id: Some(a.id),
        commune_code: Some(&a.commune_code),
    }
}

/// The client of an appointment, inside the caller's scope.
async fn client_in_scope(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<client::Model> {
    let client = client::Entity::find_by_id(id)
        .filter(commune_condition(
            &ctx.principal()?.scope(),
            client::Column::CommuneCode,
        ))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("client"))?;
    if client.status == crate::registry::clients::ClientStatus::Deceased.as_str() {
        return Err(AppError::field("clientId", "the client is deceased"));
    }
    Ok(client)
}

/// Checks that an officer is active and works in `commune_code`.
async fn check_officer(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
    commune_code: &str,
) -> AppResult<()> {
    let officer = officer::Entity::find_by_id(id)
        .filter(officer_condition(
            &ctx.principal()?.scope(),
            officer::Column::CommuneCode,
            officer::Column::ProvinceCode,
        ))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("officer"))?;
    if officer.commune_code.as_deref() != Some(commune_code) {
        return Err(AppError::field(
            "officerId",
            "the officer must belong to the client's commune",
        ));
    }
    if !officer.active {
        return Err(AppError::field("officerId", "the officer is inactive"));
    }
    Ok(())
}

/// The values of an appointment's reminder.
fn reminder_vars(client: &client::Model, starts_at: DateTime<Utc>, place: &str) -> Vars {
    Vars::new()
        .with("name", &client.full_name)
        .with("time", format_local(starts_at))
        .with("place", place)
}

/// Checks, when an officer enters it, that a place can go into the client's reminders: no word
/// that tells a reader why the person is contacted (reminders are not checked again when sent,
/// see `domain::messaging::templates`), and short enough for the reminder's SMS budget.
fn check_place(client: &client::Model, starts_at: DateTime<Utc>, place: &str) -> AppResult<()> {
    if let Err(e) = check_client_value(place) {
        return Err(AppError::field(
            "place",
            format!(
                "\"{word}\" cho người đọc tin nhắc hẹn biết lý do liên hệ; hãy ghi trung tính, \
                 ví dụ \"Trụ sở UBND phường\" hoặc một địa chỉ. \
                 \"{word}\" would tell whoever reads the reminder why the person is contacted; \
                 use neutral wording such as \"Trụ sở UBND phường\" or a street address",
                word = e.word
            ),
        ));
    }
    let vars = reminder_vars(client, starts_at, place);
    match render_sms(TemplateKey::AppointmentReminder, &vars) {
        Ok(_) => Ok(()),
        Err(TemplateError::OverBudget { budget, .. }) => Err(AppError::field(
            "place",
            format!(
                "quá dài cho tin nhắc hẹn ({budget} tin SMS); hãy ghi ngắn hơn. \
                 Too long for the reminder's budget of {budget} SMS segments; shorten it"
            ),
        )),
        Err(e) => Err(AppError::Internal(Box::new(e))),
    }
}

/// Writes the reminders of a scheduled appointment to the outbox (caller's transaction).
async fn enqueue_reminders(
    db: &impl ConnectionTrait,
    defaults: &Policy,
    client: &client::Model,
    a: &appointment::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let policy = policy_for(db, defaults, &a.commune_code).await?;
    let vars = reminder_vars(client, a.starts_at, &a.place);
    for (minutes, due_at) in reminder_times(a.starts_at, &policy.reminder_offsets, now) {
        let message = NewMessage {
            dedupe_key: DedupeKey::appointment_reminder(a.id, minutes),
            recipient: Recipient::Client(client.id),
            commune_code: a.commune_code.clone(),
            template: TemplateKey::AppointmentReminder,
            vars: vars.clone(),
            due_at,
            expires_at: Some(a.starts_at),
            urgent: false,
            source_type: "appointment",
            source_id: Some(a.id),
        };
        outbox::enqueue(db, message, now).await?;
    }
    Ok(())
}

/// A new appointment as received from the edge.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    /// The client.
    pub client_id: Uuid,
    /// The supervision order it belongs to, if any (must be the client's).
    pub order_id: Option<Uuid>,
    /// What it is for.
    pub kind: AppointmentKind,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// The commune officer involved.
    pub officer_id: Option<Uuid>,
    /// The outside provider involved (clinic, employer, bank, …).
    pub provider_name: Option<String>,
    /// Notes for officers.
    pub notes: Option<String>,
}

/// Schedules an appointment for a client in the caller's scope, with its reminders.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &Policy,
    input: NewAppointment,
) -> AppResult<appointment::Model> {
    ctx.principal()?.require(Permission::SchedulesWrite)?;
    check_times(input.starts_at, input.ends_at, ctx.now)?;
    let place = required_text("place", &input.place, MAX_PLACE_CHARS)?;
    let provider_name = optional_text(
        "providerName",
        input.provider_name,
        MAX_ORGANISATION_NAME_CHARS,
    )?;
    let notes = optional_text("notes", input.notes, MAX_NOTES_CHARS)?;
    let txn = store::db::begin_write(db).await?;
    let client = client_in_scope(&txn, ctx, input.client_id).await?;
    if let Some(order_id) = input.order_id {
        supervision_order::Entity::find_by_id(order_id)
            .filter(supervision_order::Column::ClientId.eq(client.id))
            .filter(commune_condition(
                &ctx.principal()?.scope(),
                supervision_order::Column::CommuneCode,
            ))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::field("orderId", "is not an order of this client"))?;
    }
    if let Some(officer_id) = input.officer_id {
        check_officer(&txn, ctx, officer_id, &client.commune_code).await?;
    }
    check_place(&client, input.starts_at, &place)?;
    let model = appointment::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        order_id: Set(input.order_id),
        commune_code: Set(client.commune_code.clone()),
        kind: Set(input.kind.as_str().to_owned()),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        place: Set(place),
        officer_id: Set(input.officer_id),
        provider_name: Set(provider_name),
        notes: Set(notes),
        status: Set(AppointmentStatus::Scheduled.as_str().to_owned()),
        rescheduled_from_id: Set(None),
        outcome_note: Set(None),
        drug_test_result: Set(None),
        outcome_recorded_at: Set(None),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    enqueue_reminders(&txn, defaults, &client, &model, ctx.now).await?;
    audit::record(&txn, ctx, "appointment.create", subject(&model), None).await?;
    txn.commit().await?;
    Ok(model)
}

fn require_scheduled(a: &appointment::Model, action: &str) -> AppResult<()> {
    if a.status != AppointmentStatus::Scheduled.as_str() {
        return Err(AppError::Conflict(format!(
            "only a scheduled appointment can be {action}; this one is {}",
            a.status
        )));
    }
    Ok(())
}

/// New times (and optionally place, officer, notes) for an appointment.
#[derive(Debug, Clone)]
pub struct Reschedule {
    /// New start.
    pub starts_at: DateTime<Utc>,
    /// New end.
    pub ends_at: DateTime<Utc>,
    /// New place; `None` keeps the old one.
    pub place: Option<String>,
    /// New officer; `None` keeps the old one.
    pub officer_id: Option<Uuid>,
    /// New notes; `None` keeps the old ones.
    pub notes: Option<String>,
    /// Why it moved (kept on the old appointment).
    pub reason: Option<String>,
}

/// Moves a scheduled appointment: the old one becomes `rescheduled`, a new one points back to
/// it, and the reminders move with it. Returns `(old, new)`.
pub async fn reschedule(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &Policy,
    id: Uuid,
    change: Reschedule,
) -> AppResult<(appointment::Model, appointment::Model)> {
    check_times(change.starts_at, change.ends_at, ctx.now)?;
    let place = change
        .place
        .map(|p| required_text("place", &p, MAX_PLACE_CHARS))
        .transpose()?;
    let notes = optional_text("notes", change.notes, MAX_NOTES_CHARS)?;
    let reason = optional_text("reason", change.reason, MAX_REASON_CHARS)?;
    let txn = store::db::begin_write(db).await?;
    let old = for_update(&txn, ctx, id).await?;
    require_scheduled(&old, "rescheduled")?;
    let client = client_in_scope(&txn, ctx, old.client_id).await?;
    if let Some(officer_id) = change.officer_id {
        check_officer(&txn, ctx, officer_id, &client.commune_code).await?;
    }
    // The place the reminders will carry, new or kept (a kept one may predate this check).
    let place = place.unwrap_or_else(|| old.place.clone());
    check_place(&client, change.starts_at, &place)?;
    let new = appointment::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        order_id: Set(old.order_id),
        commune_code: Set(client.commune_code.clone()),
        kind: Set(old.kind.clone()),
        starts_at: Set(change.starts_at),
        ends_at: Set(change.ends_at),
        place: Set(place),
        officer_id: Set(change.officer_id.or(old.officer_id)),
        provider_name: Set(old.provider_name.clone()),
        notes: Set(notes.or_else(|| old.notes.clone())),
        status: Set(AppointmentStatus::Scheduled.as_str().to_owned()),
        rescheduled_from_id: Set(Some(old.id)),
        outcome_note: Set(None),
        drug_test_result: Set(None),
        outcome_recorded_at: Set(None),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let mut m: appointment::ActiveModel = old.into();
    m.status = Set(AppointmentStatus::Rescheduled.as_str().to_owned());
    m.outcome_note = Set(reason);
    m.updated_at = Set(ctx.now);
    let old = m.update(&txn).await?;
    outbox::cancel_for_source(&txn, "appointment", old.id, ctx.now).await?;
    enqueue_reminders(&txn, defaults, &client, &new, ctx.now).await?;
    audit::record(&txn, ctx, "appointment.reschedule", subject(&old), None).await?;
    audit::record(&txn, ctx, "appointment.create", subject(&new), None).await?;
    txn.commit().await?;
    Ok((old, new))
}

/// Cancels a scheduled appointment and its pending reminders.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    reason: Option<String>,
) -> AppResult<appointment::Model> {
    let reason = optional_text("reason", reason, MAX_REASON_CHARS)?;
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    require_scheduled(&current, "cancelled")?;
    let mut m: appointment::ActiveModel = current.into();
    m.status = Set(AppointmentStatus::Cancelled.as_str().to_owned());
    m.outcome_note = Set(reason);
    m.updated_at = Set(ctx.now);
    let cancelled = m.update(&txn).await?;
    outbox::cancel_for_source(&txn, "appointment", cancelled.id, ctx.now).await?;
    audit::record(&txn, ctx, "appointment.cancel", subject(&cancelled), None).await?;
    txn.commit().await?;
    Ok(cancelled)
}

/// An outcome as recorded by a person.
#[derive(Debug, Clone)]
pub struct RecordedOutcome {
    /// Attended or missed.
    pub outcome: Outcome,
    /// A short note.
    pub note: Option<String>,
    /// Drug tests only.
    pub drug_test_result: Option<DrugTestResult>,
}

/// The status an appointment takes with this outcome.
fn status_after(outcome: Outcome) -> AppointmentStatus {
    match outcome {
        Outcome::Attended => AppointmentStatus::Attended,
        Outcome::Missed => AppointmentStatus::Missed,
    }
}

/// Records whether the client came (and a drug test's result). Allowed once the appointment has
/// started, on a scheduled appointment or on one the detector marked missed: a person's record
/// replaces the automatic mark.
pub async fn record_outcome(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    input: RecordedOutcome,
) -> AppResult<appointment::Model> {
    let note = optional_text("note", input.note, MAX_NOTES_CHARS)?;
    if input.drug_test_result.is_some() {
        // Health data: only those who may read it may write it.
        ctx.principal()?.require(Permission::HealthRead)?;
    }
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    let automatic_miss = current.status == AppointmentStatus::Missed.as_str()
        && current.outcome_recorded_at.is_none();
    if !automatic_miss {
        require_scheduled(&current, "given an outcome")?;
    }
    let kind = AppointmentKind::from_stored(&current.kind)
        .ok_or_else(|| AppError::Internal("bad appointment kind".into()))?;
    check_outcome(kind, input.outcome, input.drug_test_result)?;
    if ctx.now < current.starts_at {
        return Err(AppError::Conflict(
            "the appointment has not started yet".into(),
        ));
    }
    let status = status_after(input.outcome);
    let mut m: appointment::ActiveModel = current.into();
    m.status = Set(status.as_str().to_owned());
    m.outcome_note = Set(note);
    m.drug_test_result = Set(input.drug_test_result.map(|r| r.as_str().to_owned()));
    m.outcome_recorded_at = Set(Some(ctx.now));
    m.updated_at = Set(ctx.now);
    let recorded = m.update(&txn).await?;
    outbox::cancel_for_source(&txn, "appointment", recorded.id, ctx.now).await?;
    // Field names only, never the result itself.
    let detail = match input.drug_test_result {
        Some(_) => format!("{}; drugTestResult", status.as_str()),
        None => status.as_str().to_owned(),
    };
    audit::record(
        &txn,
        ctx,
        "appointment.record_outcome",
        subject(&recorded),
        Some(detail),
    )
    .await?;
    txn.commit().await?;
    Ok(recorded)
}
