//! Escalation alerts: built per officer during a sweep, then written to the outbox in the
//! sweep's transaction — one message per alert, or one digest for an officer with many.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{
    escalation::digest,
    messaging::{
        channel::Channel,
        local_time::format_local,
        templates::{TemplateKey, Vars},
    },
};
use entities::{check_in, check_in_occurrence, client, commune, escalation};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::credentials;
use crate::{
    alerts::case_reference,
    occurrences::{OccurrenceStatus, PlanningContext},
    outbox::{self, DedupeKey, NewMessage, Recipient},
};

/// Names in a digest are cut to this many characters, so a digest stays within its SMS budget.
const DIGEST_NAME_CHARS: usize = 24;
/// Escalations named in one digest; the rest are counted.
const DIGEST_ITEMS: usize = 3;

/// What an alert says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// The escalation reached this officer's level.
    Reached,
    /// The escalation left this officer's level for a higher one.
    MovedUp,
}

/// One alert of a sweep, not yet written.
#[derive(Debug, Clone)]
pub struct PendingAlert {
    /// To whom.
    pub officer_id: Uuid,
    /// About which escalation (as changed by the sweep).
    pub escalation: escalation::Model,
    /// What it says.
    pub kind: AlertKind,
    /// The escalation's alert values (shared by its officers; the link is added per officer).
    pub vars: Vars,
    /// Passes quiet hours.
    pub urgent: bool,
    /// The level's messages, each as its channels in order (`Level::deliveries`).
    pub deliveries: Vec<Vec<Channel>>,
}

/// The values an escalation's alerts share: client's name, commune, what was missed and when,
/// the last successful contact, the level and the acknowledgement code.
pub async fn alert_vars(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    e: &escalation::Model,
    now: DateTime<Utc>,
) -> Result<Vars, DbErr> {
    let name = client::Entity::find_by_id(e.client_id)
        .one(db)
        .await?
        .map(|c| c.full_name)
        .unwrap_or_default();
    let place = commune::Entity::find_by_id(e.commune_code.clone())
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_else(|| e.commune_code.clone());
    let last_miss = check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::ClientId.eq(e.client_id))
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Missed.as_str()))
        .order_by_desc(check_in_occurrence::Column::ClosesAt)
        .one(db)
        .await?;
    let missed = match last_miss {
        Some(o) => format!(
            "{} lần, gần nhất hạn {}",
            e.misses.max(1),
            format_local(o.closes_at)
        ),
        None => format!("{} lần", e.misses.max(1)),
    };
    let last = check_in::Entity::find()
        .filter(check_in::Column::ClientId.eq(e.client_id))
        .order_by_desc(check_in::Column::CheckedInAt)
        .one(db)
        .await?
        .map(|c| format_local(c.checked_in_at))
        .unwrap_or_else(|| "chưa có".to_owned());
    let code = credentials::issue_code(db, &ctx.link_key, e.id, now).await?;
    Ok(Vars::new()
        .with("name", name)
        .with("place", place)
        .with("case", case_reference(e.order_id))
        .with("time", missed)
        .with("last", last)
        .with("level", e.level.to_string())
        .with("code", code.as_str()))
}

fn cut(name: &str) -> String {
    if name.chars().count() <= DIGEST_NAME_CHARS {
        name.to_owned()
    } else {
        let mut s: String = name.chars().take(DIGEST_NAME_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Writes the sweep's alerts: per officer, each alert on its own, or one digest when the
/// officer has [`digest::DIGEST_FROM`] or more. Returns how many messages were added.
pub async fn flush(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    alerts: Vec<PendingAlert>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut by_officer: BTreeMap<Uuid, Vec<PendingAlert>> = BTreeMap::new();
    for a in alerts {
        by_officer.entry(a.officer_id).or_default().push(a);
    }
    let mut added = 0;
    for (officer_id, alerts) in by_officer {
        match digest::plan(alerts) {
            digest::Delivery::Single(alerts) => {
                for a in alerts {
                    added += single(db, ctx, a, now).await?;
                }
            }
            digest::Delivery::Digest(alerts) => {
                added += digest_message(db, officer_id, alerts, now).await?;
            }
        }
    }
    Ok(added)
}

async fn single(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    a: PendingAlert,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let e = &a.escalation;
    let (template, kind, vars) = match a.kind {
        AlertKind::Reached => {
            let link = credentials::issue_link(
                db,
                &ctx.link_key,
                &ctx.public_base_url,
                e.id,
                a.officer_id,
                now,
            )
            .await?;
            (
                TemplateKey::OfficerEscalationAlert,
                "reached",
                a.vars.with("link", link),
            )
        }
        AlertKind::MovedUp => (TemplateKey::OfficerEscalationRaised, "moved_up", a.vars),
    };
    let message = NewMessage {
        dedupe_key: DedupeKey::escalation_alert(e.id, kind, e.level, a.officer_id),
        recipient: Recipient::Officer(a.officer_id),
        commune_code: e.commune_code.clone(),
        template,
        vars,
        due_at: now,
        expires_at: None,
        urgent: a.urgent,
        source_type: "escalation",
        source_id: Some(e.id),
    };
    enqueue_deliveries(db, message, &a.deliveries, now).await
}

/// Adds `message` once per delivery of its level: one message falling back along the level's
/// channels, or a copy per channel (its key names the channel) when they go at once.
async fn enqueue_deliveries(
    db: &impl ConnectionTrait,
    message: NewMessage,
    deliveries: &[Vec<Channel>],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut added = 0;
    for channels in deliveries {
        let mut copy = message.clone();
        if let (true, [only]) = (deliveries.len() > 1, channels.as_slice()) {
            copy.dedupe_key = copy.dedupe_key.on_channel(*only);
        }
        added += usize::from(outbox::enqueue_on(db, copy, Some(channels), now).await?);
    }
    Ok(added)
}

async fn digest_message(
    db: &impl ConnectionTrait,
    officer_id: Uuid,
    alerts: Vec<PendingAlert>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut items: Vec<String> = alerts
        .iter()
        .take(DIGEST_ITEMS)
        .map(|a| {
            format!(
                "{} ({}, XN {})",
                cut(a.vars.get("name").unwrap_or_default()),
                a.vars.get("case").unwrap_or_default(),
                a.vars.get("code").unwrap_or_default()
            )
        })
        .collect();
    if alerts.len() > DIGEST_ITEMS {
        items.push(format!("và {} hồ sơ khác", alerts.len() - DIGEST_ITEMS));
    }
    let mut fingerprint = Sha256::new();
    for a in &alerts {
        fingerprint.update(a.escalation.id.as_bytes());
        fingerprint.update(a.escalation.level.to_be_bytes());
    }
    let first = &alerts[0].escalation;
    // A digest mixing levels goes the way of its highest level.
    let deliveries = alerts
        .iter()
        .max_by_key(|a| a.escalation.level)
        .map(|a| a.deliveries.clone())
        .unwrap_or_default();
    let message = NewMessage {
        dedupe_key: DedupeKey::escalation_digest(
            officer_id,
            &hex::encode(fingerprint.finalize())[..32],
        ),
        recipient: Recipient::Officer(officer_id),
        commune_code: first.commune_code.clone(),
        template: TemplateKey::OfficerEscalationDigest,
        vars: Vars::new().with("cases", items.join("; ")),
        due_at: now,
        expires_at: None,
        urgent: alerts.iter().any(|a| a.urgent),
        source_type: "escalation_digest",
        source_id: Some(first.id),
    };
    enqueue_deliveries(db, message, &deliveries, now).await
}
