//! What earlier sends taught us about reaching a client on Zalo, read into the channel plan
//! and written after an attempt (rules: `domain::messaging::channel_knowledge`).
//!
//! A lesson is written after the attempt's outcome, in its own statement, and only when
//! something changes (a ZNS or OA refusal, or a success after one): the usual send writes
//! nothing more. A crash between the two loses the lesson, which costs one more refused (and
//! unbilled) ZNS attempt on the next message, then is learnt again.

use domain::messaging::channel_knowledge::{ChannelKnowledge, Lesson};
use entities::client;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

/// Longest reason kept (`clients.zns_unreachable_reason`, `oa_refused_reason`).
const REASON_LEN: usize = 80;

/// What the client's row says we learnt.
pub fn knowledge_of(c: &client::Model) -> ChannelKnowledge {
    ChannelKnowledge {
        zns_unreachable_until: c.zns_unreachable_until,
        oa_refused_at: c.oa_refused_at,
    }
}

/// Writes `lesson` on client `client_id`.
pub async fn remember(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    lesson: &Lesson,
) -> Result<(), DbErr> {
    let reason = |r: &str| Some(r.chars().take(REASON_LEN).collect::<String>());
    let none_at = Option::<chrono::DateTime<chrono::Utc>>::None;
    let update = client::Entity::update_many();
    let update = match lesson {
        Lesson::ZnsUnreachable { until, reason: r } => update
            .col_expr(client::Column::ZnsUnreachableUntil, Expr::value(*until))
            .col_expr(client::Column::ZnsUnreachableReason, Expr::value(reason(r))),
        Lesson::ZnsReached => update
            .col_expr(client::Column::ZnsUnreachableUntil, Expr::value(none_at))
            .col_expr(
                client::Column::ZnsUnreachableReason,
                Expr::value(Option::<String>::None),
            ),
        Lesson::OaRefused { at, reason: r } => update
            .col_expr(client::Column::OaRefusedAt, Expr::value(*at))
            .col_expr(client::Column::OaRefusedReason, Expr::value(reason(r))),
        Lesson::OaReached => update
            .col_expr(client::Column::OaRefusedAt, Expr::value(none_at))
            .col_expr(
                client::Column::OaRefusedReason,
                Expr::value(Option::<String>::None),
            ),
    };
    update
        .filter(client::Column::Id.eq(client_id))
        .exec(db)
        .await?;
    Ok(())
}
