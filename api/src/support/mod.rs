//! Reintegration support (issue #12): vocational training, employment and loans.
//!
//! Like the registry, each service function takes the request context, checks the caller's
//! permission before looking anything up, narrows every query to the caller's communes, and
//! does its writes (with their audit entries) in one transaction.

pub mod eligibility_lists;
pub mod loan_programmes;
pub mod loans;
pub mod placements;
pub mod training;

use domain::access::Permission;
use entities::{client, employer};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    context::RequestContext,
    error::{AppError, AppResult},
    scope::commune_condition,
};

/// A client inside the caller's scope (the caller's permission is checked by the service).
pub(crate) async fn scoped_client(
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

/// An employer inside the caller's scope.
pub(crate) async fn scoped_employer(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<employer::Model> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsRead)?;
    employer::Entity::find_by_id(id)
        .filter(commune_condition(
            &principal.scope(),
            employer::Column::CommuneCode,
        ))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("employer"))
}
