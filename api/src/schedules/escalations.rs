//! Escalations of missed check-ins (issue 11): the officers' queue, each escalation's history,
//! taking and closing one, and the commune's escalation policy.
//!
//! Who may act on an escalation: administrators in scope, and officers of its commune who are
//! alerted at its current level or a lower one (a level's roles, named officers, or the case
//! officers). Partner keys may read the queue of their communes but never act: an
//! acknowledgement names a person. Authority is checked before existence.

use chrono::{DateTime, Duration, Utc};
use domain::escalation::{AckMethod, EscalationPolicy, EscalationStatus, Outcome};
use entities::{escalation, escalation_event, escalation_policy};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::OnConflict,
};
use store::escalation::{OwnershipError, audience::officers_of_level, policy::policy_for};
use uuid::Uuid;

use crate::{
    audit::{self, Subject},
    auth::Principal,
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, limit_per_parent, paginate},
    registry::places,
    scope::commune_condition,
};

/// Most history entries shown for one escalation.
pub const MAX_EVENTS: u64 = 200;
/// Longest age filter: a year, in minutes.
pub const MAX_AGE_MINUTES: u32 = 366 * 24 * 60;

/// Filter of the queue.
#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    /// One commune (inside the caller's scope).
    pub commune_code: Option<String>,
    /// One client.
    pub client_id: Option<Uuid>,
    /// One level.
    pub level: Option<i32>,
    /// One status.
    pub status: Option<EscalationStatus>,
    /// Opened at least this many minutes ago.
    pub min_age_minutes: Option<u32>,
}

/// The queue in the caller's communes, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: EscalationFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<escalation::Model>> {
    let principal = ctx.principal()?;
    principal.require(domain::access::Permission::SchedulesRead)?;
    let mut cond = commune_condition(&principal.scope(), escalation::Column::CommuneCode);
    if let Some(c) = filter.commune_code {
        cond = cond.add(escalation::Column::CommuneCode.eq(c));
    }
    if let Some(c) = filter.client_id {
        cond = cond.add(escalation::Column::ClientId.eq(c));
    }
    if let Some(l) = filter.level {
        cond = cond.add(escalation::Column::Level.eq(l));
    }
    if let Some(s) = filter.status {
        cond = cond.add(escalation::Column::Status.eq(s.as_str()));
    }
    if let Some(m) = filter.min_age_minutes {
        if m > MAX_AGE_MINUTES {
            return Err(AppError::field(
                "filter.minAgeMinutes",
                format!("at most {MAX_AGE_MINUTES}"),
            ));
        }
        cond =
            cond.add(escalation::Column::OpenedAt.lte(ctx.now - Duration::minutes(i64::from(m))));
    }
    paginate(
        db,
        escalation::Entity::find().filter(cond),
        escalation::Column::Id,
        page,
    )
    .await
}

/// An escalation's history, oldest first (the caller has been shown the escalation).
pub async fn events(
    db: &impl ConnectionTrait,
    escalation_id: Uuid,
) -> AppResult<Vec<escalation_event::Model>> {
    Ok(escalation_event::Entity::find()
        .filter(escalation_event::Column::EscalationId.eq(escalation_id))
        .order_by_asc(escalation_event::Column::OccurredAt)
        .order_by_asc(escalation_event::Column::Id)
        .limit(MAX_EVENTS)
        .all(db)
        .await?)
}

/// The histories of several escalations the caller has been shown (a page of the queue), in
/// one statement: at most [`MAX_EVENTS`] each, oldest first.
pub async fn events_by_escalation_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<escalation_event::Model>> {
    let select = escalation_event::Entity::find()
        .filter(escalation_event::Column::EscalationId.is_in(ids.iter().copied()));
    limit_per_parent(
        db,
        select,
        escalation_event::Column::EscalationId,
        &[
            (escalation_event::Column::OccurredAt, Order::Asc),
            (escalation_event::Column::Id, Order::Asc),
        ],
        MAX_EVENTS,
    )
    .await
}

/// Who acts, as stored on the escalation: the officer, or the administrator's account.
fn actor(principal: &Principal) -> AppResult<Uuid> {
    match principal {
        Principal::Officer { officer_id, .. } => Ok(*officer_id),
        Principal::Administrator { account_id, .. } => Ok(*account_id),
        Principal::Partner { .. } => Err(AppError::forbidden(
            "a partner key may not acknowledge or resolve escalations; an officer must",
        )),
    }
}

/// Whether `officer_id` is alerted at `e`'s current level or a lower one.
pub async fn officer_may_act(
    db: &impl ConnectionTrait,
    policy: &EscalationPolicy,
    e: &escalation::Model,
    officer_id: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    for n in 1..=u32::try_from(e.level).unwrap_or(1) {
        let Some(level) = policy.level(n) else {
            continue;
        };
        if officers_of_level(db, level, e.order_id, &e.commune_code)
            .await?
            .contains(&officer_id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Loads an escalation the caller may act on: authority first (FORBIDDEN for partner keys),
/// then existence and scope (NOT_FOUND), then the level (FORBIDDEN).
async fn actionable(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    defaults: &EscalationPolicy,
    id: Uuid,
) -> AppResult<(escalation::Model, Uuid)> {
    let principal = ctx.principal()?;
    let who = actor(principal)?;
    let e = escalation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("escalation"))?;
    let province = entities::commune::Entity::find_by_id(e.commune_code.clone())
        .one(db)
        .await?
        .map(|c| c.province_code)
        .unwrap_or_default();
    if !principal.scope().allows(&e.commune_code, &province) {
        return Err(AppError::NotFound("escalation"));
    }
    if let Principal::Officer { officer_id, .. } = principal {
        let policy = policy_for(db, defaults, &e.commune_code).await?;
        if !officer_may_act(db, &policy, &e, *officer_id).await? {
            return Err(AppError::forbidden(
                "only officers alerted at this escalation's level or below, and administrators, may act on it",
            ));
        }
    }
    Ok((e, who))
}

fn ownership_error(e: OwnershipError) -> AppError {
    match e {
        OwnershipError::NotFound => AppError::NotFound("escalation"),
        OwnershipError::Lifecycle(l) => AppError::Conflict(l.to_string()),
        OwnershipError::Db(d) => d.into(),
    }
}

/// Takes an open escalation (the `acknowledgeEscalation` mutation).
pub async fn acknowledge(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &EscalationPolicy,
    id: Uuid,
) -> AppResult<escalation::Model> {
    let txn = store::db::begin_write(db).await?;
    let (e, who) = actionable(&txn, ctx, defaults, id).await?;
    let e = store::escalation::acknowledge(&txn, e.id, who, AckMethod::Mutation, ctx.now)
        .await
        .map_err(ownership_error)?;
    let subject = Subject {
        entity_type: "escalation",
        entity_id: Some(e.id),
        commune_code: Some(&e.commune_code),
    };
    audit::record(&txn, ctx, "escalation.acknowledge", subject, None).await?;
    txn.commit().await?;
    Ok(e)
}

/// Closes an escalation with an outcome and a note.
pub async fn resolve(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &EscalationPolicy,
    id: Uuid,
    outcome: Outcome,
    note: Option<String>,
) -> AppResult<escalation::Model> {
    let note = crate::input::optional_text("note", note, domain::bounds::MAX_NOTES_CHARS)?;
    if outcome == Outcome::Other && note.is_none() {
        return Err(AppError::field(
            "note",
            "say what happened when the outcome is OTHER",
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let (e, who) = actionable(&txn, ctx, defaults, id).await?;
    let e = store::escalation::resolve(&txn, e.id, who, outcome, note, ctx.now)
        .await
        .map_err(ownership_error)?;
    let subject = Subject {
        entity_type: "escalation",
        entity_id: Some(e.id),
        commune_code: Some(&e.commune_code),
    };
    audit::record(
        &txn,
        ctx,
        "escalation.resolve",
        subject,
        Some(outcome.as_str().to_owned()),
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}

/// A commune's escalation policy in force and whether it is the commune's own.
pub async fn policy(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    defaults: &EscalationPolicy,
    code: &str,
) -> AppResult<(String, EscalationPolicy, bool)> {
    let principal = ctx.principal()?;
    principal.require(domain::access::Permission::SchedulesRead)?;
    let commune = places::current_commune(db, "communeCode", code).await?;
    if !principal
        .scope()
        .allows(&commune.code, &commune.province_code)
    {
        return Err(AppError::NotFound("commune"));
    }
    let own = escalation_policy::Entity::find_by_id(commune.code.clone())
        .one(db)
        .await?
        .is_some();
    let effective = policy_for(db, defaults, &commune.code).await?;
    Ok((commune.code, effective, own))
}

/// Replaces a commune's escalation policy (administrators, the commune police chief, the
/// commune chairman). Every bound is checked before anything is stored.
pub async fn set_policy(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    code: &str,
    policy: EscalationPolicy,
    now: DateTime<Utc>,
) -> AppResult<(String, EscalationPolicy, bool)> {
    use domain::access::OfficerRole;
    let principal = ctx.principal()?;
    let allowed = matches!(principal, Principal::Administrator { .. })
        || matches!(
            principal,
            Principal::Officer {
                role: OfficerRole::CommunePoliceChief | OfficerRole::CommuneChairman,
                ..
            }
        );
    if !allowed {
        return Err(AppError::forbidden(
            "only administrators, the commune police chief and the chairman may change the escalation policy",
        ));
    }
    let commune = places::current_commune(db, "communeCode", code).await?;
    if !principal
        .scope()
        .allows(&commune.code, &commune.province_code)
    {
        return Err(AppError::NotFound("commune"));
    }
    policy.validate().map_err(|e| {
        let field = match &e {
            domain::escalation::PolicyError::OutOfBounds { field, .. } => field,
            domain::escalation::PolicyError::LevelCount
            | domain::escalation::PolicyError::LevelAudience(_) => &"levels",
            domain::escalation::PolicyError::LevelChannels(..) => &"levels.channels",
        };
        AppError::field(field, e)
    })?;
    let json = serde_json::to_string(&policy).map_err(|e| AppError::Internal(Box::new(e)))?;
    let txn = store::db::begin_write(db).await?;
    escalation_policy::Entity::insert(escalation_policy::ActiveModel {
        commune_code: Set(commune.code.clone()),
        policy: Set(json),
        updated_by: Set(Some(principal.actor_id())),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(escalation_policy::Column::CommuneCode)
            .update_columns([
                escalation_policy::Column::Policy,
                escalation_policy::Column::UpdatedBy,
                escalation_policy::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let subject = Subject {
        entity_type: "escalation_policy",
        entity_id: None,
        commune_code: Some(&commune.code),
    };
    audit::record(&txn, ctx, "escalation_policy.set", subject, None).await?;
    txn.commit().await?;
    Ok((commune.code, policy, true))
}

/// A reply by Zalo or SMS: if it is "XN <code>" from an active officer's Zalo account or phone,
/// the code is checked (bound to one escalation, dead once resolved, rate-limited per sender)
/// and, if the officer may act on that escalation, it is acknowledged. `None` when the reply is
/// not an officer's acknowledgement (it is then handled as a client reply).
///
/// A phone may be shared (a commune's duty phone): the officer who acknowledges is the first
/// of its active officers allowed to act on the escalation the code names.
pub async fn reply_from_officer(
    db: &impl ConnectionTrait,
    state: &crate::startup::AppState,
    sender: &crate::schedules::check_ins::ReplySender,
    text: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<store::escalation::CodeReply>> {
    use crate::schedules::check_ins::ReplySender;
    use domain::messaging::reply::{Reply, parse_reply};
    let Reply::Acknowledge { code } = parse_reply(text) else {
        return Ok(None);
    };
    let (by, sender_key) = match sender {
        ReplySender::ZaloUser(id) => (
            entities::officer::Column::ZaloUserId.eq(id.as_str()),
            format!("zalo:{id}"),
        ),
        ReplySender::Phone(p) => (
            entities::officer::Column::Phone.eq(p.canonical()),
            format!("sms:{}", p.canonical()),
        ),
    };
    let officers = entities::officer::Entity::find()
        .filter(by)
        .filter(entities::officer::Column::Active.eq(true))
        .order_by_asc(entities::officer::Column::Id)
        .all(db)
        .await?;
    let Some(first) = officers.first() else {
        return Ok(None);
    };
    let defaults = &state.planning.escalation_defaults;
    // The code names one escalation; whether this officer may act on it needs the database,
    // so it is looked up first and judged here.
    let target = match domain::escalation::AckCode::parse(&code) {
        Some(c) => match store::escalation::credentials::escalation_of_code(db, &c).await? {
            Some(id) => escalation::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
        None => None,
    };
    let mut acting = None;
    if let Some(e) = &target {
        let policy = policy_for(db, defaults, &e.commune_code).await?;
        for o in &officers {
            if officer_may_act(db, &policy, e, o.id).await? {
                acting = Some(o.id);
                break;
            }
        }
    }
    let allowed = acting.is_some();
    let reply = store::escalation::acknowledge_by_code(
        db,
        &sender_key,
        acting.unwrap_or(first.id),
        &code,
        |_| allowed,
        now,
    )
    .await?;
    Ok(Some(reply))
}
