//! Transfer of a client to another commune. The history stays: the old order is closed as
//! `transferred_out` in the old commune, and a new order continuing the same term waits for the
//! new commune's decision.

use chrono::NaiveDate;
use domain::{access::Permission, order::OrderStatus, time::local_date};
use entities::{client, client_transfer, order_assignment, supervision_order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::{clients, orders, places};
use crate::{
    audit,
    context::RequestContext,
    error::{AppError, AppResult},
    scope::commune_condition,
};

/// What a transfer produced.
#[derive(Debug)]
pub struct TransferOutcome {
    /// The client, now in the new commune.
    pub client: client::Model,
    /// The transfer record.
    pub transfer: client_transfer::Model,
    /// The new order in the new commune, if the client had an open one.
    pub new_order: Option<supervision_order::Model>,
}

/// Moves a client to another commune. Needs write access to clients and orders in the
/// source commune; the destination must be a current commune (any province).
pub async fn transfer(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    client_id: Uuid,
    to_commune_code: &str,
    decided_on: NaiveDate,
    reason: String,
) -> AppResult<TransferOutcome> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsWrite)?;
    principal.require(Permission::OrdersWrite)?;
    let reason = crate::input::required_text("reason", &reason, domain::bounds::MAX_REASON_CHARS)?;
    if decided_on > local_date(ctx.now) {
        return Err(AppError::field("decidedOn", "cannot be in the future"));
    }
    let to = places::current_commune(db, "toCommuneCode", to_commune_code).await?;
    let txn = store::db::begin_write(db).await?;
    let current = clients::for_update(&txn, ctx, client_id).await?;
    if current.commune_code == to.code {
        return Err(AppError::field(
            "toCommuneCode",
            "the client already lives in this commune",
        ));
    }
    let open = store::orders::open_order_of(&txn, client_id).await?;
    let mut new_order = None;
    if let Some(old) = open {
        // Close the old order first: the one-open-order index forbids two at once.
        let mut closing: supervision_order::ActiveModel = old.clone().into();
        closing.status = Set(OrderStatus::TransferredOut.as_str().to_owned());
        closing.status_reason = Set(Some(format!("transferred to commune {}", to.code)));
        closing.status_changed_at = Set(ctx.now);
        closing.updated_at = Set(ctx.now);
        let closed = closing.update(&txn).await?;
        store::occurrences::end_plans_for_order(&txn, old.id, ctx.now).await?;
        order_assignment::Entity::update_many()
            .col_expr(order_assignment::Column::EndedOn, Expr::value(decided_on))
            .filter(order_assignment::Column::OrderId.eq(old.id))
            .filter(order_assignment::Column::EndedOn.is_null())
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            ctx,
            "supervision_order.transfer_out",
            orders::subject(&closed),
            Some(to.code.clone()),
        )
        .await?;
        let continued = supervision_order::Model {
            id: Uuid::now_v7(),
            commune_code: to.code.clone(),
            decision_number: None,
            decision_date: None,
            signer_name: None,
            signer_title: None,
            legal_regime_id: None,
            period_months: old.period_months,
            start_date: None,
            end_date: old.end_date,
            previous_order_id: Some(old.id),
            status: OrderStatus::PendingDecision.as_str().to_owned(),
            status_reason: Some(format!("transferred from commune {}", old.commune_code)),
            certificate_number: None,
            status_changed_at: ctx.now,
            created_at: ctx.now,
            updated_at: ctx.now,
            ..old
        };
        let inserted =
            supervision_order::Entity::insert(supervision_order::ActiveModel::from(continued))
                .exec_with_returning(&txn)
                .await?;
        new_order = Some(inserted);
    }
    let transfer = client_transfer::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client_id),
        order_id: Set(new_order.as_ref().map(|o| o.id)),
        from_commune_code: Set(current.commune_code.clone()),
        to_commune_code: Set(to.code.clone()),
        decided_on: Set(decided_on),
        reason: Set(reason),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    let mut moving: client::ActiveModel = current.into();
    moving.commune_code = Set(to.code.clone());
    moving.updated_at = Set(ctx.now);
    let client = moving.update(&txn).await?;
    audit::record(
        &txn,
        ctx,
        "client.transfer",
        clients::subject(&client),
        Some(to.code),
    )
    .await?;
    txn.commit().await?;
    Ok(TransferOutcome {
        client,
        transfer,
        new_order,
    })
}

/// Transfers of these clients, for clients in scope (DataLoader batch).
pub async fn by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<client_transfer::Model>> {
    let principal = ctx.principal()?;
    principal.require(Permission::ClientsRead)?;
    let in_scope = sea_orm::sea_query::Query::select()
        .column(client::Column::Id)
        .from(client::Entity)
        .cond_where(commune_condition(
            &principal.scope(),
            client::Column::CommuneCode,
        ))
        .to_owned();
    Ok(client_transfer::Entity::find()
        .filter(client_transfer::Column::ClientId.is_in(ids.iter().copied()))
        .filter(client_transfer::Column::ClientId.in_subquery(in_scope))
        .order_by_asc(client_transfer::Column::Id)
        .all(db)
        .await?)
}
