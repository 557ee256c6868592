//! An officer's bearer tokens: listed without their secrets, revoked one at a time or all at
//! once (issue 8, defect 10). Revocation takes effect on the next request: every request looks
//! its token up again (`auth::credentials::authenticate`).
//!
//! An officer manages their own tokens; administrators manage the tokens of officers in their
//! scope. Partner keys manage none.

use entities::{access_token, account, officer};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use super::officers;
use crate::{
    audit::{self, Subject},
    auth::Principal,
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, paginate},
    scope::officer_condition,
};

/// Ids of the accounts of officers matching `officers`.
fn accounts_of(officers: Condition) -> SelectStatement {
    Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(
            account::Column::OfficerId.in_subquery(
                Query::select()
                    .column(officer::Column::Id)
                    .from(officer::Entity)
                    .cond_where(officers)
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// The officer whose tokens the caller may manage: themselves, or an officer in an
/// administrator's scope. Another officer's id is refused before any lookup, so it tells
/// nothing about whether that officer exists.
async fn manageable_officer(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    officer_id: Uuid,
) -> AppResult<officer::Model> {
    match ctx.principal()? {
        Principal::Officer {
            officer_id: own, ..
        } if *own == officer_id => {}
        Principal::Administrator { .. } => {}
        _ => {
            return Err(AppError::forbidden(
                "only the officer themselves or an administrator may manage an officer's tokens",
            ));
        }
    }
    officers::in_scope(db, ctx, officer_id)
        .await?
        .ok_or(AppError::NotFound("officer"))
}

fn subject(o: &officer::Model) -> Subject<'_> {
    Subject {
        entity_type: "officer",
        entity_id: Some(o.id),
        commune_code: o.commune_code.as_deref(),
    }
}

/// An officer's tokens, oldest first (never their secrets, which are stored only as hashes).
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    officer_id: Uuid,
    page: PageRequest<Uuid>,
) -> AppResult<Page<access_token::Model>> {
    manageable_officer(db, ctx, officer_id).await?;
    let accounts = accounts_of(Condition::all().add(officer::Column::Id.eq(officer_id)));
    paginate(
        db,
        access_token::Entity::find().filter(access_token::Column::AccountId.in_subquery(accounts)),
        access_token::Column::Id,
        page,
    )
    .await
}

/// Revokes one token at once. Unknown tokens and tokens the caller may not manage are
/// NOT_FOUND alike.
pub async fn revoke(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    token_id: Uuid,
) -> AppResult<access_token::Model> {
    let principal = ctx.principal()?;
    let owner = match principal {
        // Their own account's tokens only.
        Principal::Officer { account_id, .. } => {
            Condition::all().add(access_token::Column::AccountId.eq(*account_id))
        }
        Principal::Administrator { .. } => Condition::all().add(
            access_token::Column::AccountId.in_subquery(accounts_of(officer_condition(
                &principal.scope(),
                officer::Column::CommuneCode,
                officer::Column::ProvinceCode,
            ))),
        ),
        Principal::Partner { .. } => {
            return Err(AppError::forbidden(
                "partner keys cannot manage officers' tokens",
            ));
        }
    };
    let txn = store::db::begin_write(db).await?;
    let token = access_token::Entity::find_by_id(token_id)
        .filter(owner)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("token"))?;
    let officer = officer::Entity::find()
        .filter(
            officer::Column::Id.in_subquery(
                Query::select()
                    .column(account::Column::OfficerId)
                    .from(account::Entity)
                    .and_where(account::Column::Id.eq(token.account_id))
                    .to_owned(),
            ),
        )
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("token"))?;
    if token.revoked_at.is_some() {
        return Err(AppError::Conflict("the token is already revoked".into()));
    }
    let mut m: access_token::ActiveModel = token.into();
    m.revoked_at = Set(Some(ctx.now));
    let token = m.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "officer.revoke_token",
        subject(&officer),
        Some(format!("token {}", token.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Revokes every token of an officer that is not yet revoked; returns how many.
pub async fn revoke_all(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    officer_id: Uuid,
) -> AppResult<u64> {
    let txn = store::db::begin_write(db).await?;
    let officer = manageable_officer(&txn, ctx, officer_id).await?;
    let accounts = accounts_of(Condition::all().add(officer::Column::Id.eq(officer_id)));
    let result = access_token::Entity::update_many()
        .col_expr(access_token::Column::RevokedAt, Expr::value(ctx.now))
        .filter(access_token::Column::AccountId.in_subquery(accounts))
        .filter(access_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx,
        "officer.revoke_tokens",
        subject(&officer),
        Some(format!("revoked={}", result.rows_affected)),
    )
    .await?;
    txn.commit().await?;
    Ok(result.rows_affected)
}
