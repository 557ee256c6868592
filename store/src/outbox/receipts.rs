//! Delivery receipts (Zalo events, eSMS callbacks) move a message forward only: `sent`,
//! `unconfirmed` or a running send become `delivered`; a failure report fails only what eSMS
//! accepted. See the API's `http::webhooks` module for how receipts arrive.

use super::MessageStatus;
use chrono::{DateTime, Utc};
use domain::messaging::outcome::AttemptOutcome;
use entities::{outbox_attempt, outbox_message};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, Func},
};
use uuid::Uuid;

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
/// and OA echo it as `tracking_id`). Releases a lease so an in-flight sender cannot write
/// `sent` over it. The receipt confirms one attempt (see [`confirmed_attempt`]): its
/// `delivered_at` is set, and the message's `sent_at`, if still empty (an ambiguous or
/// interrupted send), becomes the time of that attempt, not of the receipt.
pub async fn mark_delivered(
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
    let messages = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.is_in(stored(&RECEIPT_FROM)))
        .filter(matches)
        .all(db)
        .await?;
    let mut updated = 0;
    for m in messages {
        let attempt = confirmed_attempt(db, &m, provider_ids).await?;
        if let Some(a) = &attempt {
            outbox_attempt::Entity::update_many()
                .col_expr(outbox_attempt::Column::DeliveredAt, Expr::value(now))
                .filter(outbox_attempt::Column::Id.eq(a.id))
                .filter(outbox_attempt::Column::DeliveredAt.is_null())
                .exec(db)
                .await?;
        }
        let sent_at = attempt.as_ref().map_or(now, |a| a.attempted_at);
        let mut update = outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::Status,
                Expr::value(MessageStatus::Delivered.as_str()),
            )
            .col_expr(outbox_message::Column::DeliveredAt, Expr::value(now))
            .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                outbox_message::Column::SentAt,
                Func::coalesce([
                    Expr::col(outbox_message::Column::SentAt),
                    Expr::value(sent_at),
                ])
                .into(),
            )
            .col_expr(
                outbox_message::Column::LastOutcome,
                Expr::value(MessageStatus::Delivered.as_str()),
            )
            // A reason of an earlier step ("no receipt yet", "worker stopped mid-send") is
            // no longer true; the attempts keep theirs.
            .col_expr(
                outbox_message::Column::LastReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                outbox_message::Column::LeaseToken,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(
                outbox_message::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        if let Some(channel) = attempt.as_ref().map(|a| a.channel.clone()) {
            update = update.col_expr(outbox_message::Column::Channel, Expr::value(channel));
        }
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
        let moved = update
            .filter(outbox_message::Column::Id.eq(m.id))
            .filter(outbox_message::Column::Status.is_in(stored(&RECEIPT_FROM)))
            .exec(db)
            .await?
            .rows_affected;
        // A message that got through ends the client's run of failures (reachability watch).
        if moved > 0
            && let Some(client) = m.client_id
        {
            crate::reach::message_reached(db, client, now).await?;
        }
        updated += moved;
    }
    Ok(updated)
}

/// The attempt a receipt for `m` confirms: the one with a provider id the receipt names, else
/// the latest that may have reached the person (accepted, a duplicate, ambiguous, or still in
/// flight). `None` for a message with no such attempt.
async fn confirmed_attempt(
    db: &impl ConnectionTrait,
    m: &outbox_message::Model,
    provider_ids: &[String],
) -> Result<Option<outbox_attempt::Model>, DbErr> {
    let attempts = outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.eq(m.id))
        .order_by_desc(outbox_attempt::Column::AttemptedAt)
        .order_by_desc(outbox_attempt::Column::Id)
        .all(db)
        .await?;
    let named = attempts.iter().position(|a| {
        a.provider_message_id
            .as_ref()
            .is_some_and(|p| provider_ids.contains(p))
    });
    let index = named.or_else(|| {
        attempts.iter().position(|a| {
            AttemptOutcome::from_stored(&a.outcome).is_some_and(AttemptOutcome::may_have_reached)
        })
    });
    Ok(index.and_then(|i| attempts.into_iter().nth(i)))
}

/// A failure report fails a message eSMS accepted (`sent`, `unconfirmed`), never one already
/// delivered, and not one a worker is sending again right now.
pub async fn mark_failed(
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
