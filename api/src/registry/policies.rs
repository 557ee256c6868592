//! Per-commune policy overrides: reminder offsets, grace, nudge, quiet hours, holiday policy.

use entities::commune_policy;
use sea_orm::{DatabaseConnection, EntityTrait, Set, sea_query::OnConflict};
use store::policy::{Policy, PolicyOverrides, policy_for};

use super::places;
use crate::{
    audit::{self, Subject},
    auth::Principal,
    context::RequestContext,
    error::{AppError, AppResult},
};

/// The stored overrides of a commune and the effective policy.
#[derive(Debug, Clone)]
pub struct CommunePolicyView {
    /// The commune.
    pub commune_code: String,
    /// What the commune overrides.
    pub overrides: PolicyOverrides,
    /// Deployment defaults with the overrides applied.
    pub effective: Policy,
}

async fn commune_in_scope(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    code: &str,
) -> AppResult<String> {
    let commune = places::current_commune(db, "communeCode", code).await?;
    if !ctx
        .principal()?
        .scope()
        .allows(&commune.code, &commune.province_code)
    {
        return Err(AppError::NotFound("commune"));
    }
    Ok(commune.code)
}

/// A commune's policy (anyone who may read its schedules).
pub async fn get(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &Policy,
    code: &str,
) -> AppResult<CommunePolicyView> {
    ctx.principal()?
        .require(domain::access::Permission::SchedulesRead)?;
    let code = commune_in_scope(db, ctx, code).await?;
    let overrides = match commune_policy::Entity::find_by_id(code.clone())
        .one(db)
        .await?
    {
        Some(row) => serde_json::from_str(&row.overrides).unwrap_or_default(),
        None => PolicyOverrides::default(),
    };
    let effective = policy_for(db, defaults, &code).await?;
    Ok(CommunePolicyView {
        commune_code: code,
        overrides,
        effective,
    })
}

/// Replaces a commune's overrides (administrators and the commune police chief). Invalid
/// values, and values past the input bounds (`domain::bounds`: at most five distinct reminder
/// offsets, durations of at most a week or two), are refused, naming the field, before
/// anything is stored.
pub async fn set(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &Policy,
    code: &str,
    overrides: PolicyOverrides,
) -> AppResult<CommunePolicyView> {
    let principal = ctx.principal()?;
    let allowed = matches!(principal, Principal::Administrator { .. })
        || matches!(
            principal,
            Principal::Officer {
                role: domain::access::OfficerRole::CommunePoliceChief,
                ..
            }
        );
    if !allowed {
        return Err(AppError::forbidden(
            "only administrators and the commune police chief may change the policy",
        ));
    }
    let code = commune_in_scope(db, ctx, code).await?;
    let effective = defaults
        .with_overrides(&overrides)
        .map_err(|e| AppError::field(e.var, e.reason))?;
    let json = serde_json::to_string(&overrides).map_err(|e| AppError::Internal(Box::new(e)))?;
    let txn = store::db::begin_write(db).await?;
    commune_policy::Entity::insert(commune_policy::ActiveModel {
        commune_code: Set(code.clone()),
        overrides: Set(json),
        updated_at: Set(ctx.now),
    })
    .on_conflict(
        OnConflict::column(commune_policy::Column::CommuneCode)
            .update_columns([
                commune_policy::Column::Overrides,
                commune_policy::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let subject = Subject {
        entity_type: "commune_policy",
        entity_id: None,
        commune_code: Some(&code),
    };
    audit::record(&txn, ctx, "commune_policy.set", subject, None).await?;
    txn.commit().await?;
    Ok(CommunePolicyView {
        commune_code: code,
        overrides,
        effective,
    })
}
