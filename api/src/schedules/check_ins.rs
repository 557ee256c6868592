//! Check-ins: recorded by an officer or partner app, by a one-tap link, or by a reply message;
//! queries of occurrences and compliance.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::{
    Phone,
    access::Permission,
    messaging::{
        reply::{Reply, Wellbeing, parse_reply},
        templates::TemplateKey,
    },
};
use entities::{check_in, check_in_occurrence, check_in_plan, client, reply_note};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    Order, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use store::{
    alerts::OrderAlert,
    links::{self, LinkKey},
    occurrences::OccurrenceStatus,
    outbox,
    outbox::AlertCause,
};
use uuid::Uuid;

use crate::{
    audit::{self, Subject},
    context::RequestContext,
    error::{AppError, AppResult},
    pagination::{Page, PageRequest, first_of_outer_parent, limit_per_parent, paginate},
    scope::commune_condition,
};

/// A late check-in is accepted by officers and partner apps for this long after the window.
pub const LATE_LIMIT: Duration = Duration::days(7);

/// How a check-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInMethod {
    /// In person at the commune office.
    InPerson,
    /// By phone with the officer.
    PhoneCall,
    /// At a home visit.
    HomeVisit,
    /// In a partner app.
    PartnerApp,
    /// By the one-tap link of a prompt.
    Link,
    /// By SMS reply.
    SmsReply,
    /// By Zalo reply.
    ZaloReply,
}

impl CheckInMethod {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::PhoneCall => "phone_call",
            Self::HomeVisit => "home_visit",
            Self::PartnerApp => "partner_app",
            Self::Link => "link",
            Self::SmsReply => "sms_reply",
            Self::ZaloReply => "zalo_reply",
        }
    }
}

fn wellbeing_str(w: Wellbeing) -> &'static str {
    match w {
        Wellbeing::Ok => "ok",
        Wellbeing::NeedHelp => "need_help",
    }
}

/// Who recorded a check-in.
#[derive(Debug, Clone, Copy)]
struct RecordedBy {
    kind: &'static str,
    id: Option<Uuid>,
}

/// A check-in to record.
#[derive(Debug, Clone)]
pub struct CheckInInput {
    /// How.
    pub method: CheckInMethod,
    /// "I'm fine" / "I need help".
    pub wellbeing: Option<Wellbeing>,
    /// A short note (at most 500 characters).
    pub note: Option<String>,
}

/// Records a check-in for an occurrence (the caller has loaded and locked it). Shared by every
/// way of checking in; cancels the occurrence's pending prompts and alerts the case officers
/// when the client asks for help.
async fn record_for(
    db: &impl ConnectionTrait,
    occ: check_in_occurrence::Model,
    input: CheckInInput,
    by: RecordedBy,
    now: DateTime<Utc>,
    escalation_defaults: &domain::escalation::EscalationPolicy,
) -> AppResult<(check_in_occurrence::Model, check_in::Model)> {
    let status = OccurrenceStatus::from_stored(&occ.status);
    match status {
        Some(OccurrenceStatus::CheckedIn | OccurrenceStatus::Late) => {
            return Err(AppError::Conflict(
                "this check-in has already been recorded".into(),
            ));
        }
        Some(OccurrenceStatus::Cancelled) => {
            return Err(AppError::Conflict(
                "this check-in was cancelled by a plan change".into(),
            ));
        }
        _ => {}
    }
    if now < occ.opens_at {
        return Err(AppError::field(
            "occurrenceId",
            "the check-in window has not opened yet",
        ));
    }
    let note =
        crate::input::optional_text("note", input.note, domain::bounds::MAX_CHECK_IN_NOTE_CHARS)?;
    let late = domain::schedule::is_late(occ.closes_at, now);
    let row = check_in::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurrence_id: Set(occ.id),
        client_id: Set(occ.client_id),
        commune_code: Set(occ.commune_code.clone()),
        method: Set(input.method.as_str().to_owned()),
        checked_in_at: Set(now),
        late: Set(late),
        wellbeing: Set(input.wellbeing.map(|w| wellbeing_str(w).to_owned())),
        note: Set(note),
        recorded_by_kind: Set(by.kind.to_owned()),
        recorded_by_id: Set(by.id),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let new_status = if late {
        OccurrenceStatus::Late
    } else {
        OccurrenceStatus::CheckedIn
    };
    let mut m: check_in_occurrence::ActiveModel = occ.into();
    m.status = Set(new_status.as_str().to_owned());
    let occ = m.update(db).await?;
    outbox::cancel_for_source(db, "check_in_occurrence", occ.id, now).await?;
    if late {
        // An open escalation records it and tells its owner; an officer still resolves it.
        store::escalation::ownership::late_check_in(db, occ.client_id, row.id, now, now).await?;
    }
    if input.wellbeing == Some(Wellbeing::NeedHelp) {
        // An open escalation takes the request and tells its owner; otherwise the urgent alert.
        let attached = store::escalation::ownership::attach_help_request(
            db,
            escalation_defaults,
            occ.client_id,
            row.id,
            now,
            now,
        )
        .await?;
        if !attached {
            alert_case_officers(db, &occ, now).await?;
        }
    }
    Ok((occ, row))
}

/// Queues an urgent "needs help" alert to each officer assigned to the client's open order.
async fn alert_case_officers(
    db: &impl ConnectionTrait,
    occ: &check_in_occurrence::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(plan) = check_in_plan::Entity::find_by_id(occ.plan_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let name = client::Entity::find_by_id(occ.client_id)
        .one(db)
        .await?
        .map(|c| c.full_name)
        .unwrap_or_default();
    let alert = OrderAlert {
        order_id: plan.order_id,
        client_name: name,
        commune_code: occ.commune_code.clone(),
        template: TemplateKey::OfficerHelpRequested,
        cause: AlertCause::HelpRequested { occurrence: occ.id },
        role: None,
        urgent: true,
        source_type: "check_in",
        source_id: occ.id,
    };
    store::alerts::to_order_officers(db, alert, now).await?;
    Ok(())
}

fn scoped(ctx: &RequestContext, permission: Permission) -> AppResult<Condition> {
    let p = ctx.principal()?;
    p.require(permission)?;
    Ok(commune_condition(
        &p.scope(),
        check_in_occurrence::Column::CommuneCode,
    ))
}

/// Records a check-in on behalf of the client (officers and partner apps).
pub async fn record(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    occurrence_id: Uuid,
    input: CheckInInput,
    escalation_defaults: &domain::escalation::EscalationPolicy,
) -> AppResult<(check_in_occurrence::Model, check_in::Model)> {
    let cond = scoped(ctx, Permission::SchedulesWrite)?;
    if matches!(
        input.method,
        CheckInMethod::Link | CheckInMethod::SmsReply | CheckInMethod::ZaloReply
    ) {
        return Err(AppError::field(
            "method",
            "links and replies record themselves; choose how you met the client",
        ));
    }
    let txn = store::db::begin_write(db).await?;
    let occ = check_in_occurrence::Entity::find_by_id(occurrence_id)
        .filter(cond)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("check-in occurrence"))?;
    if ctx.now >= occ.closes_at + LATE_LIMIT {
        return Err(AppError::field(
            "occurrenceId",
            "the check-in window closed more than 7 days ago",
        ));
    }
    let principal = ctx.principal()?;
    let by = RecordedBy {
        kind: principal.actor_kind(),
        id: Some(principal.actor_id()),
    };
    let result = record_for(&txn, occ, input, by, ctx.now, escalation_defaults).await?;
    let subject = Subject {
        entity_type: "check_in",
        entity_id: Some(result.1.id),
        commune_code: Some(&result.0.commune_code),
    };
    audit::record(&txn, ctx, "check_in.record", subject, None).await?;
    txn.commit().await?;
    Ok(result)
}

/// An occurrence in scope whose window is still open or ahead, for issuing a link.
pub async fn occurrence_for_link(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    id: Uuid,
) -> AppResult<check_in_occurrence::Model> {
    let cond = scoped(ctx, Permission::SchedulesWrite)?;
    let occ = check_in_occurrence::Entity::find_by_id(id)
        .filter(cond)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("check-in occurrence"))?;
    if occ.status != OccurrenceStatus::Scheduled.as_str() || occ.closes_at <= ctx.now {
        return Err(AppError::Conflict(
            "this check-in is closed; a link would not work".into(),
        ));
    }
    Ok(occ)
}

/// What a one-tap link can do now. The page's GET shows it and its POST acts on it, from the
/// same function, so the page never offers a button that the POST would refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// The window is open and nothing is recorded: the page offers the button.
    Open,
    /// The window opens later, at this instant.
    NotYetOpen {
        /// When the window opens.
        opens_at: DateTime<Utc>,
    },
    /// A check-in is recorded for this window (by this link or otherwise).
    AlreadyRecorded,
    /// The window closed, or was withdrawn, without a check-in.
    Closed,
    /// Not a link we issued.
    NotValid,
}

impl LinkState {
    /// The state of a link naming `occ` (or nothing) at `now`.
    pub fn of(occ: Option<&check_in_occurrence::Model>, now: DateTime<Utc>) -> Self {
        let Some(occ) = occ else {
            return Self::NotValid;
        };
        match OccurrenceStatus::from_stored(&occ.status) {
            Some(OccurrenceStatus::CheckedIn | OccurrenceStatus::Late) => Self::AlreadyRecorded,
            Some(OccurrenceStatus::Scheduled) if now < occ.opens_at => Self::NotYetOpen {
                opens_at: occ.opens_at,
            },
            Some(OccurrenceStatus::Scheduled) if now < occ.closes_at => Self::Open,
            Some(_) => Self::Closed,
            None => Self::NotValid,
        }
    }
}

/// What a POST to a one-tap link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The check-in of this client was recorded now.
    Recorded { client_id: Uuid },
    /// Nothing was recorded; the link is in this state (never [`LinkState::Open`]).
    Unavailable(LinkState),
}

/// The occurrence a link names, locked for a change when `lock` is set (PostgreSQL).
async fn linked_occurrence(
    db: &impl ConnectionTrait,
    key: &LinkKey,
    token: &str,
    lock: bool,
) -> AppResult<Option<check_in_occurrence::Model>> {
    let Some(id) = links::resolve(db, key, token).await? else {
        return Ok(None);
    };
    let mut q = check_in_occurrence::Entity::find_by_id(id);
    if lock {
        q = q.lock_exclusive();
    }
    Ok(q.one(db).await?)
}

/// What a link can do now (the page's GET; changes nothing).
pub async fn link_state(
    db: &DatabaseConnection,
    key: &LinkKey,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<LinkState> {
    let occ = linked_occurrence(db, key, token, false).await?;
    Ok(LinkState::of(occ.as_ref(), now))
}

/// Records a check-in by link. Works once, only while the window is open.
pub async fn record_by_link(
    db: &DatabaseConnection,
    key: &LinkKey,
    token: &str,
    now: DateTime<Utc>,
    escalation_defaults: &domain::escalation::EscalationPolicy,
) -> AppResult<LinkOutcome> {
    let txn = store::db::begin_write(db).await?;
    let occ = linked_occurrence(&txn, key, token, true).await?;
    let state = LinkState::of(occ.as_ref(), now);
    let (LinkState::Open, Some(occ)) = (state, occ) else {
        return Ok(LinkOutcome::Unavailable(state));
    };
    let client_id = occ.client_id;
    let input = CheckInInput {
        method: CheckInMethod::Link,
        wellbeing: None,
        note: None,
    };
    record_for(
        &txn,
        occ,
        input,
        RecordedBy {
            kind: "client",
            id: None,
        },
        now,
        escalation_defaults,
    )
    .await?;
    txn.commit().await?;
    Ok(LinkOutcome::Recorded { client_id })
}

/// Who sent a reply.
#[derive(Debug, Clone)]
pub enum ReplySender {
    /// An SMS from this number.
    Phone(Phone),
    /// A Zalo follower.
    ZaloUser(String),
}

/// What a reply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Recorded a check-in for this occurrence.
    CheckedIn(Uuid),
    /// A check-in reply, but no window is open (or closed within the last day).
    NoOpenCheckIn,
    /// The person opted out of messages.
    OptedOut,
    /// The person opted back in.
    OptedIn,
    /// Kept as a note for the officer (or a keyword this function does not handle).
    Note,
    /// No client has this number or Zalo id.
    UnknownSender,
}

/// Matches a reply to the client and, for a check-in keyword, to their open occurrence (or one
/// that closed within the last day, recorded late). Opt-out is honoured at once.
pub async fn record_reply(
    db: &DatabaseConnection,
    sender: ReplySender,
    text: &str,
    now: DateTime<Utc>,
    escalation_defaults: &domain::escalation::EscalationPolicy,
) -> AppResult<ReplyOutcome> {
    let txn = store::db::begin_write(db).await?;
    let outcome = record_reply_in(&txn, sender, text, now, escalation_defaults).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// [`record_reply`] inside the caller's transaction (the webhook claims the event in the same one).
pub async fn record_reply_in(
    txn: &sea_orm::DatabaseTransaction,
    sender: ReplySender,
    text: &str,
    now: DateTime<Utc>,
    escalation_defaults: &domain::escalation::EscalationPolicy,
) -> AppResult<ReplyOutcome> {
    let (column, value, method) = match &sender {
        ReplySender::Phone(p) => (
            client::Column::Phone,
            p.canonical().to_owned(),
            CheckInMethod::SmsReply,
        ),
        ReplySender::ZaloUser(id) => (
            client::Column::ZaloUserId,
            id.clone(),
            CheckInMethod::ZaloReply,
        ),
    };
    let clients = client::Entity::find()
        .filter(column.eq(value))
        .all(txn)
        .await?;
    if clients.is_empty() {
        return Ok(ReplyOutcome::UnknownSender);
    }
    if matches!(sender, ReplySender::ZaloUser(_)) {
        // Writing to the OA opens Zalo's 7-day window for free OA messages.
        client::Entity::update_many()
            .col_expr(client::Column::ZaloLastInteractionAt, Expr::value(now))
            .filter(client::Column::Id.is_in(clients.iter().map(|c| c.id)))
            .exec(txn)
            .await?;
    }
    let outcome = match parse_reply(text) {
        Reply::CheckIn { wellbeing } => {
            let ids: Vec<Uuid> = clients.iter().map(|c| c.id).collect();
            let open = check_in_occurrence::Entity::find()
                .filter(check_in_occurrence::Column::ClientId.is_in(ids))
                .filter(check_in_occurrence::Column::Status.is_in([
                    OccurrenceStatus::Scheduled.as_str(),
                    OccurrenceStatus::Missed.as_str(),
                ]))
                .filter(check_in_occurrence::Column::OpensAt.lte(now))
                .filter(check_in_occurrence::Column::ClosesAt.gt(now - Duration::days(1)))
                .order_by_asc(check_in_occurrence::Column::OpensAt)
                .lock_exclusive()
                .one(txn)
                .await?;
            match open {
                Some(occ) => {
                    let id = occ.id;
                    let input = CheckInInput {
                        method,
                        wellbeing,
                        note: None,
                    };
                    record_for(
                        txn,
                        occ,
                        input,
                        RecordedBy {
                            kind: "client",
                            id: None,
                        },
                        now,
                        escalation_defaults,
                    )
                    .await?;
                    ReplyOutcome::CheckedIn(id)
                }
                None => ReplyOutcome::NoOpenCheckIn,
            }
        }
        Reply::OptOut => {
            for c in &clients {
                client::Entity::update_many()
                    .col_expr(client::Column::OptedOutAt, Expr::value(now))
                    .filter(client::Column::Id.eq(c.id))
                    .filter(client::Column::OptedOutAt.is_null())
                    .exec(txn)
                    .await?;
            }
            ReplyOutcome::OptedOut
        }
        Reply::OptIn => {
            for c in &clients {
                client::Entity::update_many()
                    .col_expr(
                        client::Column::OptedOutAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .filter(client::Column::Id.eq(c.id))
                    .exec(txn)
                    .await?;
            }
            ReplyOutcome::OptedIn
        }
        Reply::Help | Reply::Acknowledge { .. } | Reply::Note(_) => {
            // Kept for the officer, as written (at most 1,000 characters), for each matching
            // client (normally one).
            let kept: String = text.trim().chars().take(1000).collect();
            let channel = match method {
                CheckInMethod::ZaloReply => "zalo",
                _ => "sms",
            };
            for c in &clients {
                reply_note::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    client_id: Set(c.id),
                    commune_code: Set(c.commune_code.clone()),
                    channel: Set(channel.to_owned()),
                    text: Set(kept.clone()),
                    received_at: Set(now),
                }
                .insert(txn)
                .await?;
            }
            ReplyOutcome::Note
        }
    };
    Ok(outcome)
}

/// Filter of occurrences.
#[derive(Debug, Default, Clone)]
pub struct OccurrenceFilter {
    /// One client.
    pub client_id: Option<Uuid>,
    /// One commune.
    pub commune_code: Option<String>,
    /// One status.
    pub status: Option<OccurrenceStatus>,
    /// Windows opening at or after.
    pub opens_from: Option<DateTime<Utc>>,
    /// Windows opening before.
    pub opens_before: Option<DateTime<Utc>>,
}

/// Occurrences in scope, in creation order.
pub async fn list_occurrences(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    filter: OccurrenceFilter,
    page: PageRequest<Uuid>,
) -> AppResult<Page<check_in_occurrence::Model>> {
    let mut cond = scoped(ctx, Permission::SchedulesRead)?;
    if let Some(c) = filter.client_id {
        cond = cond.add(check_in_occurrence::Column::ClientId.eq(c));
    }
    if let Some(c) = filter.commune_code {
        cond = cond.add(check_in_occurrence::Column::CommuneCode.eq(c));
    }
    if let Some(s) = filter.status {
        cond = cond.add(check_in_occurrence::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = filter.opens_from {
        cond = cond.add(check_in_occurrence::Column::OpensAt.gte(t));
    }
    if let Some(t) = filter.opens_before {
        cond = cond.add(check_in_occurrence::Column::OpensAt.lt(t));
    }
    paginate(
        db,
        check_in_occurrence::Entity::find().filter(cond),
        check_in_occurrence::Column::Id,
        page,
    )
    .await
}

/// Check-ins of these occurrences (DataLoader batch), in scope.
pub async fn check_ins_by_occurrence_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<check_in::Model>> {
    let p = ctx.principal()?;
    p.require(Permission::SchedulesRead)?;
    Ok(check_in::Entity::find()
        .filter(commune_condition(&p.scope(), check_in::Column::CommuneCode))
        .filter(check_in::Column::OccurrenceId.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Upcoming (not yet closed) occurrences of these clients, soonest first (DataLoader batch).
pub async fn upcoming_by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
    per_client: u64,
) -> AppResult<Vec<check_in_occurrence::Model>> {
    let select =
        upcoming(ctx)?.filter(check_in_occurrence::Column::ClientId.is_in(ids.iter().copied()));
    limit_per_parent(
        db,
        select,
        check_in_occurrence::Column::ClientId,
        &UPCOMING_ORDER,
        std::cmp::min(per_client, MAX_UPCOMING_PER_CLIENT),
    )
    .await
}

/// The first upcoming check-ins of the client of the enclosing statement (`clients.id`),
/// scoped and ordered as [`upcoming_by_client_ids`]: the compiled commune page nests it once
/// per client.
pub fn upcoming_of_outer_client(
    ctx: &RequestContext,
    per_client: u64,
) -> AppResult<sea_orm::Select<check_in_occurrence::Entity>> {
    Ok(first_of_outer_parent(
        upcoming(ctx)?,
        check_in_occurrence::Column::ClientId,
        (client::Entity, client::Column::Id),
        &UPCOMING_ORDER,
        std::cmp::min(per_client, MAX_UPCOMING_PER_CLIENT),
    ))
}

/// Occurrences still to come (scheduled, window not closed) inside the caller's scope.
fn upcoming(ctx: &RequestContext) -> AppResult<sea_orm::Select<check_in_occurrence::Entity>> {
    Ok(check_in_occurrence::Entity::find()
        .filter(scoped(ctx, Permission::SchedulesRead)?)
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Scheduled.as_str()))
        .filter(check_in_occurrence::Column::ClosesAt.gt(ctx.now)))
}

/// The order of a client's upcoming check-ins: soonest window first.
const UPCOMING_ORDER: [(check_in_occurrence::Column, Order); 2] = [
    (check_in_occurrence::Column::OpensAt, Order::Asc),
    (check_in_occurrence::Column::Id, Order::Asc),
];

/// Upcoming check-ins listed per client at most (the largest `first` of the field).
pub const MAX_UPCOMING_PER_CLIENT: u64 = 50;

/// Reply notes listed per client at most, newest first.
pub const MAX_REPLY_NOTES_PER_CLIENT: u64 = 20;

/// Check-in compliance of a client over local dates `from..=to`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    /// Windows that have closed in the period.
    pub due: u64,
    /// Checked in within the window.
    pub on_time: u64,
    /// Checked in after the window.
    pub late: u64,
    /// No check-in.
    pub missed: u64,
}

/// Counts outcomes of the client's closed windows in the period, in one query.
pub async fn compliance(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    client_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Compliance> {
    if to < from {
        return Err(AppError::field("to", "must not be before from"));
    }
    use domain::bounds::MAX_COMPLIANCE_PERIOD_DAYS;
    if (to - from).num_days() >= MAX_COMPLIANCE_PERIOD_DAYS {
        return Err(AppError::field(
            "to",
            format!("a compliance period covers at most {MAX_COMPLIANCE_PERIOD_DAYS} days"),
        ));
    }
    let cond = scoped(ctx, Permission::SchedulesRead)?;
    // An unknown client and one outside the scope are NOT_FOUND alike, never a row of zeros.
    let client_in_scope = client::Entity::find_by_id(client_id)
        .select_only()
        .column(client::Column::Id)
        .filter(commune_condition(
            &ctx.principal()?.scope(),
            client::Column::CommuneCode,
        ))
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if client_in_scope.is_none() {
        return Err(AppError::NotFound("client"));
    }
    let rows: Vec<(String, i64)> = check_in_occurrence::Entity::find()
        .select_only()
        .column(check_in_occurrence::Column::Status)
        .column_as(check_in_occurrence::Column::Id.count(), "n")
        .filter(cond)
        .filter(check_in_occurrence::Column::ClientId.eq(client_id))
        .filter(check_in_occurrence::Column::DueOn.between(from, to))
        .group_by(check_in_occurrence::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut c = Compliance::default();
    for (status, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match OccurrenceStatus::from_stored(&status) {
            Some(OccurrenceStatus::CheckedIn) => c.on_time += n,
            Some(OccurrenceStatus::Late) => c.late += n,
            Some(OccurrenceStatus::Missed) => c.missed += n,
            _ => {}
        }
    }
    c.due = c.on_time + c.late + c.missed;
    Ok(c)
}

/// Reply notes of these clients in scope, newest first (DataLoader batch).
pub async fn reply_notes_by_client_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    ids: &[Uuid],
) -> AppResult<Vec<reply_note::Model>> {
    let p = ctx.principal()?;
    p.require(Permission::ClientsSensitiveRead)?;
    let select = reply_note::Entity::find()
        .filter(commune_condition(
            &p.scope(),
            reply_note::Column::CommuneCode,
        ))
        .filter(reply_note::Column::ClientId.is_in(ids.iter().copied()));
    limit_per_parent(
        db,
        select,
        reply_note::Column::ClientId,
        &[
            (reply_note::Column::ReceivedAt, Order::Desc),
            (reply_note::Column::Id, Order::Desc),
        ],
        MAX_REPLY_NOTES_PER_CLIENT,
    )
    .await
}
