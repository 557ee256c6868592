//! Supervision orders as the worker and the alerts need them.

use domain::order::OrderStatus;
use entities::supervision_order;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The client's open order (at most one: a partial unique index), whose officers answer for
/// them now.
pub async fn open_order_of(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Option<supervision_order::Model>, DbErr> {
    let open = OrderStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(OrderStatus::as_str);
    supervision_order::Entity::find()
        .filter(supervision_order::Column::ClientId.eq(client_id))
        .filter(supervision_order::Column::Status.is_in(open))
        .one(db)
        .await
}
