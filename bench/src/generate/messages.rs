//! Message history: outbox rows as the worker leaves them (delivered, sent, failed, or still
//! queued for what is upcoming), one gateway attempt per sent message, and reply notes.

use chrono::{DateTime, Duration, Utc};
use domain::messaging::outcome::AttemptOutcome;
use entities::{outbox_attempt, outbox_message, reply_note};
use rand::{Rng, rngs::StdRng};
use uuid::Uuid;

use super::{Rows, new_id, people::pick};

/// `last_reason` of a message the carrier reported undelivered (eSMS `SendStatus` 4, as the
/// product's callback stores it).
pub const UNDELIVERED: &str = "esms status 4";

/// What a generated message is about.
pub struct Message<'a> {
    /// Deterministic key, as the product builds it (`check_in_prompt:<occurrence>`, …).
    pub dedupe_key: String,
    /// Client or officer recipient.
    pub to: Recipient,
    /// Commune of the message.
    pub commune_code: &'a str,
    /// Template key (stored form).
    pub template: &'static str,
    /// Template values, as JSON object text.
    pub vars: String,
    /// When it was (or is) due.
    pub due_at: DateTime<Utc>,
    /// When sending stops making sense.
    pub expires_at: Option<DateTime<Utc>>,
    /// `check_in_occurrence`, `appointment`, …
    pub source_type: &'static str,
    /// The causing record.
    pub source_id: Uuid,
}

/// Recipient of a generated message.
pub enum Recipient {
    /// A client.
    Client(Uuid),
    /// An officer.
    Officer(Uuid),
}

/// Adds a message: sent through a gateway (with its attempt) when due before `now`, queued
/// otherwise.
pub fn add(rng: &mut StdRng, rows: &mut Rows, m: Message<'_>, now: DateTime<Utc>) {
    let id = new_id(rng);
    let (recipient_kind, client_id, officer_id) = match m.to {
        Recipient::Client(c) => ("client", Some(c), None),
        Recipient::Officer(o) => ("officer", None, Some(o)),
    };
    let past = m.due_at <= now;
    let created_at = m.due_at - Duration::days(rng.gen_range(1..8));
    let mut row = outbox_message::Model {
        id,
        dedupe_key: m.dedupe_key,
        recipient_kind: recipient_kind.to_owned(),
        client_id,
        officer_id,
        commune_code: m.commune_code.to_owned(),
        template: m.template.to_owned(),
        vars: m.vars,
        due_at: m.due_at,
        urgent: false,
        status: "queued".to_owned(),
        channel: None,
        channel_index: 0,
        attempts: 0,
        next_attempt_at: m.due_at,
        lease_token: None,
        lease_until: None,
        last_outcome: None,
        last_reason: None,
        provider_message_id: None,
        source_type: m.source_type.to_owned(),
        source_id: Some(m.source_id),
        sent_at: None,
        delivered_at: None,
        created_at: created_at.min(now),
        updated_at: created_at.min(now),
        expires_at: m.expires_at,
        worker_id: None,
        channels: None,
        held_reason: None,
    };
    if past {
        let sent_at = m.due_at + Duration::seconds(rng.gen_range(1..90));
        let roll: f64 = rng.r#gen();
        // eSMS accepts (and bills) every well-formed number; the carrier's report decides
        // delivered or failed, and some reports never come.
        let status = if roll < 0.90 {
            "delivered"
        } else if roll < 0.97 {
            "sent"
        } else {
            "failed"
        };
        let provider_id = format!("esms-{}", rng.gen_range(10_000_000u64..99_999_999));
        let reported_at = sent_at + Duration::seconds(rng.gen_range(2..120));
        let delivered_at = (status == "delivered").then_some(reported_at);
        rows.attempts.push(outbox_attempt::Model {
            id: new_id(rng),
            message_id: id,
            channel: "sms".to_owned(),
            attempted_at: sent_at,
            outcome: AttemptOutcome::Accepted.as_str().to_owned(),
            reason: None,
            provider_message_id: Some(provider_id.clone()),
            delivered_at,
            // One GSM-7 segment at the example eSMS price; eSMS bills what it accepted.
            provider: Some("esms".to_owned()),
            segments: Some(1),
            unit: Some("sms_segment".to_owned()),
            price_vnd: Some(1000),
            billed_vnd: Some(1000),
            commune_code: Some(m.commune_code.to_owned()),
        });
        row.status = status.to_owned();
        row.channel = Some("sms".to_owned());
        row.attempts = 1;
        row.last_outcome = Some(AttemptOutcome::Accepted.as_str().to_owned());
        row.last_reason = (status == "failed").then(|| UNDELIVERED.to_owned());
        row.provider_message_id = Some(provider_id);
        row.sent_at = Some(sent_at);
        row.delivered_at = delivered_at;
        row.updated_at = if status == "sent" {
            sent_at
        } else {
            reported_at
        };
    }
    rows.messages.push(row);
}

const REPLIES: &[&str] = &[
    "Dạ em vẫn ổn, cảm ơn cán bộ.",
    "Tuần này em đi làm xa, xin báo cán bộ ạ.",
    "Em xin dời lịch hẹn sang chiều thứ Sáu được không ạ?",
    "Em đã nhận được tin nhắn.",
    "Cho em hỏi thủ tục xin việc ở xã ạ.",
];

/// A reply the client sent that the system kept for the officer.
pub fn reply_note(
    rng: &mut StdRng,
    rows: &mut Rows,
    client_id: Uuid,
    commune_code: &str,
    received_at: DateTime<Utc>,
) {
    rows.reply_notes.push(reply_note::Model {
        id: new_id(rng),
        client_id,
        commune_code: commune_code.to_owned(),
        channel: "sms".to_owned(),
        text: pick(rng, REPLIES).to_owned(),
        received_at,
    });
}

/// Template values as the product stores them (a JSON object of strings).
pub fn vars(pairs: &[(&str, &str)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
        .collect();
    serde_json::Value::Object(map).to_string()
}
