//! The audit log: every mutation and every read of sensitive fields, who, what, when.
//!
//! Entries hold ids and field names, never values: the log must not become a second copy of
//! the sensitive data it protects.

use entities::audit_entry;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::{context::RequestContext, error::AppResult};

/// What an audit entry is about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// `client`, `supervision_order`, …
    pub entity_type: &'static str,
    /// The record's id, when it has one.
    pub entity_id: Option<Uuid>,
    /// The record's commune, so a commune's audit trail can be listed.
    pub commune_code: Option<&'a str>,
}

/// Writes one entry, in the caller's transaction so that it commits or rolls back with the change.
pub async fn record(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    action: &str,
    subject: Subject<'_>,
    detail: Option<String>,
) -> AppResult<()> {
    entry(ctx, action, subject, detail).insert(db).await?;
    Ok(())
}

fn entry(
    ctx: &RequestContext,
    action: &str,
    subject: Subject<'_>,
    detail: Option<String>,
) -> audit_entry::ActiveModel {
    let (actor_kind, actor_id) = match &ctx.principal {
        Some(p) => (p.actor_kind(), Some(p.actor_id())),
        None => ("anonymous", None),
    };
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(ctx.now),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        entity_type: Set(subject.entity_type.to_owned()),
        entity_id: Set(subject.entity_id),
        commune_code: Set(subject.commune_code.map(str::to_owned)),
        request_id: Set(Some(ctx.request_id.clone())),
        detail: Set(detail),
    }
}

/// Writes the sensitive reads noted during a request, one entry per record and field, in one
/// statement. Called before the response leaves: if it fails, the data is not sent.
pub async fn flush_sensitive_reads(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
) -> AppResult<()> {
    let mut reads = ctx.take_sensitive_reads();
    if reads.is_empty() {
        return Ok(());
    }
    reads.sort_by(|a, b| (a.entity_id, a.field).cmp(&(b.entity_id, b.field)));
    reads.dedup_by(|a, b| a.entity_id == b.entity_id && a.field == b.field);
    let entries = reads.iter().map(|r| {
        let subject = Subject {
            entity_type: r.entity_type,
            entity_id: Some(r.entity_id),
            commune_code: Some(&r.commune_code),
        };
        entry(ctx, "read_sensitive", subject, Some(r.field.to_owned()))
    });
    audit_entry::Entity::insert_many(entries).exec(db).await?;
    Ok(())
}

/// Filter of the audit log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Only entries about this kind of record.
    pub entity_type: Option<String>,
    /// Only entries about this record.
    pub entity_id: Option<Uuid>,
    /// Only this actor (account or key).
    pub actor_id: Option<Uuid>,
    /// Only this action, e.g. `read_sensitive`.
    pub action: Option<String>,
}

/// Lists the audit log (administrators; province administrators see their province's communes).
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: AuditFilter,
    page: crate::pagination::PageRequest<Uuid>,
) -> AppResult<crate::pagination::Page<audit_entry::Model>> {
    use domain::bounds::MAX_FILTER_KEYWORD_CHARS;
    use sea_orm::{ColumnTrait, QueryFilter};
    let principal = ctx.principal()?;
    principal.require_admin(false)?;
    let mut cond = match principal.scope() {
        domain::access::Scope::Everything => sea_orm::Condition::all(),
        scope => crate::scope::commune_condition(&scope, audit_entry::Column::CommuneCode),
    };
    let keyword =
        |field, value| crate::input::optional_text(field, value, MAX_FILTER_KEYWORD_CHARS);
    if let Some(t) = keyword("entityType", filter.entity_type)? {
        cond = cond.add(audit_entry::Column::EntityType.eq(t));
    }
    if let Some(id) = filter.entity_id {
        cond = cond.add(audit_entry::Column::EntityId.eq(id));
    }
    if let Some(id) = filter.actor_id {
        cond = cond.add(audit_entry::Column::ActorId.eq(id));
    }
    if let Some(a) = keyword("action", filter.action)? {
        cond = cond.add(audit_entry::Column::Action.eq(a));
    }
    crate::pagination::paginate(
        db,
        audit_entry::Entity::find().filter(cond),
        audit_entry::Column::Id,
        page,
    )
    .await
}
