//! Training providers and their programmes, employers and their job openings: the places a
//! client can be referred to. Each belongs to the commune that registered it.

use chrono::NaiveDate;
use domain::{
    access::Permission,
    bounds::{
        MAX_ADDRESS_CHARS, MAX_DESCRIPTION_CHARS, MAX_ORGANISATION_NAME_CHARS, MAX_SEATS,
        MAX_SUPPORT_AMOUNT_VND, MAX_TITLE_CHARS,
    },
    placement::{FundingSource, ProviderKind},
};
use entities::{employer, job_opening, training_programme, training_provider};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::loans::amount;
use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    input::{optional_text, phone, required_text},
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

/// Checks that `commune_code` is a commune inside the caller's scope (for writes).
async fn commune_in_scope(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    commune_code: &str,
) -> AppResult<()> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsWrite)?;
    entities::commune::Entity::find_by_id(commune_code.to_owned())
        .filter(commune_condition(
            &principal.scope(),
            entities::commune::Column::Code,
        ))
        .one(db)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("commune"))
}

fn seats(value: i32) -> AppResult<i32> {
    if value < 1 || value as u32 > MAX_SEATS {
        return Err(AppError::field("seats", format!("must be 1–{MAX_SEATS}")));
    }
    Ok(value)
}

fn read_scope(ctx: &RequestContext) -> AppResult<domain::access::Scope> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsRead)?;
    Ok(principal.scope())
}

/// A new provider.
#[derive(Debug, Clone)]
pub struct NewProvider {
    /// Commune that registers it.
    pub commune_code: String,
    /// Name.
    pub name: String,
    /// What kind of organisation.
    pub kind: ProviderKind,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// Registers a training provider.
pub async fn create_provider(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    p: NewProvider,
) -> AppResult<training_provider::Model> {
    ctx.principal()?.require(Permission::ClientsWrite)?;
    let name = required_text("name", &p.name, MAX_ORGANISATION_NAME_CHARS)?;
    let address = optional_text("address", p.address, MAX_ADDRESS_CHARS)?;
    let phone = phone("phone", p.phone.as_deref())?;
    let txn = store::db::begin_write(db).await?;
    commune_in_scope(&txn, ctx, &p.commune_code).await?;
    let m = training_provider::ActiveModel {
        id: Set(Uuid::now_v7()),
        commune_code: Set(p.commune_code),
        name: Set(name),
        kind: Set(p.kind.as_str().to_owned()),
        address: Set(address),
        phone: Set(phone),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let subject = Subject {
        entity_type: "training_provider",
        entity_id: Some(m.id),
        commune_code: Some(&m.commune_code),
    };
    audit::record(&txn, ctx, "training_provider.create", subject, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// A new programme.
#[derive(Debug, Clone)]
pub struct NewProgramme {
    /// The provider (in the caller's scope); the programme takes its commune.
    pub provider_id: Uuid,
    /// Trade taught.
    pub trade: String,
    /// Length in days.
    pub duration_days: i32,
    /// Schedule in words ("Thứ Hai–Thứ Sáu, 8:00–11:00").
    pub schedule: Option<String>,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// Cost per trainee.
    pub cost_vnd: i64,
    /// Who pays.
    pub funding_source: FundingSource,
    /// Seats.
    pub seats: i32,
}

/// Adds a programme to a provider.
pub async fn create_programme(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    p: NewProgramme,
) -> AppResult<training_programme::Model> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsWrite)?;
    let trade = required_text("trade", &p.trade, MAX_TITLE_CHARS)?;
    let schedule = optional_text("schedule", p.schedule, MAX_DESCRIPTION_CHARS)?;
    if !(1..=366).contains(&p.duration_days) {
        return Err(AppError::field("durationDays", "must be 1–366 days"));
    }
    let cost = amount("costVnd", p.cost_vnd, MAX_SUPPORT_AMOUNT_VND)?;
    let seats = seats(p.seats)?;
    if let (Some(s), Some(e)) = (p.starts_on, p.ends_on)
        && e < s
    {
        return Err(AppError::field("endsOn", "must not be before startsOn"));
    }
    let txn = store::db::begin_write(db).await?;
    let provider = training_provider::Entity::find_by_id(p.provider_id)
        .filter(commune_condition(
            &principal.scope(),
            training_provider::Column::CommuneCode,
        ))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("training provider"))?;
    let m = training_programme::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider_id: Set(provider.id),
        commune_code: Set(provider.commune_code.clone()),
        trade: Set(trade),
        duration_days: Set(p.duration_days),
        schedule: Set(schedule),
        starts_on: Set(p.starts_on),
        ends_on: Set(p.ends_on),
        cost_vnd: Set(cost.get()),
        funding_source: Set(p.funding_source.as_str().to_owned()),
        seats: Set(seats),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let subject = Subject {
        entity_type: "training_programme",
        entity_id: Some(m.id),
        commune_code: Some(&m.commune_code),
    };
    audit::record(&txn, ctx, "training_programme.create", subject, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// A new employer.
#[derive(Debug, Clone)]
pub struct NewEmployer {
    /// Commune that registers it.
    pub commune_code: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Workers under labour contract.
    pub workforce_total: Option<i32>,
    /// Of whom people after rehab (for business loans).
    pub workforce_after_rehab: Option<i32>,
}

/// Registers an employer.
pub async fn create_employer(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    e: NewEmployer,
) -> AppResult<employer::Model> {
    ctx.principal()?.require(Permission::ClientsWrite)?;
    let name = required_text("name", &e.name, MAX_ORGANISATION_NAME_CHARS)?;
    let address = optional_text("address", e.address, MAX_ADDRESS_CHARS)?;
    let phone = phone("phone", e.phone.as_deref())?;
    let max = 1_000_000;
    if e.workforce_total.is_some_and(|n| !(0..=max).contains(&n)) {
        return Err(AppError::field("workforceTotal", "must be 0–1,000,000"));
    }
    match (e.workforce_total, e.workforce_after_rehab) {
        (_, Some(r)) if r < 0 => {
            return Err(AppError::field(
                "workforceAfterRehab",
                "must not be negative",
            ));
        }
        (Some(t), Some(r)) if r > t => {
            return Err(AppError::field(
                "workforceAfterRehab",
                "must not exceed workforceTotal",
            ));
        }
        (None, Some(_)) => {
            return Err(AppError::field(
                "workforceTotal",
                "give the whole workforce with the workers after rehab",
            ));
        }
        _ => {}
    }
    let txn = store::db::begin_write(db).await?;
    commune_in_scope(&txn, ctx, &e.commune_code).await?;
    let m = employer::ActiveModel {
        id: Set(Uuid::now_v7()),
        commune_code: Set(e.commune_code),
        name: Set(name),
        address: Set(address),
        phone: Set(phone),
        workforce_total: Set(e.workforce_total),
        workforce_after_rehab: Set(e.workforce_after_rehab),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let subject = Subject {
        entity_type: "employer",
        entity_id: Some(m.id),
        commune_code: Some(&m.commune_code),
    };
    audit::record(&txn, ctx, "employer.create", subject, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// A new job opening.
#[derive(Debug, Clone)]
pub struct NewOpening {
    /// The employer (in the caller's scope); the opening takes its commune.
    pub employer_id: Uuid,
    /// Job title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Monthly wage offered.
    pub wage_vnd: Option<i64>,
    /// Seats.
    pub seats: i32,
    /// First day of applications.
    pub opens_on: NaiveDate,
    /// Last day.
    pub closes_on: Option<NaiveDate>,
}

/// Adds a job opening to an employer.
pub async fn create_opening(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    o: NewOpening,
) -> AppResult<job_opening::Model> {
    ctx.principal()?.require(Permission::ClientsWrite)?;
    let title = required_text("title", &o.title, MAX_TITLE_CHARS)?;
    let description = optional_text("description", o.description, MAX_DESCRIPTION_CHARS)?;
    let wage = o
        .wage_vnd
        .map(|w| amount("wageVnd", w, MAX_SUPPORT_AMOUNT_VND).map(|v| v.get()))
        .transpose()?;
    let seats = seats(o.seats)?;
    if o.closes_on.is_some_and(|c| c < o.opens_on) {
        return Err(AppError::field("closesOn", "must not be before opensOn"));
    }
    let txn = store::db::begin_write(db).await?;
    let employer = super::scoped_employer(&txn, ctx, o.employer_id).await?;
    let m = job_opening::ActiveModel {
        id: Set(Uuid::now_v7()),
        employer_id: Set(employer.id),
        commune_code: Set(employer.commune_code.clone()),
        title: Set(title),
        description: Set(description),
        wage_vnd: Set(wage),
        seats: Set(seats),
        opens_on: Set(o.opens_on),
        closes_on: Set(o.closes_on),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let subject = Subject {
        entity_type: "job_opening",
        entity_id: Some(m.id),
        commune_code: Some(&m.commune_code),
    };
    audit::record(&txn, ctx, "job_opening.create", subject, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// Filter shared by the four lists.
#[derive(Debug, Default, Clone)]
pub struct PlaceFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this provider's programmes, or this employer's openings.
    pub parent_id: Option<Uuid>,
    /// Programmes starting, or openings open, on or after this day.
    pub from: Option<NaiveDate>,
    /// … and on or before this day.
    pub to: Option<NaiveDate>,
}

/// Providers in the caller's scope.
pub async fn providers(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: PlaceFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<training_provider::Model>> {
    use training_provider::Column as C;
    let mut cond = commune_condition(&read_scope(ctx)?, C::CommuneCode);
    if let Some(c) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(c));
    }
    paginate(
        db,
        training_provider::Entity::find().filter(cond),
        C::Id,
        page,
    )
    .await
}

/// Programmes in the caller's scope.
pub async fn programmes(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: PlaceFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<training_programme::Model>> {
    use training_programme::Column as C;
    let mut cond: Condition = commune_condition(&read_scope(ctx)?, C::CommuneCode);
    if let Some(c) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(c));
    }
    if let Some(p) = f.parent_id {
        cond = cond.add(C::ProviderId.eq(p));
    }
    if let Some(d) = f.from {
        cond = cond.add(C::StartsOn.gte(d));
    }
    if let Some(d) = f.to {
        cond = cond.add(C::StartsOn.lte(d));
    }
    paginate(
        db,
        training_programme::Entity::find().filter(cond),
        C::Id,
        page,
    )
    .await
}

/// Employers in the caller's scope.
pub async fn employers(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: PlaceFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<employer::Model>> {
    use employer::Column as C;
    let mut cond = commune_condition(&read_scope(ctx)?, C::CommuneCode);
    if let Some(c) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(c));
    }
    paginate(db, employer::Entity::find().filter(cond), C::Id, page).await
}

/// Job openings in the caller's scope.
pub async fn openings(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    f: PlaceFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<job_opening::Model>> {
    use job_opening::Column as C;
    let mut cond = commune_condition(&read_scope(ctx)?, C::CommuneCode);
    if let Some(c) = f.commune_code {
        cond = cond.add(C::CommuneCode.eq(c));
    }
    if let Some(p) = f.parent_id {
        cond = cond.add(C::EmployerId.eq(p));
    }
    // Open at some point in [from, to]: opened by `to`, not closed before `from`.
    if let Some(d) = f.to {
        cond = cond.add(C::OpensOn.lte(d));
    }
    if let Some(d) = f.from {
        cond = cond.add(
            Condition::any()
                .add(C::ClosesOn.is_null())
                .add(C::ClosesOn.gte(d)),
        );
    }
    paginate(db, job_opening::Entity::find().filter(cond), C::Id, page).await
}
