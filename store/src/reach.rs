//! The reachability watch (issue 13, item 3): counting a client's messages that reached
//! nobody, marking the client unreachable once, and telling their case officers once per
//! episode. The rules are `domain::messaging::reach`; this module keeps
//! `client_reachability` in step with the outbox, inside the transaction (or statement) that
//! records each message's outcome.
//!
//! Exactly once, with workers racing and crashing anywhere: the count moves in the finish's
//! transaction, guarded by the message's lease (a finish that lost its lease writes nothing),
//! so each message counts once. The episode starts with a guarded update (`unreachable_since
//! IS NULL`): of two finishes racing for the same client, the row lock orders them and only
//! the first sees the column empty; the alert is queued in the same transaction, with the
//! episode's start in its dedupe key, so it exists exactly when the episode does.

use chrono::{DateTime, Utc};
use domain::messaging::{
    Channel,
    outcome::AttemptOutcome,
    reach::{self, becomes_unreachable},
    templates::TemplateKey,
};
use entities::{client, client_reachability, outbox_attempt, outbox_message};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, Statement,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    alerts::{OrderAlert, to_order_officers},
    outbox::AlertCause,
};

/// Stored role of a case officer's assignment.
const CASE_OFFICER: &str = domain::order::AssignmentRole::CaseOfficer.as_str();

/// Called in the transaction that finished client message `m` as failed, after its last
/// attempt's outcome was written. Counts the failure (unless it was the deployment's problem)
/// and, when the client becomes unreachable now, starts the episode and alerts the case
/// officers. Returns whether an episode started.
pub async fn message_failed(
    txn: &impl ConnectionTrait,
    m: &outbox_message::Model,
    last_outcome: &str,
    threshold: u32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(client_id) = m.client_id else {
        return Ok(false);
    };
    if !reach::failure_counts(last_outcome) {
        return Ok(false);
    }
    let backend = txn.get_database_backend();
    let (p1, p2) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2"),
        _ => ("?1", "?2"),
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO client_reachability (client_id, consecutive_failures, updated_at) \
                 VALUES ({p1}, 1, {p2}) ON CONFLICT (client_id) DO UPDATE SET \
                 consecutive_failures = client_reachability.consecutive_failures + 1, \
                 updated_at = {p2} RETURNING consecutive_failures"
            ),
            [client_id.into(), now.into()],
        ))
        .await?;
    let failures: i32 = match row {
        Some(r) => r.try_get("", "consecutive_failures")?,
        None => 1,
    };
    let refused = refused_everywhere(txn, m.id).await?;
    let failures = u32::try_from(failures).unwrap_or(0);
    if !becomes_unreachable(failures, refused, threshold) {
        return Ok(false);
    }
    let started = client_reachability::Entity::update_many()
        .col_expr(
            client_reachability::Column::UnreachableSince,
            Expr::value(now),
        )
        .filter(client_reachability::Column::ClientId.eq(client_id))
        .filter(client_reachability::Column::UnreachableSince.is_null())
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if started {
        alert(txn, m, client_id, now).await?;
    }
    Ok(started)
}

/// Whether every channel message `message_id` tried refused the person for good.
async fn refused_everywhere(db: &impl ConnectionTrait, message_id: Uuid) -> Result<bool, DbErr> {
    let attempts: Vec<(Channel, AttemptOutcome)> = outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.eq(message_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| {
            Some((
                Channel::from_stored(&a.channel)?,
                AttemptOutcome::from_stored(&a.outcome)?,
            ))
        })
        .collect();
    Ok(reach::refused_on_every_channel(&attempts))
}

/// Queues the episode's alert to the case officers of the client's open order.
async fn alert(
    db: &impl ConnectionTrait,
    m: &outbox_message::Model,
    client_id: Uuid,
    since: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let Some(client) = client::Entity::find_by_id(client_id).one(db).await? else {
        return Ok(0);
    };
    let Some(order) = crate::orders::open_order_of(db, client_id).await? else {
        return Ok(0);
    };
    to_order_officers(
        db,
        OrderAlert {
            order_id: order.id,
            client_name: client.full_name,
            commune_code: client.commune_code,
            template: TemplateKey::OfficerClientUnreachable,
            cause: AlertCause::Unreachable {
                client: client_id,
                since,
            },
            role: Some(CASE_OFFICER),
            urgent: false,
            source_type: "outbox_message",
            source_id: m.id,
        },
        since,
    )
    .await
}

/// Called in the transaction that recorded that a message to client `client_id` got through
/// (accepted or delivered): ends the count and any episode. Writes nothing when no count is
/// running (the usual case: one primary-key lookup).
pub async fn message_reached(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    client_reachability::Entity::update_many()
        .col_expr(
            client_reachability::Column::ConsecutiveFailures,
            Expr::value(0),
        )
        .col_expr(
            client_reachability::Column::UnreachableSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(client_reachability::Column::UpdatedAt, Expr::value(now))
        .filter(client_reachability::Column::ClientId.eq(client_id))
        .filter(client_reachability::Column::ConsecutiveFailures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// The `WITH` part that ends the counts inside the PostgreSQL grouped finish
/// (`outbox::finish_all`): each held message of `m` (returning `client_id`, `reached` and
/// `at`) reached its client when `reached` is true. Like [`message_reached`], it writes no
/// row unless a count is running.
///
/// The rows are locked first, in client order (`l`: the lock is taken above the sort), and
/// only then updated: groups finishing at once that share clients would otherwise lock them
/// in whatever order their plans visit them, and two groups holding a row each that the
/// other needs deadlock (PostgreSQL then fails one group's whole statement).
pub const REACHED_CTE: &str = "l AS (SELECT c.client_id FROM client_reachability c \
     WHERE c.consecutive_failures > 0 \
     AND c.client_id IN (SELECT m.client_id FROM m WHERE m.reached) \
     ORDER BY c.client_id FOR UPDATE), \
     r AS (UPDATE client_reachability c SET consecutive_failures = 0, \
     unreachable_since = NULL, updated_at = m.at FROM l, m \
     WHERE c.client_id = l.client_id AND m.client_id = l.client_id AND m.reached \
     RETURNING c.client_id)";
