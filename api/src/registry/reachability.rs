//! The reachability watch as officers read it (issue 13, item 3): whether messages still reach
//! a client, and the last refusal on each channel. Kept by the worker
//! (`store::reach`); read here in batches for a page of clients, inside the caller's scope.

use chrono::{DateTime, Utc};
use domain::{access::Permission, messaging::outcome::AttemptOutcome};
use entities::{client, client_reachability};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait, Statement, Value,
};
use uuid::Uuid;

use crate::{context::RequestContext, error::AppResult, scope::commune_condition};

/// Most clients whose refusals one batch reads (a page is at most 100).
const MAX_BATCH: usize = 200;

/// The reachability rows of these clients (clients never failed have none), in scope.
pub async fn by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<client_reachability::Model>> {
    let p = ctx.principal()?;
    p.require(Permission::ClientsRead)?;
    let in_scope = client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(commune_condition(&p.scope(), client::Column::CommuneCode))
        .filter(client::Column::Id.is_in(ids.iter().copied().take(MAX_BATCH)))
        .into_query();
    Ok(client_reachability::Entity::find()
        .filter(client_reachability::Column::ClientId.in_subquery(in_scope))
        .all(db)
        .await?)
}

/// The latest refusal on one channel of messages to one client.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ChannelRefusal {
    /// The client.
    pub client_id: Uuid,
    /// Stored channel.
    pub channel: String,
    /// Stored outcome (`recipient_unreachable`, `permanent`, `retryable`, …).
    pub outcome: String,
    /// The fixed reason text with the provider's code, e.g. `zns -118: …`.
    pub reason: Option<String>,
    /// When that attempt was made.
    pub attempted_at: DateTime<Utc>,
}

/// Per client and channel, the latest failed attempt of messages to these clients (one
/// statement for the batch, over `ix_outbox_client` and `ix_attempts_message`), in scope.
pub async fn refusals_by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<ChannelRefusal>> {
    let p = ctx.principal()?;
    p.require(Permission::ClientsRead)?;
    let ids: Vec<Uuid> = by_client_ids(db, ctx, ids)
        .await?
        .into_iter()
        .filter(|r| r.consecutive_failures > 0)
        .map(|r| r.client_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let placeholder = |i: usize| match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${i}"),
        _ => format!("?{i}"),
    };
    let failures = [
        AttemptOutcome::AuthExpired,
        AttemptOutcome::Retryable,
        AttemptOutcome::RecipientUnreachable,
        AttemptOutcome::ChannelUnavailable,
        AttemptOutcome::Permanent,
    ];
    let mut values: Vec<Value> = Vec::new();
    let mut marks = Vec::new();
    for id in &ids {
        values.push((*id).into());
        marks.push(placeholder(values.len()));
    }
    let mut outcome_marks = Vec::new();
    for o in failures {
        values.push(o.as_str().into());
        outcome_marks.push(placeholder(values.len()));
    }
    let sql = format!(
        "SELECT client_id, channel, outcome, reason, attempted_at FROM ( \
           SELECT m.client_id AS client_id, a.channel AS channel, a.outcome AS outcome, \
             a.reason AS reason, a.attempted_at AS attempted_at, \
             ROW_NUMBER() OVER (PARTITION BY m.client_id, a.channel \
               ORDER BY a.attempted_at DESC, a.id DESC) AS rn \
           FROM outbox_messages m JOIN outbox_attempts a ON a.message_id = m.id \
           WHERE m.client_id IN ({}) AND a.outcome IN ({})) t \
         WHERE rn = 1 ORDER BY client_id, channel",
        marks.join(", "),
        outcome_marks.join(", ")
    );
    Ok(
        ChannelRefusal::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?,
    )
}
