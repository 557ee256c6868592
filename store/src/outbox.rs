//! Writing to the outbox. Callers add messages inside the transaction of the business change
//! that causes them; the deterministic dedupe key makes re-planning idempotent.

use chrono::{DateTime, Utc};
use domain::messaging::{
    channel::{self, Channel},
    templates::{TemplateKey, Vars},
};
use entities::outbox_message;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

mod grouped;
mod lease;
mod receipts;

pub use grouped::GroupedWrites;
pub use lease::{
    Attempt, Claim, Finish, Outcome, Start, TAKE_BACK_EVERY, Taker, attempts_on, claim, finish,
    finish_all, release, settle_interrupted, start_all, start_attempt, take, take_all, take_back,
};
pub use receipts::{mark_delivered, mark_failed};

/// Where a message stands. Stored as the `as_str` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Waiting for its due time.
    Queued,
    /// Held back (quiet hours, gateway rate limit or night rule) until `next_attempt_at`.
    Deferred,
    /// Leased by a worker that is calling a gateway.
    Sending,
    /// Accepted by a gateway; waiting for a delivery receipt.
    Sent,
    /// The gateway reported delivery.
    Delivered,
    /// Could not be sent; `last_reason` says why.
    Failed,
    /// Its cause went away (appointment moved or cancelled, check-in already made).
    Cancelled,
    /// Not sent because the person opted out or gave no consent for any channel.
    Suppressed,
    /// A gateway without deduplication may or may not have sent it; awaiting a receipt.
    Unconfirmed,
}

impl MessageStatus {
    /// All statuses.
    pub const ALL: [MessageStatus; 9] = [
        Self::Queued,
        Self::Deferred,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::Failed,
        Self::Cancelled,
        Self::Suppressed,
        Self::Unconfirmed,
    ];

    /// Stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Deferred => "deferred",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Suppressed => "suppressed",
            Self::Unconfirmed => "unconfirmed",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Who receives a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A client (person after rehab).
    Client(Uuid),
    /// An officer or supporter.
    Officer(Uuid),
}

/// A message's deterministic key, unique across the outbox: adding a message whose key exists
/// does nothing, so re-planning, a repeated webhook or a second help request adds nothing
/// twice. One constructor per cause; the stored text is `cause:ids`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DedupeKey(String);

impl DedupeKey {
    /// The reminder of an appointment `minutes_before` its start (one per policy offset).
    pub fn appointment_reminder(appointment: Uuid, minutes_before: impl std::fmt::Display) -> Self {
        Self(format!(
            "appointment_reminder:{appointment}:{minutes_before}"
        ))
    }

    /// The prompt when a check-in window opens.
    pub fn check_in_prompt(occurrence: Uuid) -> Self {
        Self(format!("check_in_prompt:{occurrence}"))
    }

    /// The nudge before a check-in window closes.
    pub fn check_in_nudge(occurrence: Uuid) -> Self {
        Self(format!("check_in_nudge:{occurrence}"))
    }

    /// The thanks for a check-in made by reply.
    pub fn check_in_confirmed(occurrence: Uuid) -> Self {
        Self(format!("check_in_confirmed:{occurrence}"))
    }

    /// The confirmation of one opt-out: the instant of the opt-out makes "STOP" twice confirm
    /// once, and opting out again after opting in confirm again.
    pub fn opt_out_confirmed(client: Uuid, opted_out_at: DateTime<Utc>) -> Self {
        Self(format!(
            "opt_out_confirmed:{client}:{}",
            opted_out_at.timestamp_millis()
        ))
    }

    /// The invitation to follow the OA carrying one invitation's code (sent once).
    pub fn zalo_invitation(invitation: Uuid) -> Self {
        Self(format!("zalo_invitation:{invitation}"))
    }

    /// The confirmation that one invitation linked a Zalo account (sent once).
    pub fn zalo_linked(invitation: Uuid) -> Self {
        Self(format!("zalo_linked:{invitation}"))
    }

    /// An alert to one officer about `cause`.
    pub fn officer_alert(cause: AlertCause, officer: Uuid) -> Self {
        let cause = match cause {
            AlertCause::HelpRequested { occurrence } => format!("help:{occurrence}"),
            AlertCause::DeliveryFailed { client } => format!("delivery_failed:{client}"),
            AlertCause::LateCheckIn { check_in } => format!("escalation_late:{check_in}"),
            AlertCause::HelpAttached { check_in } => format!("escalation_help:{check_in}"),
            AlertCause::LoanOverdue { instalment } => format!("loan_overdue:{instalment}"),
            AlertCause::Unreachable { client, since } => {
                format!("unreachable:{client}:{}", since.timestamp_millis())
            }
        };
        Self(format!("{cause}:{officer}"))
    }

    /// An escalation's alert to one officer at one level (`kind`: reached, or told it moved up).
    pub fn escalation_alert(escalation: Uuid, kind: &str, level: i32, officer: Uuid) -> Self {
        Self(format!("escalation:{escalation}:{kind}:{level}:{officer}"))
    }

    /// The same message's copy on `channel`, when one alert goes on several channels at once.
    pub fn on_channel(self, channel: Channel) -> Self {
        Self(format!("{}:{}", self.0, channel.as_str()))
    }

    /// One digest of several escalation alerts for an officer; `fingerprint` names the set.
    pub fn escalation_digest(officer: Uuid, fingerprint: &str) -> Self {
        Self(format!("escalation_digest:{officer}:{fingerprint}"))
    }

    /// The reminder before a loan instalment falls due.
    pub fn loan_instalment_reminder(instalment: Uuid) -> Self {
        Self(format!("loan_instalment_reminder:{instalment}"))
    }

    /// The alert to one officer that a commune spent 80 % of its budget in a month (`YYYY-MM`).
    pub fn budget_alert(commune: &str, month: &str, officer: Uuid) -> Self {
        Self(format!("budget_80:{commune}:{month}:{officer}"))
    }

    /// Rows made by tests and benchmarks (`test:<label>`), never by the application.
    pub fn test_row(label: &str) -> Self {
        Self(format!("test:{label}"))
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an officer alert is about; with the officer it makes the alert's [`DedupeKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertCause {
    /// A client asked for help at a check-in (once per check-in).
    HelpRequested {
        /// The check-in occurrence.
        occurrence: Uuid,
    },
    /// A message to a client could not be delivered (once per client).
    DeliveryFailed {
        /// The client.
        client: Uuid,
    },
    /// A client under escalation checked in late (once per check-in).
    LateCheckIn {
        /// The check-in.
        check_in: Uuid,
    },
    /// A client under escalation asked for help (once per check-in).
    HelpAttached {
        /// The check-in.
        check_in: Uuid,
    },
    /// A loan instalment is past due (once per instalment).
    LoanOverdue {
        /// The instalment.
        instalment: Uuid,
    },
    /// No message reaches a client any more (once per episode: `since` is its start).
    Unreachable {
        /// The client.
        client: Uuid,
        /// When the episode started.
        since: DateTime<Utc>,
    },
}

/// A message to add to the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Deterministic key, unique across the outbox.
    pub dedupe_key: DedupeKey,
    /// Recipient.
    pub recipient: Recipient,
    /// Commune the message belongs to (for scope and per-commune policy).
    pub commune_code: String,
    /// Which template.
    pub template: TemplateKey,
    /// Template values.
    pub vars: Vars,
    /// Earliest instant to send.
    pub due_at: DateTime<Utc>,
    /// Instant after which sending is pointless (the appointment began, the window closed).
    pub expires_at: Option<DateTime<Utc>>,
    /// Urgent officer alerts may pass quiet hours.
    pub urgent: bool,
    /// What caused it: `appointment`, `check_in_occurrence`, `client`, …
    pub source_type: &'static str,
    /// The causing record.
    pub source_id: Option<Uuid>,
}

/// Adds a message unless one with the same dedupe key exists; returns whether it was added.
/// Uses `ON CONFLICT DO NOTHING`, so a PostgreSQL transaction is not aborted by a duplicate.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    enqueue_on(db, message, None, now).await
}

/// [`enqueue`] for a message that may use only `channels`, in that order (an escalation
/// level's choice); `None` leaves the recipient's usual plan.
pub async fn enqueue_on(
    db: &impl ConnectionTrait,
    message: NewMessage,
    channels: Option<&[Channel]>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (recipient_kind, client_id, officer_id) = match message.recipient {
        Recipient::Client(id) => ("client", Some(id), None),
        Recipient::Officer(id) => ("officer", None, Some(id)),
    };
    let vars =
        serde_json::to_string(&message.vars).map_err(|e| DbErr::Custom(format!("vars: {e}")))?;
    let row = outbox_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        dedupe_key: Set(message.dedupe_key.0),
        recipient_kind: Set(recipient_kind.to_owned()),
        client_id: Set(client_id),
        officer_id: Set(officer_id),
        commune_code: Set(message.commune_code),
        template: Set(message.template.as_str().to_owned()),
        vars: Set(vars),
        due_at: Set(message.due_at),
        urgent: Set(message.urgent),
        status: Set(MessageStatus::Queued.as_str().to_owned()),
        channel: Set(None),
        channel_index: Set(0),
        attempts: Set(0),
        next_attempt_at: Set(message.due_at),
        lease_token: Set(None),
        lease_until: Set(None),
        last_outcome: Set(None),
        last_reason: Set(None),
        provider_message_id: Set(None),
        source_type: Set(message.source_type.to_owned()),
        source_id: Set(message.source_id),
        sent_at: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        expires_at: Set(message.expires_at),
        worker_id: Set(None),
        channels: Set(channels.map(channel::list_to_stored)),
        held_reason: Set(None),
    };
    let inserted = outbox_message::Entity::insert(row)
        .on_conflict(
            OnConflict::column(outbox_message::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// Cancels the not-yet-sent messages caused by a record (e.g. an appointment that moved).
pub async fn cancel_for_source(
    db: &impl ConnectionTrait,
    source_type: &str,
    source_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(MessageStatus::Cancelled.as_str()),
        )
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_message::Column::SourceType.eq(source_type))
        .filter(outbox_message::Column::SourceId.eq(source_id))
        .filter(outbox_message::Column::Status.is_in([
            MessageStatus::Queued.as_str(),
            MessageStatus::Deferred.as_str(),
        ]))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The `next_attempt_at` of an unconfirmed message with no channel left: it rests for a
/// receipt or an officer and is never claimed again. (A four-digit year: SQLite compares the
/// stored text.)
pub fn parked_until() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_214_400, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys are stored: a new release must write the same text, or re-planning after an
    /// upgrade would queue every pending message a second time.
    #[test]
    fn dedupe_keys_keep_their_stored_text() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let at = DateTime::from_timestamp(1_764_547_200, 5_000_000).expect("instant");
        let cases = [
            (
                DedupeKey::appointment_reminder(a, 120),
                format!("appointment_reminder:{a}:120"),
            ),
            (
                DedupeKey::check_in_prompt(a),
                format!("check_in_prompt:{a}"),
            ),
            (DedupeKey::check_in_nudge(a), format!("check_in_nudge:{a}")),
            (
                DedupeKey::check_in_confirmed(a),
                format!("check_in_confirmed:{a}"),
            ),
            (
                DedupeKey::opt_out_confirmed(a, at),
                format!("opt_out_confirmed:{a}:1764547200005"),
            ),
            (
                DedupeKey::officer_alert(AlertCause::HelpRequested { occurrence: a }, b),
                format!("help:{a}:{b}"),
            ),
            (
                DedupeKey::officer_alert(AlertCause::DeliveryFailed { client: a }, b),
                format!("delivery_failed:{a}:{b}"),
            ),
            (
                DedupeKey::officer_alert(
                    AlertCause::Unreachable {
                        client: a,
                        since: at,
                    },
                    b,
                ),
                format!("unreachable:{a}:1764547200005:{b}"),
            ),
            (
                DedupeKey::budget_alert("26734", "2026-12", b),
                format!("budget_80:26734:2026-12:{b}"),
            ),
            (DedupeKey::test_row("x:1"), "test:x:1".to_owned()),
        ];
        for (key, stored) in cases {
            assert_eq!(key.as_str(), stored);
        }
    }
}
