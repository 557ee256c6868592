//! The lease of a message: claiming due rows, taking one for a delivery, recording that a call
//! starts, and finishing with the outcome, each guarded by the lease token so only the holder
//! writes. Crash safety: see `docs/outbox.md`.

use chrono::{DateTime, Utc};
use domain::messaging::{
    channel::Channel,
    delivery_decision::{DeliveryAction, INTERRUPTED},
    outcome::{AttemptOutcome, DecisionOutcome, OutcomeClass},
};
use entities::{outbox_attempt, outbox_message};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, Set, Statement,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{MessageStatus, parked_until};
use crate::pricing::PriceTable;

/// A gateway call whose row [`start_attempt`] wrote before the call.
pub struct Attempt {
    /// The attempt row.
    pub id: Uuid,
    /// The channel called.
    pub channel: Channel,
    /// The provider called (`zalo`, `esms`, `console`): what prices the attempt.
    pub provider: &'static str,
    /// What the gateway answered.
    pub class: OutcomeClass,
}

/// How a processed message is left.
#[derive(Debug, Clone)]
pub struct Finish {
    /// The status it is left in.
    pub status: MessageStatus,
    /// When it is due again, if that changes.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The channel of its plan to try next, if that changes.
    pub channel_index: Option<usize>,
    /// The gateway's id of the accepted message.
    pub provider_message_id: Option<String>,
    /// When a gateway accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// `last_outcome`: the stored name of what happened (an [`AttemptOutcome`], a
    /// [`DecisionOutcome`] or the status it is left in).
    pub outcome: &'static str,
    /// `last_reason` (none when empty).
    pub reason: String,
    /// The take counted an attempt that made no call: take it back.
    pub uncount_attempt: bool,
    /// `held_reason`: why the message is held back (the commune's budget). It stays once set:
    /// the message's status says whether it still waits.
    pub held_reason: Option<String>,
    /// Failed client messages in a row after which the client is unreachable
    /// (`UNREACHABLE_AFTER_MESSAGES`).
    pub unreachable_after: u32,
}

impl Default for Finish {
    fn default() -> Self {
        Self {
            status: MessageStatus::Failed,
            next_attempt_at: None,
            channel_index: None,
            provider_message_id: None,
            sent_at: None,
            outcome: "",
            reason: String::new(),
            uncount_attempt: false,
            held_reason: None,
            unreachable_after: domain::messaging::reach::DEFAULT_UNREACHABLE_AFTER,
        }
    }
}

impl Finish {
    pub fn sent(provider_message_id: Option<String>, now: DateTime<Utc>) -> Self {
        Self {
            status: MessageStatus::Sent,
            provider_message_id,
            sent_at: Some(now),
            outcome: AttemptOutcome::Accepted.as_str(),
            ..Self::default()
        }
    }
    pub fn failed(reason: &str) -> Self {
        Self {
            status: MessageStatus::Failed,
            outcome: AttemptOutcome::Permanent.as_str(),
            reason: reason.to_owned(),
            ..Self::default()
        }
    }
    pub fn status(status: MessageStatus, reason: &str) -> Self {
        Self {
            status,
            outcome: status.as_str(),
            reason: reason.to_owned(),
            ..Self::default()
        }
    }
    pub fn defer(until: DateTime<Utc>, reason: &str) -> Self {
        Self {
            status: MessageStatus::Deferred,
            next_attempt_at: Some(until),
            outcome: MessageStatus::Deferred.as_str(),
            reason: reason.to_owned(),
            uncount_attempt: true,
            ..Self::default()
        }
    }
    /// Too late to be useful: cancelled, unless an earlier send may have arrived (no receipt
    /// yet), in which case it rests unconfirmed rather than claim it was never sent.
    pub fn expired(m: &outbox_message::Model, reason: &str) -> Self {
        if m.last_outcome.as_deref() == Some(AttemptOutcome::Ambiguous.as_str()) {
            return Self {
                status: MessageStatus::Unconfirmed,
                next_attempt_at: Some(parked_until()),
                outcome: AttemptOutcome::Ambiguous.as_str(),
                reason: format!("no receipt; not resent: {reason}"),
                uncount_attempt: true,
                ..Self::default()
            };
        }
        Self {
            status: MessageStatus::Cancelled,
            outcome: DecisionOutcome::Expired.as_str(),
            reason: format!("not sent: {reason}"),
            uncount_attempt: true,
            ..Self::default()
        }
    }
    /// How `m` is left after the sender decided `action` (see
    /// `domain::messaging::delivery_decision`).
    pub fn for_action(
        m: &outbox_message::Model,
        action: DeliveryAction,
        now: DateTime<Utc>,
    ) -> Self {
        match action {
            DeliveryAction::Sent { provider_id } => Self::sent(provider_id, now),
            DeliveryAction::Retry { at, reason } => Self {
                status: MessageStatus::Queued,
                next_attempt_at: Some(at),
                outcome: AttemptOutcome::Retryable.as_str(),
                reason,
                ..Self::default()
            },
            DeliveryAction::FallBack {
                index,
                reason,
                after_transient,
            } => {
                let fall_back = Self::next_channel(index, now, &reason);
                if after_transient {
                    Self {
                        outcome: AttemptOutcome::Retryable.as_str(),
                        ..fall_back
                    }
                } else {
                    fall_back
                }
            }
            DeliveryAction::Fail { reason, outcome } => Self {
                outcome: outcome.as_str(),
                ..Self::failed(&reason)
            },
            DeliveryAction::Defer { until, reason } => Self::defer(until, &reason),
            DeliveryAction::Expire { reason } => Self::expired(m, &reason),
            DeliveryAction::Suppress { reason } => Self::status(MessageStatus::Suppressed, &reason),
            DeliveryAction::AwaitReceipt {
                until,
                reason,
                uncount_attempt,
            } => Self {
                status: MessageStatus::Unconfirmed,
                next_attempt_at: Some(until),
                outcome: AttemptOutcome::Ambiguous.as_str(),
                reason,
                uncount_attempt,
                ..Self::default()
            },
            DeliveryAction::Park { reason } => Self {
                next_attempt_at: Some(parked_until()),
                ..Self::status(MessageStatus::Unconfirmed, &reason)
            },
        }
    }
    /// Held back for the commune's budget until `until` (no call was made): deferred, with
    /// the reason on the message so nobody takes it for lost.
    pub fn held(until: DateTime<Utc>, reason: &str) -> Self {
        Self {
            held_reason: Some(reason.to_owned()),
            ..Self::defer(until, reason)
        }
    }
    pub fn next_channel(index: usize, now: DateTime<Utc>, reason: &str) -> Self {
        Self {
            status: MessageStatus::Queued,
            next_attempt_at: Some(now),
            channel_index: Some(index),
            outcome: DecisionOutcome::FellBack.as_str(),
            reason: reason.to_owned(),
            ..Self::default()
        }
    }
}

/// Records that a gateway call is about to start — an attempt row with outcome
/// [`AttemptOutcome::InFlight`] and the billing columns known before the answer, and the
/// channel on the message — if this delivery still holds the lease; returns the attempt's id,
/// or `None` (and no call may be made) when the lease is lost.
/// One transaction: on PostgreSQL the guarded update locks the row, so a worker that takes
/// the message over afterwards sees the row in flight (and treats the call as in doubt).
pub async fn start_attempt(
    db: &sea_orm::DatabaseConnection,
    start: &Start,
) -> Result<Option<Uuid>, DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        return Ok(start_all(db, std::slice::from_ref(start))
            .await?
            .pop()
            .flatten());
    }
    let txn = crate::db::begin_write(db).await?;
    let held = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Channel,
            Expr::value(start.channel.as_str()),
        )
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(start.at))
        .filter(outbox_message::Column::Id.eq(start.message_id))
        .filter(outbox_message::Column::LeaseToken.eq(start.token))
        .filter(outbox_message::Column::Status.eq(MessageStatus::Sending.as_str()))
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if !held {
        txn.rollback().await?;
        return Ok(None);
    }
    let id = Uuid::now_v7();
    outbox_attempt::Entity::insert(outbox_attempt::ActiveModel {
        id: Set(id),
        message_id: Set(start.message_id),
        channel: Set(start.channel.as_str().to_owned()),
        attempted_at: Set(start.at),
        outcome: Set(AttemptOutcome::InFlight.as_str().to_owned()),
        reason: Set(None),
        provider_message_id: Set(None),
        delivered_at: Set(None),
        ..start.billing.columns()
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(id))
}

/// An attempt's start to record: see [`start_attempt`].
#[derive(Debug, Clone)]
pub struct Start {
    /// The message.
    pub message_id: Uuid,
    /// The delivery's lease token.
    pub token: Uuid,
    /// The channel about to be called.
    pub channel: Channel,
    /// Now.
    pub at: DateTime<Utc>,
    /// The billing columns known before the answer ([`crate::pricing::start_billing`]).
    pub billing: crate::pricing::Billing,
}

/// [`start_attempt`] of several messages on PostgreSQL, in one statement (a statement is
/// atomic like the transaction it replaces): for each, the attempt's id, or `None` when its
/// lease is lost. The rows are this worker's deliveries: no other statement that waits for
/// row locks takes several of them (the heartbeat skips locked rows), so no lock order is
/// needed.
pub async fn start_all(
    db: &impl ConnectionTrait,
    starts: &[Start],
) -> Result<Vec<Option<Uuid>>, DbErr> {
    let ids: Vec<Uuid> = starts.iter().map(|_| Uuid::now_v7()).collect();
    let rows: Vec<serde_json::Value> = starts
        .iter()
        .zip(&ids)
        .map(|(s, id)| {
            let b = &s.billing;
            serde_json::json!({
                "message_id": s.message_id,
                "token": s.token,
                "channel": s.channel.as_str(),
                "attempt_id": id,
                "at": json_time(s.at),
                "status": MessageStatus::Sending.as_str(),
                "provider": b.provider,
                "segments": b.segments,
                "unit": b.unit,
                "price_vnd": b.price_vnd,
                "commune_code": b.commune_code,
            })
        })
        .collect();
    // The status to find comes with each row (`t.status`): see `take_all`.
    let sql = format!(
        "WITH t AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(message_id uuid, \
           token uuid, channel text, attempt_id uuid, at timestamptz, status text, \
           provider text, segments int, unit text, price_vnd bigint, commune_code text)), \
         held AS (UPDATE outbox_messages o SET channel = t.channel, updated_at = t.at FROM t \
           WHERE o.id = t.message_id AND o.lease_token = t.token AND o.status = t.status \
           RETURNING o.id, t.attempt_id, t.channel, t.at, t.provider, t.segments, t.unit, \
             t.price_vnd, t.commune_code) \
         INSERT INTO outbox_attempts (id, message_id, channel, attempted_at, outcome, provider, \
           segments, unit, price_vnd, commune_code) \
         SELECT attempt_id, id, channel, at, '{in_flight}', provider, segments, unit, price_vnd, \
           commune_code FROM held RETURNING message_id",
        in_flight = AttemptOutcome::InFlight.as_str(),
    );
    let started = ids_returned(db, sql, rows, "message_id").await?;
    Ok(starts
        .iter()
        .zip(ids)
        .map(|(s, id)| started.contains(&s.message_id).then_some(id))
        .collect())
}

/// Runs a grouped PostgreSQL statement over `rows` (its `$1`, a JSON list) and returns the ids
/// in the `column` it returns: the rows it wrote.
async fn ids_returned(
    db: &impl ConnectionTrait,
    sql: String,
    rows: Vec<serde_json::Value>,
    column: &str,
) -> Result<std::collections::HashSet<Uuid>, DbErr> {
    let json = serde_json::Value::Array(rows).to_string();
    db.query_all_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        sql,
        [json.into()],
    ))
    .await?
    .iter()
    .map(|r| r.try_get::<Uuid>("", column))
    .collect()
}

/// A time in a JSON row, to the microsecond PostgreSQL keeps (truncated, as a bound
/// parameter is).
fn json_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A dispatcher's claim of rows under a new dispatch token.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// The dispatch lease token set on the claimed rows.
    pub token: Uuid,
    /// The claiming worker.
    pub worker: Uuid,
    /// Now.
    pub now: DateTime<Utc>,
    /// The claim's lease.
    pub lease_until: DateTime<Utc>,
    /// Workers whose heartbeat is older than this are dead: their claims are taken back.
    pub stale_before: DateTime<Utc>,
    /// At most this many rows.
    pub limit: u64,
}

/// How often a dispatcher looks for rows to [`take_back`] while it finds none. Looking walks
/// every `sending` row (thousands during a burst, with the dead index entries of those sent
/// since the last vacuum): in every claim it was two thirds of the claim's time. Small beside
/// a lease (two minutes by default) and a dead worker's detection
/// (`SENDER_STALE_AFTER_SECONDS`, 15 s).
pub const TAKE_BACK_EVERY: chrono::Duration = chrono::Duration::seconds(5);

/// Claims due messages for delivery: queued or deferred ones whose time has come and
/// unconfirmed ones whose reconcile window passed, earliest first. PostgreSQL skips rows
/// another worker holds; SQLite has one writer at a time. No call is recorded here: a claim
/// that never reached a gateway is not mistaken for an interrupted send.
pub async fn claim(
    db: &impl ConnectionTrait,
    c: Claim,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => claim_sql_postgres(),
        _ => claim_sql_sqlite(&format!(
            "status IN ('{q}', '{d}', '{u}') AND next_attempt_at <= ?3",
            q = MessageStatus::Queued.as_str(),
            d = MessageStatus::Deferred.as_str(),
            u = MessageStatus::Unconfirmed.as_str(),
        )),
    };
    claim_rows(db, sql, c, false).await
}

/// Claims, like [`claim`], `sending` rows that their delivery left: those whose lease expired
/// (a delivery job was lost or outlived it) and those of workers whose heartbeat stopped.
pub async fn take_back(
    db: &impl ConnectionTrait,
    c: Claim,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    let backend = db.get_database_backend();
    let sending = MessageStatus::Sending.as_str();
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "WITH {unflushed} \
             UPDATE outbox_messages SET status = '{sending}', lease_token = $1, \
             lease_until = $2, updated_at = $3, worker_id = $5 FROM unflushed \
             WHERE id IN (SELECT id FROM outbox_messages WHERE id IN ( \
                 (SELECT id FROM outbox_messages WHERE status = '{sending}' \
                   AND lease_until < $3 LIMIT $4) \
                 UNION ALL (SELECT id FROM outbox_messages WHERE status = '{sending}' \
                   AND worker_id IN (SELECT id FROM workers WHERE heartbeat_at < $6) LIMIT $4)) \
               AND status = '{sending}' AND (lease_until < $3 OR worker_id IN \
                   (SELECT id FROM workers WHERE heartbeat_at < $6)) \
               ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING outbox_messages.*",
            unflushed = crate::db::UNFLUSHED_COMMIT,
        ),
        _ => claim_sql_sqlite(&format!(
            "status = '{sending}' AND (lease_until < ?3 OR worker_id IN \
             (SELECT id FROM workers WHERE heartbeat_at < ?6))"
        )),
    };
    claim_rows(db, sql, c, true).await
}

/// Runs a claim statement: `$1` token, `$2` lease end, `$3` now, `$4` limit, `$5` worker and,
/// when `stale` is set, `$6` the heartbeat before which a worker is dead.
async fn claim_rows(
    db: &impl ConnectionTrait,
    sql: String,
    c: Claim,
    stale: bool,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    if c.limit == 0 {
        return Ok(Vec::new());
    }
    let mut values: Vec<sea_orm::Value> = vec![
        c.token.into(),
        c.lease_until.into(),
        c.now.into(),
        i64::try_from(c.limit).unwrap_or(100).into(),
        c.worker.into(),
    ];
    if stale {
        values.push(c.stale_before.into());
    }
    // On PostgreSQL a claim commits without waiting for its flush (`UNFLUSHED_COMMIT` in its
    // statement): the push of its jobs commits synchronously after it and flushes it too; a
    // claim lost with a server crash leaves its rows as they were, to be claimed again.
    let stmt = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    let rows = db.query_all_raw(stmt).await?;
    rows.iter()
        .map(|r| outbox_message::Model::from_query_result(r, ""))
        .collect()
}

/// A claim on SQLite of the rows matching `condition`, earliest first.
fn claim_sql_sqlite(condition: &str) -> String {
    format!(
        "UPDATE outbox_messages SET status = '{sending}', lease_token = ?1, lease_until = ?2, \
         updated_at = ?3, worker_id = ?5 \
         WHERE id IN (SELECT id FROM outbox_messages WHERE {condition} \
           ORDER BY next_attempt_at LIMIT ?4) \
         RETURNING *",
        sending = MessageStatus::Sending.as_str(),
    )
}

/// The claim on PostgreSQL. One `WHERE (a) OR (b) OR (c) ORDER BY next_attempt_at LIMIT n`
/// cannot walk an index in order: it collected every due row and sorted them all, 0.2 s per
/// claim with 200,000 due (a Monday burst at national scale). Each case is therefore an
/// ordered, limited index scan of its own (`ix_outbox_due` is `(status, next_attempt_at)`),
/// and the outer select takes the earliest `n` of their union under `FOR UPDATE SKIP LOCKED`,
/// re-checking the whole condition on the locked row.
fn claim_sql_postgres() -> String {
    let due = |status: MessageStatus| {
        format!(
            "(SELECT id FROM outbox_messages WHERE status = '{s}' AND next_attempt_at <= $3 \
             ORDER BY next_attempt_at LIMIT $4)",
            s = status.as_str()
        )
    };
    format!(
        "WITH {unflushed} \
         UPDATE outbox_messages SET status = '{sending}', lease_token = $1, lease_until = $2, \
         updated_at = $3, worker_id = $5 FROM unflushed \
         WHERE id IN (SELECT id FROM outbox_messages WHERE id IN ({queued} UNION ALL {deferred} \
             UNION ALL {unconfirmed}) \
           AND status IN ('{q}', '{d}', '{u}') AND next_attempt_at <= $3 \
           ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING outbox_messages.*",
        sending = MessageStatus::Sending.as_str(),
        queued = due(MessageStatus::Queued),
        deferred = due(MessageStatus::Deferred),
        unconfirmed = due(MessageStatus::Unconfirmed),
        q = MessageStatus::Queued.as_str(),
        d = MessageStatus::Deferred.as_str(),
        u = MessageStatus::Unconfirmed.as_str(),
        unflushed = crate::db::UNFLUSHED_COMMIT,
    )
}

/// The delivery taking a claimed message.
#[derive(Debug, Clone, Copy)]
pub struct Taker {
    /// Its own lease token.
    pub token: Uuid,
    /// Its worker.
    pub worker: Uuid,
}

/// Takes a claimed message for one delivery: swaps the `dispatch` token for the taker's, names
/// its worker, renews the lease and counts the attempt, in one statement, so at most one
/// delivery per claim runs.
pub async fn take(
    db: &impl ConnectionTrait,
    id: Uuid,
    dispatch: Uuid,
    taker: Taker,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<outbox_message::Model>, DbErr> {
    let rows = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LeaseToken, Expr::value(taker.token))
        .col_expr(outbox_message::Column::WorkerId, Expr::value(taker.worker))
        .col_expr(outbox_message::Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(
            outbox_message::Column::Attempts,
            Expr::col(outbox_message::Column::Attempts).add(1),
        )
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_message::Column::Id.eq(id))
        .filter(outbox_message::Column::LeaseToken.eq(dispatch))
        .filter(outbox_message::Column::Status.eq(MessageStatus::Sending.as_str()))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next())
}

/// Takes the claimed messages of one delivery job, each for a delivery of its own, as [`take`]
/// does for one: `takers` pairs each message with its delivery's token. One statement on
/// PostgreSQL. Returns the rows taken (those still under `dispatch`), in no particular order.
pub async fn take_all(
    db: &impl ConnectionTrait,
    takers: &[(Uuid, Uuid)],
    dispatch: Uuid,
    worker: Uuid,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        let mut taken = Vec::with_capacity(takers.len());
        for &(id, token) in takers {
            let taker = Taker { token, worker };
            taken.extend(take(db, id, dispatch, taker, now, lease_until).await?);
        }
        return Ok(taken);
    }
    let pairs: Vec<serde_json::Value> = takers
        .iter()
        .map(|(id, token)| {
            let status = MessageStatus::Sending.as_str();
            serde_json::json!({ "id": id, "token": token, "status": status })
        })
        .collect();
    // The status to find comes with each row (`t.status`), not as the constant 'sending': with
    // the constant, the planner estimates from its statistics (taken when hardly any row is
    // `sending`) that `ix_outbox_due` yields one row, and scans that index's whole `sending`
    // range, where every message sent since the last vacuum left a dead entry (1.8 ms for 16
    // rows during a burst, growing with it). Compared with a value of the joined row, the
    // status is only a recheck, and the rows are found by primary key.
    let sql = format!(
        "WITH {unflushed} UPDATE outbox_messages o SET lease_token = t.token, worker_id = $2, \
           lease_until = $3, attempts = o.attempts + 1, updated_at = $4 \
         FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, token uuid, status text), unflushed \
         WHERE o.id = t.id AND o.lease_token = $5 AND o.status = t.status \
         RETURNING o.*",
        unflushed = crate::db::UNFLUSHED_COMMIT,
    );
    let values: Vec<sea_orm::Value> = vec![
        serde_json::Value::Array(pairs).to_string().into(),
        worker.into(),
        lease_until.into(),
        now.into(),
        dispatch.into(),
    ];
    // Committed without waiting for its flush (`UNFLUSHED_COMMIT` in the statement): the start
    // that must precede any call commits synchronously after it and flushes it too; a take
    // lost with a server crash leaves the row under its dispatch token, where the start
    // (guarded by the take's token) finds nothing, so no call is made and the row is claimed
    // again when its lease ends.
    let statement = Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values);
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|r| outbox_message::Model::from_query_result(r, ""))
        .collect()
}

/// An outcome to record: how a delivery leaves its message ([`Finish`]), and the attempt it
/// made, if any, billed at the delivery job's prices.
pub struct Outcome {
    /// The message as the delivery took it.
    pub message: outbox_message::Model,
    /// The delivery's lease token: only its holder writes.
    pub token: Uuid,
    /// How the message is left.
    pub finish: Finish,
    /// Now.
    pub now: DateTime<Utc>,
    attempt: Option<(Attempt, crate::pricing::Billing)>,
}

impl Outcome {
    /// The outcome of a delivery of `message`, with its `attempt` billed at `prices`.
    pub fn new(
        message: outbox_message::Model,
        token: Uuid,
        finish: Finish,
        now: DateTime<Utc>,
        attempt: Option<(Attempt, &PriceTable)>,
    ) -> Self {
        let attempt = attempt.map(|(a, prices)| {
            let billing = crate::pricing::attempt_billing(prices, &message, &a, now);
            (a, billing)
        });
        Self {
            message,
            token,
            finish,
            now,
            attempt,
        }
    }

    /// The đồng its attempt is billed, if any.
    pub fn billed_vnd(&self) -> Option<i64> {
        self.attempt.as_ref().and_then(|(_, b)| b.billed_vnd)
    }

    /// Whether it can be recorded in one statement with others ([`finish_all`]): on
    /// PostgreSQL, unless the message failed (that alerts its officers, in a transaction).
    pub fn groups(&self, backend: DatabaseBackend) -> bool {
        backend == DatabaseBackend::Postgres && self.finish.status != MessageStatus::Failed
    }
}

/// Records an outcome, only if its delivery still holds the lease, with the attempt and (for
/// a message that failed for good) the case officers' alert, atomically. Returns the đồng
/// the attempt was billed, if any.
pub async fn finish(db: &sea_orm::DatabaseConnection, o: Outcome) -> Result<Option<i64>, DbErr> {
    let billed_vnd = o.billed_vnd();
    if o.groups(db.get_database_backend()) {
        finish_all(db, vec![o]).await?;
        return Ok(billed_vnd);
    }
    let Outcome {
        message: m,
        token,
        finish: f,
        now,
        attempt,
    } = o;
    let m = &m;
    let (attempt, billing) = match attempt {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    let mut update = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(f.status.as_str()),
        )
        .col_expr(
            outbox_message::Column::LeaseToken,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            outbox_message::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(outbox_message::Column::LastOutcome, Expr::value(f.outcome))
        .col_expr(
            outbox_message::Column::LastReason,
            Expr::value((!f.reason.is_empty()).then(|| f.reason.clone())),
        )
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now));
    if let Some(reason) = &f.held_reason {
        update = update.col_expr(
            outbox_message::Column::HeldReason,
            Expr::value(reason.clone()),
        );
    }
    if let Some(at) = f.next_attempt_at {
        update = update.col_expr(outbox_message::Column::NextAttemptAt, Expr::value(at));
    }
    if let Some(i) = f.channel_index {
        update = update.col_expr(
            outbox_message::Column::ChannelIndex,
            Expr::value(i32::try_from(i).unwrap_or(i32::MAX)),
        );
    }
    if let Some(id) = &f.provider_message_id {
        update = update.col_expr(
            outbox_message::Column::ProviderMessageId,
            Expr::value(id.clone()),
        );
    }
    if let Some(at) = f.sent_at {
        update = update.col_expr(outbox_message::Column::SentAt, Expr::value(at));
    }
    if let Some(a) = &attempt {
        update = update.col_expr(
            outbox_message::Column::Channel,
            Expr::value(a.channel.as_str()),
        );
    }
    if f.uncount_attempt {
        update = update.col_expr(
            outbox_message::Column::Attempts,
            Expr::col(outbox_message::Column::Attempts).sub(1),
        );
    }
    let txn = crate::db::begin_write(db).await?;
    let result = update
        .filter(outbox_message::Column::Id.eq(m.id))
        .filter(outbox_message::Column::LeaseToken.eq(token))
        .exec(&txn)
        .await?;
    let held = result.rows_affected > 0;
    if !held {
        tracing::warn!(message_id = %m.id, "lease lost before the outcome was recorded; another worker owns the message");
    }
    if let (Some(a), Some(billing)) = (&attempt, billing) {
        let provider = a.provider_id();
        // The call's answer, even when the lease was lost meanwhile: it is what happened.
        outbox_attempt::Entity::update_many()
            .col_expr(
                outbox_attempt::Column::Outcome,
                Expr::value(a.class.outcome().as_str()),
            )
            .col_expr(
                outbox_attempt::Column::Reason,
                Expr::value(Some(a.class.reason()).filter(|r| !r.is_empty())),
            )
            .col_expr(
                outbox_attempt::Column::ProviderMessageId,
                Expr::value(provider),
            )
            .set(billing.columns())
            .filter(outbox_attempt::Column::Id.eq(a.id))
            .exec(&txn)
            .await?;
    }
    // The reachability watch, after the attempt's answer is written (it reads the attempts).
    if held && let Some(client) = m.client_id {
        match f.status {
            MessageStatus::Failed => {
                crate::reach::message_failed(&txn, m, f.outcome, f.unreachable_after, now).await?;
            }
            MessageStatus::Sent => crate::reach::message_reached(&txn, client, now).await?,
            _ => {}
        }
    }
    txn.commit().await?;
    record_metric(attempt.as_ref(), billed_vnd);
    Ok(billed_vnd)
}

impl Attempt {
    /// The gateway's id of the message, when it gave one.
    fn provider_id(&self) -> Option<String> {
        match &self.class {
            OutcomeClass::Accepted { provider_id } => Some(provider_id.clone()),
            OutcomeClass::Duplicate { provider_id } => provider_id.clone(),
            _ => None,
        }
    }
}

fn record_metric(attempt: Option<&Attempt>, billed_vnd: Option<i64>) {
    if let Some(a) = attempt {
        metrics::counter!(
            crate::metrics::MESSAGES_TOTAL,
            "channel" => a.channel.as_str(),
            "outcome" => a.class.outcome().as_str(),
        )
        .increment(1);
        if let Some(vnd) = billed_vnd.filter(|v| *v > 0) {
            metrics::counter!(
                crate::metrics::MESSAGE_COST_VND_TOTAL,
                "channel" => a.channel.as_str(),
                "provider" => a.provider,
            )
            .increment(u64::try_from(vnd).unwrap_or(0));
        }
    }
}

/// Records outcomes that [`group`](Outcome::groups), in one statement on PostgreSQL (a
/// statement is atomic like the transaction it replaces): for each, the guarded message
/// update, the attempt's answer with its price (written even when the lease was lost: it is
/// what happened), and for an accepted client message the end of the client's run of
/// failures (reachability watch). Fields an outcome leaves alone keep their value
/// (`COALESCE` with the column). Returns, for each, whether its delivery still held the lease.
pub async fn finish_all(
    db: &impl ConnectionTrait,
    outcomes: Vec<Outcome>,
) -> Result<Vec<bool>, DbErr> {
    let rows: Vec<serde_json::Value> = outcomes.iter().map(outcome_row).collect();
    let sql = format!(
        "WITH t AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, token uuid, \
           status text, outcome text, reason text, at timestamptz, next_attempt_at timestamptz, \
           channel_index int, provider_message_id text, sent_at timestamptz, channel text, \
           uncount int, held_reason text, reached bool, attempt_id uuid, attempt_outcome text, \
           attempt_reason text, attempt_provider_message_id text, provider text, segments int, \
           unit text, price_vnd bigint, billed_vnd bigint, commune_code text)), \
         m AS (UPDATE outbox_messages o SET status = t.status, lease_token = NULL, \
           lease_until = NULL, last_outcome = t.outcome, last_reason = t.reason, \
           updated_at = t.at, next_attempt_at = COALESCE(t.next_attempt_at, o.next_attempt_at), \
           channel_index = COALESCE(t.channel_index, o.channel_index), \
           provider_message_id = COALESCE(t.provider_message_id, o.provider_message_id), \
           sent_at = COALESCE(t.sent_at, o.sent_at), channel = COALESCE(t.channel, o.channel), \
           attempts = o.attempts - t.uncount, held_reason = COALESCE(t.held_reason, o.held_reason) \
           FROM t WHERE o.id = t.id AND o.lease_token = t.token \
           RETURNING o.id, o.client_id, t.reached, t.at), \
         a AS (UPDATE outbox_attempts x SET outcome = t.attempt_outcome, \
           reason = t.attempt_reason, provider_message_id = t.attempt_provider_message_id, \
           provider = t.provider, segments = t.segments, unit = t.unit, price_vnd = t.price_vnd, \
           billed_vnd = t.billed_vnd, commune_code = t.commune_code \
           FROM t WHERE x.id = t.attempt_id RETURNING x.id), \
         {reached} \
         SELECT id FROM m",
        reached = crate::reach::REACHED_CTE,
    );
    let held = ids_returned(db, sql, rows, "id").await?;
    Ok(outcomes
        .iter()
        .map(|o| {
            let kept = held.contains(&o.message.id);
            if !kept {
                tracing::warn!(message_id = %o.message.id, "lease lost before the outcome was recorded; another worker owns the message");
            }
            record_metric(o.attempt.as_ref().map(|(a, _)| a), o.billed_vnd());
            kept
        })
        .collect())
}

/// One outcome as a row of [`finish_all`]'s statement.
fn outcome_row(o: &Outcome) -> serde_json::Value {
    let f = &o.finish;
    let (attempt, billing) = match &o.attempt {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    serde_json::json!({
        "id": o.message.id,
        "token": o.token,
        "status": f.status.as_str(),
        "outcome": f.outcome,
        "reason": (!f.reason.is_empty()).then_some(&f.reason),
        "at": json_time(o.now),
        "next_attempt_at": f.next_attempt_at.map(json_time),
        "channel_index": f.channel_index.map(|i| i32::try_from(i).unwrap_or(i32::MAX)),
        "provider_message_id": f.provider_message_id,
        "sent_at": f.sent_at.map(json_time),
        "channel": attempt.map(|a| a.channel.as_str()),
        "uncount": i32::from(f.uncount_attempt),
        "held_reason": f.held_reason,
        "reached": f.status == MessageStatus::Sent,
        "attempt_id": attempt.map(|a| a.id),
        "attempt_outcome": attempt.map(|a| a.class.outcome().as_str()),
        "attempt_reason": attempt.map(|a| a.class.reason()).filter(|r| !r.is_empty()),
        "attempt_provider_message_id": attempt.and_then(Attempt::provider_id),
        "provider": billing.map(|b| b.provider),
        "segments": billing.and_then(|b| b.segments),
        "unit": billing.map(|b| b.unit),
        "price_vnd": billing.and_then(|b| b.price_vnd),
        "billed_vnd": billing.and_then(|b| b.billed_vnd),
        "commune_code": billing.map(|b| b.commune_code.as_str()),
    })
}

/// Gives back the claims of one `dispatch` that no job will take (the push failed): they
/// are claimed again in the next round.
pub async fn release(
    db: &sea_orm::DatabaseConnection,
    dispatch: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LeaseUntil, Expr::value(now))
        .filter(outbox_message::Column::Status.eq(MessageStatus::Sending.as_str()))
        .filter(outbox_message::Column::LeaseToken.eq(dispatch))
        .exec(db)
        .await?;
    Ok(())
}

/// Settles the gateway calls of message `message_id` that an earlier delivery started and
/// never recorded the answer of (the worker stopped mid-call, or lost its lease while
/// calling): they are recorded as ambiguous. Returns the stored channel names of those calls.
pub async fn settle_interrupted(
    db: &sea_orm::DatabaseConnection,
    message_id: Uuid,
) -> Result<Vec<String>, DbErr> {
    let open = outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.eq(message_id))
        .filter(outbox_attempt::Column::Outcome.eq(AttemptOutcome::InFlight.as_str()))
        .all(db)
        .await?;
    if open.is_empty() {
        return Ok(Vec::new());
    }
    // Only rows still in flight: a late answer of the original call keeps its own outcome.
    // The call may have gone out, so it is billed as any ambiguous answer is, at the price its
    // start recorded.
    let interrupted = OutcomeClass::Ambiguous {
        reason: INTERRUPTED.to_owned(),
    };
    let billed = if domain::messaging::pricing::billable(&interrupted) {
        Expr::col(outbox_attempt::Column::PriceVnd)
    } else {
        Expr::value(0i64)
    };
    outbox_attempt::Entity::update_many()
        .col_expr(
            outbox_attempt::Column::Outcome,
            Expr::value(interrupted.outcome().as_str()),
        )
        .col_expr(outbox_attempt::Column::Reason, Expr::value(INTERRUPTED))
        .col_expr(outbox_attempt::Column::BilledVnd, billed)
        .filter(outbox_attempt::Column::Id.is_in(open.iter().map(|a| a.id)))
        .filter(outbox_attempt::Column::Outcome.eq(AttemptOutcome::InFlight.as_str()))
        .exec(db)
        .await?;
    Ok(open.into_iter().map(|a| a.channel).collect())
}

/// Recorded attempts of message `message_id` on `channel` (one in flight included).
pub async fn attempts_on(
    db: &sea_orm::DatabaseConnection,
    message_id: Uuid,
    channel: Channel,
) -> Result<u32, DbErr> {
    let n = outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.eq(message_id))
        .filter(outbox_attempt::Column::Channel.eq(channel.as_str()))
        .count(db)
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
