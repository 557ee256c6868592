//! Officers and supporters of a commune (and province PC04 officers), and their sign-in tokens.

use chrono::Duration;
use domain::{
    Phone,
    access::{OfficerRole, Permission},
    person::PersonName,
    search,
};
use entities::{account, officer};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::places;
use crate::{
    audit::{self, Subject},
    auth::credentials,
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, paginate},
    scope::officer_condition,
};

/// Filter of the officers list.
#[derive(Debug, Default, Clone)]
pub struct OfficerFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this role.
    pub role: Option<OfficerRole>,
    /// Only active (or inactive) people.
    pub active: Option<bool>,
    /// Name contains (diacritics and case ignored).
    pub search: Option<String>,
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let principal = ctx.principal()?;
    principal.require(permission)?;
    Ok(officer_condition(
        &principal.scope(),
        officer::Column::CommuneCode,
        officer::Column::ProvinceCode,
    ))
}

/// Lists officers inside the caller's scope.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: OfficerFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<officer::Model>> {
    let mut cond = scoped(ctx, Permission::OfficersRead)?;
    if let Some(c) = filter.commune_code {
        cond = cond.add(officer::Column::CommuneCode.eq(c));
    }
    if let Some(r) = filter.role {
        cond = cond.add(officer::Column::Role.eq(r.as_str()));
    }
    if let Some(a) = filter.active {
        cond = cond.add(officer::Column::Active.eq(a));
    }
    if let Some(s) = filter.search.filter(|s| !s.trim().is_empty()) {
        cond = cond.add(officer::Column::NameSearch.like(search::contains_pattern(&s)));
    }
    paginate(
        db,
        officer::Entity::find().filter(cond),
        officer::Column::Id,
        page,
    )
    .await
}

/// Officers by id, those outside the caller's scope left out (DataLoader batch).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<officer::Model>> {
    let cond = scoped(ctx, Permission::OfficersRead)?;
    crate::scope::find_in_scope_by_ids::<officer::Entity>(db, cond, officer::Column::Id, ids).await
}

/// One officer inside the caller's scope, for a change (locked on PostgreSQL).
async fn for_update(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<officer::Model> {
    let cond = scoped(ctx, Permission::OfficersWrite)?;
    officer::Entity::find_by_id(id)
        .filter(cond)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("officer"))
}

/// Input of a new officer or supporter, as received.
#[derive(Debug, Clone)]
pub struct NewOfficer {
    /// Full name.
    pub full_name: String,
    /// Role.
    pub role: OfficerRole,
    /// Commune (required except for province roles).
    pub commune_code: Option<String>,
    /// Province (required for province roles; otherwise taken from the commune).
    pub province_code: Option<String>,
    /// Work phone.
    pub phone: Option<String>,
    /// Zalo user id (per our Official Account).
    pub zalo_user_id: Option<String>,
}

fn parse_phone(raw: Option<String>) -> AppResult<Option<String>> {
    raw.filter(|p| !p.trim().is_empty())
        .map(|p| {
            Phone::parse(&p)
                .map(|p| p.canonical().to_owned())
                .map_err(|e| AppError::field("phone", e))
        })
        .transpose()
}

/// Checks a Zalo user id: digits only, as Zalo issues them.
pub fn parse_zalo_user_id(raw: Option<String>) -> AppResult<Option<String>> {
    match raw.map(|z| z.trim().to_owned()).filter(|z| !z.is_empty()) {
        None => Ok(None),
        Some(z) if z.len() <= 32 && z.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(z)),
        Some(_) => Err(AppError::field(
            "zaloUserId",
            "a Zalo user id is up to 32 digits",
        )),
    }
}

/// Registers an officer or supporter in a commune inside the caller's scope.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: NewOfficer,
) -> AppResult<officer::Model> {
    let principal = ctx.principal()?;
    principal.require(Permission::OfficersWrite)?;
    let name = PersonName::parse(&input.full_name).map_err(|e| AppError::field("fullName", e))?;
    let phone = parse_phone(input.phone)?;
    let zalo_user_id = parse_zalo_user_id(input.zalo_user_id)?;
    let scope = principal.scope();
    let (commune_code, province_code) = if input.role.is_province_level() {
        if input.commune_code.is_some() {
            return Err(AppError::field(
                "communeCode",
                "a province-level officer belongs to no commune",
            ));
        }
        let province = input
            .province_code
            .ok_or_else(|| AppError::field("provinceCode", "required for province-level roles"))?;
        let province = domain::ProvinceCode::parse(&province)
            .map_err(|e| AppError::field("provinceCode", e))?;
        if places::provinces_by_codes(db, &[province.as_str().to_owned()])
            .await?
            .is_empty()
        {
            return Err(AppError::field(
                "provinceCode",
                format!("unknown province code {province}"),
            ));
        }
        if !matches!(&scope, domain::access::Scope::Everything)
            && scope != domain::access::Scope::Province(province.as_str().to_owned())
        {
            return Err(AppError::forbidden(
                "province-level officers can only be registered by that province's administrators",
            ));
        }
        (None, province.as_str().to_owned())
    } else {
        let code = input
            .commune_code
            .ok_or_else(|| AppError::field("communeCode", "required for commune roles"))?;
        let commune = places::current_commune(db, "communeCode", &code).await?;
        if !scope.allows(&commune.code, &commune.province_code) {
            return Err(AppError::forbidden(
                "you may not register officers in this commune",
            ));
        }
        (Some(commune.code), commune.province_code)
    };
    let txn = worker::db::begin_write(db).await?;
    let model = officer::ActiveModel {
        id: Set(Uuid::now_v7()),
        province_code: Set(province_code),
        commune_code: Set(commune_code),
        name_search: Set(search::search_key(name.as_str())),
        full_name: Set(name.as_str().to_owned()),
        phone: Set(phone),
        zalo_user_id: Set(zalo_user_id),
        role: Set(input.role.as_str().to_owned()),
        active: Set(true),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, ctx, "officer.create", subject(&model), None).await?;
    txn.commit().await?;
    Ok(model)
}

fn subject(o: &officer::Model) -> Subject<'_> {
    Subject {
        entity_type: "officer",
        entity_id: Some(o.id),
        commune_code: o.commune_code.as_deref(),
    }
}

/// Changes to an officer; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OfficerChanges {
    /// New full name.
    pub full_name: Option<String>,
    /// New phone; `Some(None)` clears it.
    pub phone: Option<Option<String>>,
    /// New Zalo user id; `Some(None)` clears it.
    pub zalo_user_id: Option<Option<String>>,
    /// New role (within the same level: commune or province).
    pub role: Option<OfficerRole>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// Updates an officer inside the caller's scope.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    changes: OfficerChanges,
) -> AppResult<officer::Model> {
    let txn = worker::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    let mut model: officer::ActiveModel = current.clone().into();
    if let Some(name) = changes.full_name {
        let name = PersonName::parse(&name).map_err(|e| AppError::field("fullName", e))?;
        model.name_search = Set(search::search_key(name.as_str()));
        model.full_name = Set(name.as_str().to_owned());
    }
    if let Some(phone) = changes.phone {
        model.phone = Set(parse_phone(phone)?);
    }
    if let Some(z) = changes.zalo_user_id {
        model.zalo_user_id = Set(parse_zalo_user_id(z)?);
    }
    if let Some(role) = changes.role {
        let was_province =
            OfficerRole::from_stored(&current.role).is_some_and(OfficerRole::is_province_level);
        if role.is_province_level() != was_province {
            return Err(AppError::field(
                "role",
                "cannot move an officer between commune and province level; register a new record",
            ));
        }
        model.role = Set(role.as_str().to_owned());
    }
    if let Some(active) = changes.active {
        model.active = Set(active);
    }
    model.updated_at = Set(ctx.now);
    let updated = model.update(&txn).await?;
    audit::record(&txn, ctx, "officer.update", subject(&updated), None).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Issues a bearer token to an officer whose role may sign in (administrators only).
pub async fn issue_token(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    officer_id: Uuid,
    ttl: Duration,
) -> AppResult<(String, chrono::DateTime<chrono::Utc>)> {
    let principal = ctx.principal()?;
    principal.require_admin(false)?;
    let scope = principal.scope();
    let txn = worker::db::begin_write(db).await?;
    let officer = officer::Entity::find_by_id(officer_id)
        .filter(officer_condition(
            &scope,
            officer::Column::CommuneCode,
            officer::Column::ProvinceCode,
        ))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("officer"))?;
    let role = OfficerRole::from_stored(&officer.role)
        .ok_or_else(|| AppError::Internal("bad role".into()))?;
    if !role.may_sign_in() {
        return Err(AppError::forbidden(
            "supporters (volunteers, mass organisations, family) do not sign in in this version",
        ));
    }
    if !officer.active {
        return Err(AppError::input("the officer is inactive"));
    }
    let existing = account::Entity::find()
        .filter(account::Column::OfficerId.eq(officer.id))
        .one(&txn)
        .await?;
    let account_id = match existing {
        Some(a) => a.id,
        None => {
            let id = Uuid::now_v7();
            account::ActiveModel {
                id: Set(id),
                kind: Set("officer".into()),
                officer_id: Set(Some(officer.id)),
                province_code: Set(Some(officer.province_code.clone())),
                display_name: Set(officer.full_name.clone()),
                created_at: Set(ctx.now),
                disabled_at: Set(None),
            }
            .insert(&txn)
            .await?;
            id
        }
    };
    let issued = credentials::issue_token(&txn, account_id, ctx.now, ttl).await?;
    audit::record(&txn, ctx, "officer.issue_token", subject(&officer), None).await?;
    txn.commit().await?;
    Ok(issued)
}
