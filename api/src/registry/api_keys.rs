//! Partner API keys: scopes and allowed communes, managed by administrators.

use std::collections::BTreeSet;

use domain::{
    access::{Permission, Scope},
    bounds::{MAX_API_KEY_COMMUNES, MAX_ORGANISATION_NAME_CHARS},
};
use entities::{api_key, api_key_commune};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set, sea_query::Query,
};
use uuid::Uuid;

use super::places;
use crate::{
    audit::{self, Subject},
    auth::credentials,
    context::RequestContext,
    error::{AppError, AppResult},
    input::{bounded_list, required_text},
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

/// A key with its communes.
#[derive(Debug, Clone)]
pub struct ApiKeyView {
    /// The stored key (hash only).
    pub key: api_key::Model,
    /// Communes it may reach.
    pub communes: Vec<String>,
}

/// Creates a key; returns it with the secret, which is shown only once.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    name: &str,
    scopes: BTreeSet<Permission>,
    commune_codes: &[String],
) -> AppResult<(ApiKeyView, String)> {
    let principal = ctx.principal()?;
    principal.require_admin(false)?;
    let name = required_text("name", name, MAX_ORGANISATION_NAME_CHARS)?;
    bounded_list("communeCodes", commune_codes, MAX_API_KEY_COMMUNES)?;
    if scopes.is_empty() {
        return Err(AppError::field("scopes", "a key needs at least one scope"));
    }
    if commune_codes.is_empty() {
        return Err(AppError::field(
            "communeCodes",
            "a key needs at least one commune",
        ));
    }
    let scope = principal.scope();
    let mut communes = Vec::new();
    for code in commune_codes {
        let c = places::current_commune(db, "communeCodes", code).await?;
        if !scope.allows(&c.code, &c.province_code) {
            return Err(AppError::forbidden(format!(
                "commune {} is outside your province",
                c.code
            )));
        }
        if !communes.contains(&c.code) {
            communes.push(c.code);
        }
    }
    let secret = credentials::new_secret(credentials::API_KEY_PREFIX);
    let txn = store::db::begin_write(db).await?;
    let key = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        key_hash: Set(credentials::hash_secret(&secret)),
        scopes: Set(scopes
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(" ")),
        created_at: Set(ctx.now),
        revoked_at: Set(None),
        previous_key_hash: Set(None),
        previous_key_expires_at: Set(None),
        rotated_at: Set(None),
    }
    .insert(&txn)
    .await?;
    api_key_commune::Entity::insert_many(communes.iter().map(|c| api_key_commune::ActiveModel {
        api_key_id: Set(key.id),
        commune_code: Set(c.clone()),
    }))
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        ctx,
        "api_key.create",
        Subject {
            entity_type: "api_key",
            entity_id: Some(key.id),
            commune_code: None,
        },
        Some(key.scopes.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok((ApiKeyView { key, communes }, secret))
}

async fn with_communes(
    db: &impl ConnectionTrait,
    keys: Vec<api_key::Model>,
) -> AppResult<Vec<ApiKeyView>> {
    let links = api_key_commune::Entity::find()
        .filter(api_key_commune::Column::ApiKeyId.is_in(keys.iter().map(|k| k.id)))
        .all(db)
        .await?;
    Ok(keys
        .into_iter()
        .map(|key| {
            let communes = links
                .iter()
                .filter(|l| l.api_key_id == key.id)
                .map(|l| l.commune_code.clone())
                .collect();
            ApiKeyView { key, communes }
        })
        .collect())
}

/// Keys a caller of `scope` may manage: keys with at least one commune, all inside the scope.
/// A SQL condition, so that paging and `totalCount` see only those keys.
fn key_condition(scope: &Scope) -> Condition {
    if matches!(scope, Scope::Everything) {
        return Condition::all();
    }
    let linked = Query::select()
        .column(api_key_commune::Column::ApiKeyId)
        .from(api_key_commune::Entity)
        .to_owned();
    let outside = Query::select()
        .column(api_key_commune::Column::ApiKeyId)
        .from(api_key_commune::Entity)
        .cond_where(commune_condition(scope, api_key_commune::Column::CommuneCode).not())
        .to_owned();
    Condition::all()
        .add(api_key::Column::Id.in_subquery(linked))
        .add(api_key::Column::Id.not_in_subquery(outside))
}

/// One key the caller (an administrator) may manage; NOT_FOUND for unknown and out-of-scope
/// keys alike.
async fn manageable(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<ApiKeyView> {
    let principal = ctx.principal()?;
    principal.require_admin(false)?;
    let key = api_key::Entity::find_by_id(id)
        .filter(key_condition(&principal.scope()))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("API key"))?;
    with_communes(db, vec![key])
        .await?
        .pop()
        .ok_or(AppError::NotFound("API key"))
}

/// Lists keys (administrators; province administrators see keys of their province only).
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    page: PageRequest<Uuid>,
) -> AppResult<Page<ApiKeyView>> {
    let principal = ctx.principal()?;
    principal.require_admin(false)?;
    let query = api_key::Entity::find().filter(key_condition(&principal.scope()));
    let page = paginate(db, query, api_key::Column::Id, page).await?;
    Ok(Page {
        items: with_communes(db, page.items).await?,
        has_next_page: page.has_next_page,
        total_count: page.total_count,
    })
}

/// Longest overlap of a rotation: the old secret works at most a week after it.
pub const MAX_ROTATION_OVERLAP_HOURS: u32 = 168;

/// Gives a key a new secret, keeping its identity, scopes and communes. The old secret keeps
/// working for `overlap_hours` (0 to [`MAX_ROTATION_OVERLAP_HOURS`]) so the partner can deploy
/// the new one without downtime. Rotating again ends an earlier overlap at once: only the
/// secret just replaced stays valid. Returns the key and the new secret, shown only once.
pub async fn rotate(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    overlap_hours: u32,
) -> AppResult<(ApiKeyView, String)> {
    ctx.principal()?.require_admin(false)?;
    if overlap_hours > MAX_ROTATION_OVERLAP_HOURS {
        return Err(AppError::field(
            "overlapHours",
            format!("must be between 0 and {MAX_ROTATION_OVERLAP_HOURS} hours"),
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let view = manageable(&txn, ctx, id).await?;
    if view.key.revoked_at.is_some() {
        return Err(AppError::Conflict(
            "the key is revoked; create a new one".into(),
        ));
    }
    let secret = credentials::new_secret(credentials::API_KEY_PREFIX);
    let old_hash = view.key.key_hash.clone();
    let mut m: api_key::ActiveModel = view.key.into();
    m.key_hash = Set(credentials::hash_secret(&secret));
    m.previous_key_hash = Set((overlap_hours > 0).then_some(old_hash));
    m.previous_key_expires_at =
        Set((overlap_hours > 0).then(|| ctx.now + chrono::Duration::hours(overlap_hours.into())));
    m.rotated_at = Set(Some(ctx.now));
    let key = m.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "api_key.rotate",
        Subject {
            entity_type: "api_key",
            entity_id: Some(key.id),
            commune_code: None,
        },
        Some(format!("overlap_hours={overlap_hours}")),
    )
    .await?;
    txn.commit().await?;
    Ok((
        ApiKeyView {
            key,
            communes: view.communes,
        },
        secret,
    ))
}

/// Revokes a key at once (its previous secret too, during a rotation's overlap).
pub async fn revoke(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<ApiKeyView> {
    let txn = store::db::begin_write(db).await?;
    let view = manageable(&txn, ctx, id).await?;
    if view.key.revoked_at.is_some() {
        return Err(AppError::Conflict("the key is already revoked".into()));
    }
    let mut m: api_key::ActiveModel = view.key.into();
    m.revoked_at = Set(Some(ctx.now));
    let key = m.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "api_key.revoke",
        Subject {
            entity_type: "api_key",
            entity_id: Some(key.id),
            commune_code: None,
        },
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(ApiKeyView {
        key,
        communes: view.communes,
    })
}
