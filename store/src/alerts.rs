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

use crate::outbox::{self, AlertCause, DedupeKey, NewMessage, Recipient};

/// Stored role of a case officer's assignment.
const CASE_OFFICER: &str = domain::order::AssignmentRole::CaseOfficer.as_str();

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
    to_order_officers(
        db,
        OrderAlert {
            order_id: order.id,
            client_name: client.full_name,
            commune_code: client.commune_code,
            template: TemplateKey::OfficerDeliveryFailed,
            cause: AlertCause::DeliveryFailed { client: client_id },
            role: Some(CASE_OFFICER),
            urgent: false,
            source_type: "outbox_message",
            source_id: message.id,
        },
        now,
    )
    .await
}

/// An alert about a client to the officers assigned to the client's order.
#[derive(Debug)]
pub struct OrderAlert {
    /// The order whose officers are told (its reference names the case).
    pub order_id: Uuid,
    /// The client's name, for the officers.
    pub client_name: String,
    /// The client's commune.
    pub commune_code: String,
    /// What the alert says.
    pub template: TemplateKey,
    /// What the alert is about: with each officer it makes the alert's dedupe key.
    pub cause: AlertCause,
    /// Only assignments of this stored role; `None`: every officer still assigned.
    pub role: Option<&'static str>,
    /// Passes quiet hours.
    pub urgent: bool,
    /// What caused it.
    pub source_type: &'static str,
    /// Its id.
    pub source_id: Uuid,
}

/// Queues `alert` once to each officer still assigned to its order (of its role, if any).
/// Returns how many alerts were added.
pub async fn to_order_officers(
    db: &impl ConnectionTrait,
    alert: OrderAlert,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut assigned = order_assignment::Entity::find()
        .filter(order_assignment::Column::OrderId.eq(alert.order_id))
        .filter(order_assignment::Column::EndedOn.is_null());
    if let Some(role) = alert.role {
        assigned = assigned.filter(order_assignment::Column::Role.eq(role));
    }
    let officers = assigned.all(db).await?;
    let vars = Vars::new()
        .with("name", alert.client_name)
        .with("case", case_reference(alert.order_id))
        .with("time", format_local(now));
    let mut added = 0;
    for a in officers {
        let message = NewMessage {
            dedupe_key: DedupeKey::officer_alert(alert.cause, a.officer_id),
            recipient: Recipient::Officer(a.officer_id),
            commune_code: alert.commune_code.clone(),
            template: alert.template,
            vars: vars.clone(),
            due_at: now,
            expires_at: None,
            urgent: alert.urgent,
            source_type: alert.source_type,
            source_id: Some(alert.source_id),
        };
        if outbox::enqueue(db, message, now).await? {
            added += 1;
        }
    }
    Ok(added)
}
