//! Alerts to the officers in charge of a client: how an alert names the case, and how one
//! alert goes to the officers of an order.
//!
//! A client message that ends `failed` (every channel refused it, or its retries ran out)
//! reaches nobody, and the person does not know they were contacted. The message history keeps
//! the reason (`messages(filter: { clientId, status: FAILED })`); the reachability watch
//! (`crate::reach`) tells the client's case officers once per episode when no message reaches
//! the client any more, so that a wrong number or a lost Zalo account is found by a person
//! instead of silently costing every reminder. (It replaced the alert of the first failure,
//! which went once per client ever.)

use chrono::{DateTime, Utc};
use domain::messaging::{
    local_time::format_local,
    templates::{TemplateKey, Vars},
};
use entities::order_assignment;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::outbox::{self, AlertCause, DedupeKey, NewMessage, Recipient};

/// A short, non-identifying case reference for officer alerts: the last six hex digits of the
/// order id, upper case.
pub fn case_reference(order_id: Uuid) -> String {
    let simple = order_id.simple().to_string();
    simple[simple.len() - 6..].to_uppercase()
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
