//! A reply from a person, by Zalo OA or by SMS to the two-way number: one handling for both.
//! A follower's "DK <code>" links their Zalo account to an invited client; an officer's
//! "XN <code>" acknowledges an escalation; anything else is recorded by
//! `record_reply` and confirmed to the person once.

use chrono::{DateTime, Utc};
use domain::messaging::templates::{TemplateKey, Vars};
use entities::{check_in_occurrence, client};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use store::outbox::{self, DedupeKey, NewMessage, Recipient};
use uuid::Uuid;

use super::{Processed, claim};
use crate::{
    error::AppResult,
    schedules::check_ins::{self, ReplyOutcome, ReplySender},
    startup::AppState,
};

/// A person wrote to the OA (`source` "zalo") or to the two-way number ("sms"). The event is
/// claimed, the reply recorded and its confirmation queued in one transaction: a crash
/// anywhere leaves nothing, and the provider's retry does it all.
pub(super) async fn reply(
    state: &AppState,
    source: &'static str,
    digest: &str,
    sender: ReplySender,
    text: &str,
    now: DateTime<Utc>,
) -> AppResult<Processed> {
    let txn = store::db::begin_write(&state.db).await?;
    if !claim(&txn, digest, source, now).await? {
        return Ok(Processed::Before);
    }
    // A follower sending "DK <code>" links their Zalo account to the invited client.
    if let (ReplySender::ZaloUser(id), Some(code)) = (
        &sender,
        domain::messaging::invitation::parse_link_request(text),
    ) {
        let outcome =
            crate::schedules::zalo_invitations::link_from_reply(&txn, id, &code, now).await?;
        txn.commit().await?;
        tracing::info!(source, outcome, "zalo link request");
        return Ok(Processed::Now);
    }
    // An officer replying "XN <code>" to an escalation alert takes the escalation.
    if let Some(taken) =
        crate::schedules::escalations::reply_from_officer(&txn, state, &sender, text, now).await?
    {
        txn.commit().await?;
        tracing::info!(source, outcome = ?taken, "officer acknowledgement reply");
        return Ok(Processed::Now);
    }
    let outcome = check_ins::record_reply_in(
        &txn,
        sender.clone(),
        text,
        now,
        &state.planning.escalation_defaults,
    )
    .await?;
    let queued = match outcome {
        ReplyOutcome::CheckedIn(occurrence) => confirm_check_in(&txn, occurrence, now).await?,
        ReplyOutcome::OptedOut => confirm_opt_out(&txn, &sender, now).await?,
        _ => 0,
    };
    txn.commit().await?;
    tracing::info!(
        source,
        outcome = outcome_name(&outcome),
        queued,
        "reply recorded"
    );
    Ok(Processed::Now)
}

fn outcome_name(o: &ReplyOutcome) -> &'static str {
    match o {
        ReplyOutcome::CheckedIn(_) => "checked_in",
        ReplyOutcome::NoOpenCheckIn => "no_open_check_in",
        ReplyOutcome::OptedOut => "opted_out",
        ReplyOutcome::OptedIn => "opted_in",
        ReplyOutcome::Note => "note",
        ReplyOutcome::UnknownSender => "unknown_sender",
    }
}

/// Queues one "check-in received" to the client of the occurrence.
async fn confirm_check_in(
    db: &impl ConnectionTrait,
    occurrence_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u32, DbErr> {
    let Some(occ) = check_in_occurrence::Entity::find_by_id(occurrence_id)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let Some(c) = client::Entity::find_by_id(occ.client_id).one(db).await? else {
        return Ok(0);
    };
    let message = NewMessage {
        dedupe_key: DedupeKey::check_in_confirmed(occurrence_id),
        recipient: Recipient::Client(c.id),
        commune_code: occ.commune_code,
        template: TemplateKey::CheckInConfirmed,
        vars: Vars::new().with("name", c.full_name),
        due_at: now,
        expires_at: None,
        urgent: false,
        source_type: "check_in",
        source_id: Some(occurrence_id),
    };
    Ok(u32::from(outbox::enqueue(db, message, now).await?))
}

/// Queues one opt-out confirmation per opt-out: the key carries the instant of the opt-out,
/// so "STOP" twice confirms once, and opting out again after opting in confirms again.
async fn confirm_opt_out(
    db: &impl ConnectionTrait,
    sender: &ReplySender,
    now: DateTime<Utc>,
) -> Result<u32, DbErr> {
    let by = match sender {
        ReplySender::ZaloUser(id) => client::Column::ZaloUserId.eq(id.as_str()),
        ReplySender::Phone(p) => client::Column::Phone.eq(p.canonical()),
    };
    let clients = client::Entity::find().filter(by).all(db).await?;
    let mut queued = 0;
    for c in clients {
        let Some(at) = c.opted_out_at else { continue };
        let message = NewMessage {
            dedupe_key: DedupeKey::opt_out_confirmed(c.id, at),
            recipient: Recipient::Client(c.id),
            commune_code: c.commune_code,
            template: TemplateKey::OptOutConfirmed,
            vars: Vars::new().with("name", c.full_name),
            due_at: now,
            expires_at: None,
            urgent: false,
            source_type: "client",
            source_id: Some(c.id),
        };
        queued += u32::from(outbox::enqueue(db, message, now).await?);
    }
    Ok(queued)
}
