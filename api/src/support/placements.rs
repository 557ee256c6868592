//! Placements: a client referred to a training programme or an employer, through the
//! lifecycle in `domain::placement`, with dates, wage and the support given.

use chrono::NaiveDate;
use domain::{
    access::Permission,
    bounds::{MAX_REASON_CHARS, MAX_SUPPORT_AMOUNT_VND},
    placement::{PlacementKind, PlacementStatus, check_dates, seat_free, takes_seat, transition},
    time::local_date,
};
use entities::{job_opening, placement, training_programme};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{loans::amount, scoped_client};
use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::optional_text,
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

fn subject(p: &placement::Model) -> Subject<'_> {
    Subject {
        entity_type: "placement",
        entity_id: Some(p.id),
        commune_code: Some(&p.commune_code),
    }
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(commune_condition(
        &principal.scope(),
        placement::Column::CommuneCode,
    ))
}

/// A stored placement's kind and status, parsed.
pub fn kind_and_status(p: &placement::Model) -> AppResult<(PlacementKind, PlacementStatus)> {
    let bad = || AppError::Internal(format!("bad placement {} {}", p.kind, p.status).into());
    Ok((
        PlacementKind::from_stored(&p.kind).ok_or_else(bad)?,
        PlacementStatus::from_stored(&p.status).ok_or_else(bad)?,
    ))
}

fn support_amount(field: &'static str, value: Option<i64>) -> AppResult<Option<i64>> {
    value
        .map(|v| amount(field, v, MAX_SUPPORT_AMOUNT_VND).map(|v| v.get()))
        .transpose()
}

fn dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> AppResult<()> {
    check_dates(start, end).map_err(|e| AppError::field("endsOn", e))
}

/// Dates, wage and support of a placement; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PlacementDetails {
    /// First day of the course or job.
    pub starts_on: Option<NaiveDate>,
    /// Last day (not before the first).
    pub ends_on: Option<NaiveDate>,
    /// Monthly wage, for a job.
    pub wage_vnd: Option<i64>,
    /// Tuition paid for the client.
    pub tuition_paid_vnd: Option<i64>,
    /// Stipend paid to the client.
    pub stipend_vnd: Option<i64>,
    /// Value of tools given.
    pub tools_vnd: Option<i64>,
    /// Other support, in words.
    pub support_note: Option<String>,
}

/// A new placement.
#[derive(Debug, Clone)]
pub struct NewPlacement {
    /// The client.
    pub client_id: Uuid,
    /// Training or job.
    pub kind: PlacementKind,
    /// For training: the programme.
    pub programme_id: Option<Uuid>,
    /// For a job: the opening.
    pub opening_id: Option<Uuid>,
    /// Day of referral (default today).
    pub referred_on: Option<NaiveDate>,
    /// Dates, wage and support.
    pub details: PlacementDetails,
}

fn apply(m: &mut placement::ActiveModel, d: PlacementDetails) -> AppResult<()> {
    if let Some(v) = support_amount("wageVnd", d.wage_vnd)? {
        m.wage_vnd = Set(Some(v));
    }
    if let Some(v) = support_amount("tuitionPaidVnd", d.tuition_paid_vnd)? {
        m.tuition_paid_vnd = Set(v);
    }
    if let Some(v) = support_amount("stipendVnd", d.stipend_vnd)? {
        m.stipend_vnd = Set(v);
    }
    if let Some(v) = support_amount("toolsVnd", d.tools_vnd)? {
        m.tools_vnd = Set(v);
    }
    if let Some(note) = optional_text("supportNote", d.support_note, MAX_REASON_CHARS)? {
        m.support_note = Set(Some(note));
    }
    if let Some(s) = d.starts_on {
        m.starts_on = Set(Some(s));
    }
    if let Some(e) = d.ends_on {
        m.ends_on = Set(Some(e));
    }
    Ok(())
}

/// Refers a client to a programme or an opening of the caller's communes.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewPlacement,
) -> AppResult<placement::Model> {
    ctx.principal()?.require(Permission::ClientsWrite)?;
    let today = local_date(ctx.now);
    let referred_on = input.referred_on.unwrap_or(today);
    if referred_on > today {
        return Err(AppError::field("referredOn", "must not be in the future"));
    }
    dates(input.details.starts_on, input.details.ends_on)?;
    match (input.kind, input.programme_id, input.opening_id) {
        (PlacementKind::Training, _, Some(_)) => {
            return Err(AppError::field(
                "openingId",
                "a training placement names a programme, not a job opening",
            ));
        }
        (PlacementKind::Job, Some(_), _) => {
            return Err(AppError::field(
                "programmeId",
                "a job placement names an opening, not a training programme",
            ));
        }
        _ => {}
    }
    let txn = store::db::begin_write(db).await?;
    let client = scoped_client(&txn, ctx, input.client_id).await?;
    let scope = ctx.principal()?.scope();
    if let Some(id) = input.programme_id {
        training_programme::Entity::find_by_id(id)
            .filter(commune_condition(
                &scope,
                training_programme::Column::CommuneCode,
            ))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("training programme"))?;
    }
    if let Some(id) = input.opening_id {
        job_opening::Entity::find_by_id(id)
            .filter(commune_condition(&scope, job_opening::Column::CommuneCode))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("job opening"))?;
    }
    let mut m = placement::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        commune_code: Set(client.commune_code.clone()),
        kind: Set(input.kind.as_str().to_owned()),
        programme_id: Set(input.programme_id),
        opening_id: Set(input.opening_id),
        status: Set(PlacementStatus::Referred.as_str().to_owned()),
        referred_on: Set(referred_on),
        starts_on: Set(None),
        ends_on: Set(None),
        wage_vnd: Set(None),
        tuition_paid_vnd: Set(0),
        stipend_vnd: Set(0),
        tools_vnd: Set(0),
        support_note: Set(None),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    };
    apply(&mut m, input.details)?;
    let p = m.insert(&txn).await?;
    audit::record(&txn, ctx, "placement.create", subject(&p), None).await?;
    txn.commit().await?;
    Ok(p)
}

/// Refuses (`CONFLICT`) when the placement's programme or opening has no seat left.
/// The programme or opening row is locked first (`FOR UPDATE` on PostgreSQL; SQLite
/// transactions begin with the write lock), so two people enrolling for the last seat at
/// once are counted one after the other and exactly one gets it.
async fn claim_seat(txn: &impl ConnectionTrait, p: &placement::Model) -> AppResult<()> {
    use placement::Column as C;
    let holding: Vec<&str> = PlacementStatus::ALL
        .into_iter()
        .filter(|s| s.holds_seat())
        .map(PlacementStatus::as_str)
        .collect();
    let held = placement::Entity::find().filter(C::Status.is_in(holding));
    let (seats, taken, place) = if let Some(id) = p.programme_id {
        let programme = training_programme::Entity::find_by_id(id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(AppError::NotFound("training programme"))?;
        let taken = held.filter(C::ProgrammeId.eq(id)).count(txn).await?;
        (programme.seats, taken, "training programme")
    } else if let Some(id) = p.opening_id {
        let opening = job_opening::Entity::find_by_id(id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(AppError::NotFound("job opening"))?;
        let taken = held.filter(C::OpeningId.eq(id)).count(txn).await?;
        (opening.seats, taken, "job opening")
    } else {
        // Referred without naming a programme or opening: nothing to count against.
        return Ok(());
    };
    if seat_free(seats, taken) {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "the {place} has no seat left: all {seats} are taken"
        )))
    }
}

/// Moves a placement to `to` (and records dates, wage and support given with it).
/// Ending an employment needs its end date; the end is never before the start.
pub async fn change_status(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    to: Option<PlacementStatus>,
    details: PlacementDetails,
) -> AppResult<placement::Model> {
    let txn = store::db::begin_write(db).await?;
    let current = placement::Entity::find_by_id(id)
        .filter(scoped(ctx, Permission::ClientsWrite)?)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("placement"))?;
    let (kind, from) = kind_and_status(&current)?;
    if let Some(to) = to {
        transition(kind, from, to).map_err(|e| AppError::Conflict(e.to_string()))?;
        if takes_seat(from, to) {
            claim_seat(&txn, &current).await?;
        }
    }
    let starts_on = details.starts_on.or(current.starts_on);
    let ends_on = details.ends_on.or(current.ends_on);
    dates(starts_on, ends_on)?;
    if to == Some(PlacementStatus::Ended) && ends_on.is_none() {
        return Err(AppError::field(
            "endsOn",
            "ending an employment needs its end date",
        ));
    }
    let mut m: placement::ActiveModel = current.into();
    apply(&mut m, details)?;
    if let Some(to) = to {
        m.status = Set(to.as_str().to_owned());
    }
    m.updated_at = Set(ctx.now);
    let p = m.update(&txn).await?;
    let action = match to {
        Some(to) => format!("placement.{}", to.as_str()),
        None => "placement.update".to_owned(),
    };
    audit::record(&txn, ctx, &action, subject(&p), None).await?;
    txn.commit().await?;
    Ok(p)
}

/// Filter of the placements list.
#[derive(Debug, Default, Clone)]
pub struct PlacementFilter {
    /// Only this client's.
    pub client_id: Option<Uuid>,
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this kind.
    pub kind: Option<PlacementKind>,
    /// Only this status.
    pub status: Option<PlacementStatus>,
    /// Only this training programme.
    pub programme_id: Option<Uuid>,
    /// Only this job opening.
    pub opening_id: Option<Uuid>,
    /// Referred on or after.
    pub referred_from: Option<NaiveDate>,
    /// Referred on or before.
    pub referred_to: Option<NaiveDate>,
}

/// Lists placements inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: PlacementFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<placement::Model>> {
    use placement::Column as C;
    let mut cond = scoped(ctx, Permission::ClientsRead)?;
    if let (Some(from), Some(to)) = (f.referred_from, f.referred_to)
        && to < from
    {
        return Err(AppError::field(
            "filter.referredTo",
            "must not be before filter.referredFrom",
        ));
    }
    if let Some(v) = f.client_id {
        cond = cond.add(C::ClientId.eq(v));
    }
    if let Some(v) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(v));
    }
    if let Some(v) = f.kind {
        cond = cond.add(C::Kind.eq(v.as_str()));
    }
    if let Some(v) = f.status {
        cond = cond.add(C::Status.eq(v.as_str()));
    }
    if let Some(v) = f.programme_id {
        cond = cond.add(C::ProgrammeId.eq(v));
    }
    if let Some(v) = f.opening_id {
        cond = cond.add(C::OpeningId.eq(v));
    }
    if let Some(v) = f.referred_from {
        cond = cond.add(C::ReferredOn.gte(v));
    }
    if let Some(v) = f.referred_to {
        cond = cond.add(C::ReferredOn.lte(v));
    }
    paginate(db, placement::Entity::find().filter(cond), C::Id, page).await
}

/// One placement in the caller's scope.
pub async fn get(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<Option<placement::Model>> {
    Ok(placement::Entity::find_by_id(id)
        .filter(scoped(ctx, Permission::ClientsRead)?)
        .one(db)
        .await?)
}

/// A client's support at a glance.
#[derive(Debug, Clone)]
pub struct ClientSupportSummary {
    /// The open placement most recently made, else the last one.
    pub current_placement: Option<placement::Model>,
    /// Whether a job placement is hired or employed.
    pub employed: bool,
    /// Principal and interest still owed on the client's loans.
    pub outstanding_loan_vnd: i64,
    /// Loans with money still owed.
    pub open_loans: u64,
}

/// The support summary of a client in the caller's scope.
pub async fn summary(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    client_id: Uuid,
) -> AppResult<ClientSupportSummary> {
    ctx.principal()?.require(Permission::ClientsRead)?;
    let client = scoped_client(db, ctx, client_id).await?;
    let placements = placement::Entity::find()
        .filter(placement::Column::ClientId.eq(client.id))
        .order_by_desc(placement::Column::Id)
        .all(db)
        .await?;
    let mut open = None;
    let mut employed = false;
    for p in &placements {
        let (_, status) = kind_and_status(p)?;
        employed |= status.is_employed();
        if open.is_none() && !status.is_final() {
            open = Some(p.clone());
        }
    }
    let current_placement = open.or_else(|| placements.first().cloned());
    let (outstanding_loan_vnd, open_loans) =
        super::loans::outstanding_of_client(db, client.id).await?;
    Ok(ClientSupportSummary {
        current_placement,
        employed,
        outstanding_loan_vnd,
        open_loans,
    })
}
