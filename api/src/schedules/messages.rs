//! Message history: the outbox rows of the caller's communes and the gateway attempts behind
//! them. Only delivery facts leave this module; the text and its variables (a name, a time,
//! a place, a link) stay in the outbox for the worker alone.

use domain::{access::Permission, messaging::channel::Channel};
use entities::{outbox_attempt, outbox_message};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Query,
};
use store::outbox::MessageStatus;
use uuid::Uuid;

use crate::{
    context::RequestContext,
    error::AppResult,
    pagination::{Page, PageRequest, paginate},
    scope::commune_condition,
};

/// Filter of the message history.
#[derive(Debug, Default, Clone)]
pub struct MessageFilter {
    /// Messages to one client.
    pub client_id: Option<Uuid>,
    /// In one status.
    pub status: Option<MessageStatus>,
    /// Last tried on one channel.
    pub channel: Option<Channel>,
}

/// Outbox rows in the caller's communes; reading them needs `SchedulesRead`.
fn scoped(ctx: &RequestContext) -> AppResult<Condition> {
    let p = ctx.principal()?;
    p.require(Permission::SchedulesRead)?;
    Ok(commune_condition(
        &p.scope(),
        outbox_message::Column::CommuneCode,
    ))
}

/// Messages in scope, oldest first (ids are time-ordered).
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: MessageFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<outbox_message::Model>> {
    let mut cond = scoped(ctx)?;
    if let Some(c) = filter.client_id {
        cond = cond.add(outbox_message::Column::ClientId.eq(c));
    }
    if let Some(s) = filter.status {
        cond = cond.add(outbox_message::Column::Status.eq(s.as_str()));
    }
    if let Some(c) = filter.channel {
        cond = cond.add(outbox_message::Column::Channel.eq(c.as_str()));
    }
    paginate(
        db,
        outbox_message::Entity::find().filter(cond),
        outbox_message::Column::Id,
        page,
    )
    .await
}

/// Gateway attempts of these messages (DataLoader batch), oldest first; attempts of messages
/// outside the caller's scope are left out.
pub async fn attempts_by_message_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<outbox_attempt::Model>> {
    let in_scope = Query::select()
        .column(outbox_message::Column::Id)
        .from(outbox_message::Entity)
        .cond_where(scoped(ctx)?.add(outbox_message::Column::Id.is_in(ids.iter().copied())))
        .to_owned();
    Ok(outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.in_subquery(in_scope))
        .order_by_asc(outbox_attempt::Column::AttemptedAt)
        .order_by_asc(outbox_attempt::Column::Id)
        .all(db)
        .await?)
}
