//! Alerts to the officers in charge of a client: how an alert names the case, and the alert
//! that a message to the client failed for good.
//!
//! A client message that ends `failed` (every channel refused it, or its retries ran out)
//! reaches nobody, and the person does not know they were contacted. The message history keeps
//! the reason (`messages(filter: { clientId, status: FAILED })`); the client's case officers are
//! also told, once per client (dedupe key `delivery_failed:{client}`), so that a wrong number
//! or a lost Zalo account is found by a person instead of silently costing every reminder.

use chrono::{DateTime, Utc};
use domain::{
    messaging::{
        local_time::format_local,
        templates::{TemplateKey, Vars},
    },
    order::OrderStatus,
};
use entities::{client, order_assignment, outbox_message, supervision_order};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::outbox::{self, NewMessage, Recipient};

/// Stored role of a case officer's assignment.
const CASE_OFFICER: &str = "case_officer";

/// A short, non-identifying case reference for officer alerts: the last six hex digits of the
/// order id, upper case.
pub fn case_reference(order_id: Uuid) -> String {
    let simple = order_id.simple().to_string();
    simple[simple.len() - 6..].to_uppercase()
}

/// Called when a message has just been finished as `failed` (in the same transaction): if it
/// was for a client, queues one alert to each case officer of the client's open order, once
/// per client. Returns how many alerts were added.
pub async fn delivery_failed(
    db: &impl ConnectionTrait,
    message: &outbox_message::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    // An officer alert that fails alerts nobody else: that would loop.
    let Some(client_id) = message.client_id else {
        return Ok(0);
    };
    let Some(client) = client::Entity::find_by_id(client_id).one(db).await? else {
        return Ok(0);
    };
    let open: Vec<&str> = OrderStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(OrderStatus::as_str)
        .collect();
    let Some(order) = supervision_order::Entity::find()
        .filter(supervision_order::Column::ClientId.eq(client_id))
        .filter(supervision_order::Column::Status.is_in(open))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let officers = order_assignment::Entity::find()
        .filter(order_assignment::Column::OrderId.eq(order.id))
        .filter(order_assignment::Column::Role.eq(CASE_OFFICER))
        .filter(order_assignment::Column::EndedOn.is_null())
        .all(db)
        .await?;
    let vars = Vars::new()
        .with("name", client.full_name)
        .with("case", case_reference(order.id))
        .with("time", format_local(now));
    let mut added = 0;
    for a in officers {
        let alert = NewMessage {
            dedupe_key: format!("delivery_failed:{client_id}:{}", a.officer_id),
            recipient: Recipient::Officer(a.officer_id),
            commune_code: client.commune_code.clone(),
            template: TemplateKey::OfficerDeliveryFailed,
            vars: vars.clone(),
            due_at: now,
            expires_at: None,
            urgent: false,
            source_type: "outbox_message",
            source_id: Some(message.id),
        };
        if outbox::enqueue(db, alert, now).await? {
            added += 1;
        }
    }
    Ok(added)
}
