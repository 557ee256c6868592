//! Officers and supporters of a commune (and province PC04 officers), and their sign-in tokens.

use chrono::Duration;
use domain::{
    access::{OfficerRole, Permission},
    officer_rights,
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
    input,
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

/// The scope condition on officers for a caller who may read them.
pub(crate) fn readable(ctx: &RequestContext) -> AppResult<Condition> {
    scoped(ctx, Permission::OfficersRead)
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
    if let Some(search) = input::name_search(officer::Column::NameSearch, filter.search)? {
        cond = cond.add(search);
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

/// One officer inside the caller's scope, whatever the caller's permissions (for checks made
/// on behalf of another operation, such as an assignment).
pub async fn in_scope(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<Option<officer::Model>> {
    let scope = ctx.principal()?.scope();
    Ok(officer::Entity::find_by_id(id)
        .filter(officer_condition(
            &scope,
            officer::Column::CommuneCode,
            officer::Column::ProvinceCode,
        ))
        .one(db)
        .await?)
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
    input::phone("phone", raw.as_deref())
}

/// Checks a Zalo user id: digits only, as Zalo issues them.
pub fn parse_zalo_user_id(raw: Option<String>) -> AppResult<Option<String>> {
    match input::identifier("zaloUserId", raw.as_deref())?.map(str::trim) {
        None => Ok(None),
        Some(z) if domain::messaging::invitation::is_zalo_user_id(z) => Ok(Some(z.to_owned())),
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
    principal
        .with_officer_actor(|actor| {
            officer_rights::check_registration(
                actor,
                input.role,
                commune_code.as_deref(),
                &province_code,
            )
        })
        .map_err(refused)?;
    let txn = store::db::begin_write(db).await?;
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
    let detail =
        serde_json::json!({ "role": { "after": model.role }, "active": { "after": true } });
    audit::record(
        &txn,
        ctx,
        "officer.create",
        subject(&model),
        Some(detail.to_string()),
    )
    .await?;
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

fn refused(r: officer_rights::Refusal) -> AppError {
    AppError::forbidden(r.to_string())
}

fn stored_role(o: &officer::Model) -> AppResult<OfficerRole> {
    OfficerRole::from_stored(&o.role).ok_or_else(|| {
        AppError::Internal(format!("unknown stored officer role {:?}", o.role).into())
    })
}

/// Updates an officer inside the caller's scope, if the caller may make this change to this
/// person ([`officer_rights::check_change`]). Role and active-flag changes are audited with
/// their values before and after; profile changes with the names of the fields.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    changes: OfficerChanges,
) -> AppResult<officer::Model> {
    let principal = ctx.principal()?;
    let txn = store::db::begin_write(db).await?;
    let current = for_update(&txn, ctx, id).await?;
    let current_role = stored_role(&current)?;
    // Setting a value to what it already is changes nothing and needs no right.
    let new_role = changes.role.filter(|r| *r != current_role);
    let new_active = changes.active.filter(|a| *a != current.active);
    let target = officer_rights::Target {
        id: &current.id.to_string(),
        role: current_role,
        commune: current.commune_code.as_deref(),
        province: &current.province_code,
    };
    let change = officer_rights::Change {
        role: new_role,
        active: new_active.is_some(),
    };
    principal
        .with_officer_actor(|actor| officer_rights::check_change(actor, target, change))
        .map_err(refused)?;
    let mut detail = serde_json::Map::new();
    let mut fields = Vec::new();
    let mut model: officer::ActiveModel = current.clone().into();
    if let Some(name) = changes.full_name {
        fields.push("fullName");
        let name = PersonName::parse(&name).map_err(|e| AppError::field("fullName", e))?;
        model.name_search = Set(search::search_key(name.as_str()));
        model.full_name = Set(name.as_str().to_owned());
    }
    if let Some(phone) = changes.phone {
        fields.push("phone");
        model.phone = Set(parse_phone(phone)?);
    }
    if let Some(z) = changes.zalo_user_id {
        fields.push("zaloUserId");
        model.zalo_user_id = Set(parse_zalo_user_id(z)?);
    }
    if let Some(role) = new_role {
        if role.is_province_level() != current_role.is_province_level() {
            return Err(AppError::field(
                "role",
                "cannot move an officer between commune and province level; register a new record",
            ));
        }
        model.role = Set(role.as_str().to_owned());
        detail.insert(
            "role".into(),
            serde_json::json!({ "before": current_role.as_str(), "after": role.as_str() }),
        );
    }
    if let Some(active) = new_active {
        model.active = Set(active);
        detail.insert(
            "active".into(),
            serde_json::json!({ "before": current.active, "after": active }),
        );
    }
    // Field names only: the audit log never holds a name or phone number.
    detail.insert("fields".into(), serde_json::json!(fields));
    model.updated_at = Set(ctx.now);
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "officer.update",
        subject(&updated),
        Some(serde_json::Value::Object(detail).to_string()),
    )
    .await?;
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
    if !principal.with_officer_actor(officer_rights::may_issue_token) {
        return Err(AppError::forbidden(
            "only an administrator may issue tokens to officers",
        ));
    }
    let scope = principal.scope();
    let txn = store::db::begin_write(db).await?;
    let officer = officer::Entity::find_by_id(officer_id)
        .filter(officer_condition(
            &scope,
            officer::Column::CommuneCode,
            officer::Column::ProvinceCode,
        ))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("officer"))?;
    let role = stored_role(&officer)?;
    if !role.may_sign_in() {
        return Err(AppError::forbidden(
            "supporters (volunteers, mass organisations, family) do not sign in in this version",
        ));
    }
    if !officer.active {
        return Err(AppError::field("officerId", "the officer is inactive"));
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
