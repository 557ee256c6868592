//! Delivery receipts move a message forward only; see the `webhooks` module documentation.

use chrono::{DateTime, Utc};
use entities::outbox_message;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, Func},
};
use uuid::Uuid;
use worker::outbox::MessageStatus;

/// Statuses a delivery receipt may move to `delivered`.
const RECEIPT_FROM: [MessageStatus; 3] = [
    MessageStatus::Sending,
    MessageStatus::Sent,
    MessageStatus::Unconfirmed,
];

fn stored(statuses: &[MessageStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

/// Marks delivered the messages with one of these provider ids, or with our id `ours` (ZNS
/// echoes it as `tracking_id`). Releases a lease so an in-flight sender cannot write `sent`
/// over it, and fills `sent_at` and (for a single id) `provider_message_id` if still empty.
pub(super) async fn mark_delivered(
    db: &impl ConnectionTrait,
    provider_ids: &[String],
    ours: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut matches = Condition::any();
    if !provider_ids.is_empty() {
        matches = matches.add(outbox_message::Column::ProviderMessageId.is_in(provider_ids));
    }
    if let Some(id) = ours {
        matches = matches.add(outbox_message::Column::Id.eq(id));
    }
    if provider_ids.is_empty() && ours.is_none() {
        return Ok(0);
    }
    let mut update = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(MessageStatus::Delivered.as_str()),
        )
        .col_expr(outbox_message::Column::DeliveredAt, Expr::value(now))
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            outbox_message::Column::SentAt,
            Func::coalesce([Expr::col(outbox_message::Column::SentAt), Expr::value(now)]).into(),
        )
        .col_expr(
            outbox_message::Column::LeaseToken,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            outbox_message::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    if let [single] = provider_ids {
        update = update.col_expr(
            outbox_message::Column::ProviderMessageId,
            Func::coalesce([
                Expr::col(outbox_message::Column::ProviderMessageId),
                Expr::value(single.clone()),
            ])
            .into(),
        );
    }
    let result = update
        .filter(outbox_message::Column::Status.is_in(stored(&RECEIPT_FROM)))
        .filter(matches)
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// A failure report fails a message eSMS accepted (`sent`, `unconfirmed`), never one already
/// delivered, and not one a worker is sending again right now.
pub(super) async fn mark_failed(
    db: &impl ConnectionTrait,
    sms_id: &str,
    code: u16,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(MessageStatus::Failed.as_str()),
        )
        .col_expr(
            outbox_message::Column::LastReason,
            Expr::value(format!("esms status {code}")),
        )
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_message::Column::ProviderMessageId.eq(sms_id))
        .filter(
            outbox_message::Column::Status
                .is_in(stored(&[MessageStatus::Sent, MessageStatus::Unconfirmed])),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
