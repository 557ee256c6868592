//! The escalation sweep, run by every planner tick after missed check-ins are marked:
//! settled misses open or attach to escalations, and open escalations past their level's
//! timeout move up. Each phase is one write transaction holding the state changes and the
//! alerts they cause; every change is a guarded statement, so a tick run twice, or on two
//! workers at once, changes and alerts nothing more.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::escalation::{
    EscalationPolicy, EscalationState, EscalationStatus, Step,
    lifecycle::next_step,
    trigger::{self, MissDecision, PastWindow},
};
use entities::{check_in_occurrence, escalation, escalation_event};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use super::{
    audience::officers_of_level,
    events::{self, EventKind, NewEvent},
    notify::{self, AlertKind, PendingAlert},
    policy::policy_for,
};
use crate::appointments::AppointmentStatus;
use crate::occurrences::{OccurrenceStatus, PlanningContext};

/// Misses are reviewed this long after their window closed at most (longer than any grace);
/// a worker stopped for longer does not open escalations for stale misses.
const REVIEW_HORIZON: Duration = Duration::days(3);
/// Rows handled per phase and tick (the next tick continues).
const PER_TICK: u64 = 200;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Escalations opened.
    pub opened: usize,
    /// Misses recorded on an escalation already open.
    pub attached: usize,
    /// Escalations moved up a level.
    pub raised: usize,
    /// Escalations whose top level timed out (reported once each).
    pub top_reported: usize,
    /// Alert messages added to the outbox.
    pub alerts: usize,
}

/// Statuses under which an escalation is still the client's one open escalation.
pub(crate) const UNRESOLVED: [&str; 2] = [
    EscalationStatus::Open.as_str(),
    EscalationStatus::Acknowledged.as_str(),
];

/// Runs both phases at `now`.
pub async fn sweep(
    db: &DatabaseConnection,
    ctx: &PlanningContext,
    now: DateTime<Utc>,
) -> Result<SweepReport, DbErr> {
    let mut report = SweepReport::default();
    let txn = crate::db::begin_write(db).await?;
    let alerts = review_misses(&txn, ctx, now, &mut report).await?;
    report.attached += attach_missed_appointments(&txn, ctx, now).await?;
    report.alerts += notify::flush(&txn, ctx, alerts, now).await?;
    txn.commit().await?;
    let txn = crate::db::begin_write(db).await?;
    let alerts = climb(&txn, ctx, now, &mut report).await?;
    report.alerts += notify::flush(&txn, ctx, alerts, now).await?;
    txn.commit().await?;
    Ok(report)
}

struct Policies<'a> {
    defaults: &'a EscalationPolicy,
    by_commune: HashMap<String, EscalationPolicy>,
}

impl<'a> Policies<'a> {
    fn new(defaults: &'a EscalationPolicy) -> Self {
        Self {
            defaults,
            by_commune: HashMap::new(),
        }
    }

    async fn of(
        &mut self,
        db: &impl ConnectionTrait,
        commune: &str,
    ) -> Result<EscalationPolicy, DbErr> {
        if let Some(p) = self.by_commune.get(commune) {
            return Ok(p.clone());
        }
        let p = policy_for(db, self.defaults, commune).await?;
        self.by_commune.insert(commune.to_owned(), p.clone());
        Ok(p)
    }
}

/// The client's unresolved escalation, if any.
pub(crate) async fn unresolved_of(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Option<escalation::Model>, DbErr> {
    escalation::Entity::find()
        .filter(escalation::Column::ClientId.eq(client_id))
        .filter(escalation::Column::Status.is_in(UNRESOLVED))
        .one(db)
        .await
}

async fn review_misses(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<Vec<PendingAlert>, DbErr> {
    let candidates = check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::Status.eq(OccurrenceStatus::Missed.as_str()))
        .filter(check_in_occurrence::Column::MissedAt.lte(now))
        .filter(check_in_occurrence::Column::MissedAt.gte(now - REVIEW_HORIZON))
        .order_by_asc(check_in_occurrence::Column::MissedAt)
        .limit(PER_TICK)
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // By the history's unique cause (source type, source, kind), so it is an index lookup.
    let recorded: std::collections::HashSet<Uuid> = escalation_event::Entity::find()
        .filter(escalation_event::Column::SourceType.eq("check_in_occurrence"))
        .filter(escalation_event::Column::Kind.eq(EventKind::Missed.as_str()))
        .filter(escalation_event::Column::SourceId.is_in(candidates.iter().map(|o| o.id)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|e| e.source_id)
        .collect();
    let mut policies = Policies::new(&ctx.escalation_defaults);
    let mut alerts = Vec::new();
    for occ in candidates.into_iter().filter(|o| !recorded.contains(&o.id)) {
        let Some(missed_at) = occ.missed_at else {
            continue;
        };
        let policy = policies.of(db, &occ.commune_code).await?;
        let open = unresolved_of(db, occ.client_id).await?;
        let windows = if open.is_some() {
            Vec::new()
        } else {
            past_windows(db, occ.client_id, &policy, now).await?
        };
        match trigger::on_miss(&policy, missed_at, &windows, open.is_some(), now) {
            MissDecision::Wait | MissDecision::BelowThreshold => {}
            MissDecision::Attach => {
                if let Some(e) = open {
                    report.attached += usize::from(attach_miss(db, &e, occ.id, now).await?);
                }
            }
            MissDecision::Open => match open_escalation(db, &occ, now).await? {
                Some(e) => {
                    report.opened += 1;
                    alerts
                        .extend(reach_level(db, ctx, &policy, &e, AlertKind::Reached, now).await?);
                }
                // Another worker opened one for this client meanwhile: the miss attaches.
                None => {
                    if let Some(e) = unresolved_of(db, occ.client_id).await? {
                        report.attached += usize::from(attach_miss(db, &e, occ.id, now).await?);
                    }
                }
            },
        }
    }
    Ok(alerts)
}

/// Missed appointments of clients with an unresolved escalation, recorded on it when the
/// commune's policy says so (once each: the history's unique cause).
async fn attach_missed_appointments(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let missed = entities::appointment::Entity::find()
        .filter(entities::appointment::Column::Status.eq(AppointmentStatus::Missed.as_str()))
        .filter(entities::appointment::Column::UpdatedAt.gte(now - REVIEW_HORIZON))
        .filter(
            entities::appointment::Column::ClientId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(escalation::Column::ClientId)
                    .from(escalation::Entity)
                    .and_where(escalation::Column::Status.is_in(UNRESOLVED))
                    .to_owned(),
            ),
        )
        // Not those already recorded: each tick would read them again (issue 9: at national
        // scale the same missed appointments were re-read and re-recorded every tick, 50 ms
        // of PostgreSQL a tick during a burst). `ux_escalation_events_source` answers it.
        .filter(
            Expr::exists(
                sea_orm::sea_query::Query::select()
                    .expr(Expr::val(1))
                    .from(escalation_event::Entity)
                    .and_where(
                        Expr::col((
                            escalation_event::Entity,
                            escalation_event::Column::SourceType,
                        ))
                        .eq("appointment"),
                    )
                    .and_where(
                        Expr::col((escalation_event::Entity, escalation_event::Column::SourceId))
                            .equals((
                                entities::appointment::Entity,
                                entities::appointment::Column::Id,
                            )),
                    )
                    .and_where(
                        Expr::col((escalation_event::Entity, escalation_event::Column::Kind))
                            .eq(EventKind::AppointmentMissed.as_str()),
                    )
                    .to_owned(),
            )
            .not(),
        )
        .limit(PER_TICK)
        .all(db)
        .await?;
    let mut policies = Policies::new(&ctx.escalation_defaults);
    let mut attached = 0;
    for a in missed {
        if !policies
            .of(db, &a.commune_code)
            .await?
            .attach_missed_appointments
        {
            continue;
        }
        let Some(e) = unresolved_of(db, a.client_id).await? else {
            continue;
        };
        let recorded = events::record(
            db,
            NewEvent {
                escalation_id: e.id,
                kind: EventKind::AppointmentMissed,
                level: e.level,
                officer_id: None,
                source: Some(("appointment", a.id)),
                detail: None,
            },
            now,
        )
        .await?;
        attached += usize::from(recorded);
    }
    Ok(attached)
}

async fn past_windows(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    policy: &EscalationPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<PastWindow>, DbErr> {
    let settled = [
        OccurrenceStatus::Missed.as_str(),
        OccurrenceStatus::CheckedIn.as_str(),
        OccurrenceStatus::Late.as_str(),
    ];
    Ok(check_in_occurrence::Entity::find()
        .filter(check_in_occurrence::Column::ClientId.eq(client_id))
        .filter(check_in_occurrence::Column::Status.is_in(settled))
        .filter(check_in_occurrence::Column::ClosesAt.lte(now))
        .filter(check_in_occurrence::Column::ClosesAt.gte(now - policy.lookback()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| PastWindow {
            closes_at: o.closes_at,
            missed: o.status == OccurrenceStatus::Missed.as_str(),
        })
        .collect())
}

async fn attach_miss(
    db: &impl ConnectionTrait,
    e: &escalation::Model,
    occurrence_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let recorded = events::record(
        db,
        NewEvent {
            escalation_id: e.id,
            kind: EventKind::Missed,
            level: e.level,
            officer_id: None,
            source: Some(("check_in_occurrence", occurrence_id)),
            detail: None,
        },
        now,
    )
    .await?;
    if recorded {
        escalation::Entity::update_many()
            .col_expr(
                escalation::Column::Misses,
                Expr::col(escalation::Column::Misses).add(1),
            )
            .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
            .filter(escalation::Column::Id.eq(e.id))
            .exec(db)
            .await?;
    }
    Ok(recorded)
}

/// Opens an escalation for the occurrence's client; `None` if the client already has one
/// (the partial unique index refuses a second, without aborting the transaction) or has no
/// open order whose officers could be alerted.
async fn open_escalation(
    db: &impl ConnectionTrait,
    occ: &check_in_occurrence::Model,
    now: DateTime<Utc>,
) -> Result<Option<escalation::Model>, DbErr> {
    let Some(order) = crate::orders::open_order_of(db, occ.client_id).await? else {
        return Ok(None);
    };
    let id = Uuid::now_v7();
    let row = escalation::ActiveModel {
        id: Set(id),
        client_id: Set(occ.client_id),
        order_id: Set(order.id),
        commune_code: Set(occ.commune_code.clone()),
        status: Set(EscalationStatus::Open.as_str().to_owned()),
        level: Set(1),
        level_since: Set(now),
        opened_at: Set(now),
        top_reported_at: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        ack_method: Set(None),
        resolved_at: Set(None),
        resolved_by: Set(None),
        outcome: Set(None),
        note: Set(None),
        misses: Set(1),
        updated_at: Set(now),
    };
    let inserted = escalation::Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    for (kind, source) in [
        (EventKind::Opened, None),
        (EventKind::Missed, Some(("check_in_occurrence", occ.id))),
    ] {
        events::record(
            db,
            NewEvent {
                escalation_id: id,
                kind,
                level: 1,
                officer_id: None,
                source,
                detail: None,
            },
            now,
        )
        .await?;
    }
    escalation::Entity::find_by_id(id).one(db).await
}

/// The alerts of one level for an escalation.
async fn reach_level(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    policy: &EscalationPolicy,
    e: &escalation::Model,
    kind: AlertKind,
    now: DateTime<Utc>,
) -> Result<Vec<PendingAlert>, DbErr> {
    let level_no = match kind {
        AlertKind::Reached => e.level,
        AlertKind::MovedUp => e.level - 1,
    };
    let Some(level) = u32::try_from(level_no).ok().and_then(|n| policy.level(n)) else {
        return Ok(Vec::new());
    };
    let officers = officers_of_level(db, level, e.order_id, &e.commune_code).await?;
    if officers.is_empty() {
        tracing::warn!(escalation_id = %e.id, level = level_no, "an escalation level alerts nobody");
        return Ok(Vec::new());
    }
    let vars = notify::alert_vars(db, ctx, e, now).await?;
    Ok(officers
        .into_iter()
        .map(|officer_id| PendingAlert {
            officer_id,
            escalation: e.clone(),
            kind,
            vars: vars.clone(),
            urgent: policy.urgent,
            deliveries: level.deliveries(),
        })
        .collect())
}

async fn climb(
    db: &impl ConnectionTrait,
    ctx: &PlanningContext,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<Vec<PendingAlert>, DbErr> {
    // Top-level escalations already reported wait for an officer and never move again: left
    // out, so they cannot fill every tick's batch and starve the ones that must climb.
    let open = escalation::Entity::find()
        .filter(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
        .filter(escalation::Column::TopReportedAt.is_null())
        .order_by_asc(escalation::Column::LevelSince)
        .limit(PER_TICK)
        .all(db)
        .await?;
    let mut policies = Policies::new(&ctx.escalation_defaults);
    let mut alerts = Vec::new();
    for e in open {
        let policy = policies.of(db, &e.commune_code).await?;
        let state = EscalationState {
            status: EscalationStatus::Open,
            level: u32::try_from(e.level).unwrap_or(1),
            level_since: e.level_since,
            top_reported: e.top_reported_at.is_some(),
        };
        match next_step(&state, &policy, now) {
            Step::Wait => {}
            Step::Raise { from, to } => {
                // Guarded: only if still open at `from` (an acknowledgement or another worker
                // that got here first wins, and nothing is alerted).
                let moved = escalation::Entity::update_many()
                    .col_expr(escalation::Column::Level, Expr::value(to as i32))
                    .col_expr(escalation::Column::LevelSince, Expr::value(now))
                    .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
                    .filter(escalation::Column::Id.eq(e.id))
                    .filter(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
                    .filter(escalation::Column::Level.eq(from as i32))
                    .exec(db)
                    .await?
                    .rows_affected;
                if moved == 0 {
                    continue;
                }
                report.raised += 1;
                events::record(
                    db,
                    NewEvent {
                        escalation_id: e.id,
                        kind: EventKind::LevelRaised,
                        level: to as i32,
                        officer_id: None,
                        source: None,
                        detail: Some(format!("{from}->{to}")),
                    },
                    now,
                )
                .await?;
                let raised = escalation::Model {
                    level: to as i32,
                    level_since: now,
                    ..e
                };
                let reached =
                    reach_level(db, ctx, &policy, &raised, AlertKind::Reached, now).await?;
                let told = reach_level(db, ctx, &policy, &raised, AlertKind::MovedUp, now).await?;
                // Someone on both levels gets the new level's alert only.
                let told: Vec<_> = told
                    .into_iter()
                    .filter(|t| !reached.iter().any(|r| r.officer_id == t.officer_id))
                    .collect();
                alerts.extend(reached);
                alerts.extend(told);
            }
            Step::ReportTop => {
                let marked = escalation::Entity::update_many()
                    .col_expr(escalation::Column::TopReportedAt, Expr::value(now))
                    .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
                    .filter(escalation::Column::Id.eq(e.id))
                    .filter(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
                    .filter(escalation::Column::TopReportedAt.is_null())
                    .exec(db)
                    .await?
                    .rows_affected;
                if marked == 1 {
                    report.top_reported += 1;
                    tracing::warn!(
                        escalation_id = %e.id,
                        commune = %e.commune_code,
                        level = e.level,
                        "escalation unacknowledged at the top level; it stays open"
                    );
                    events::record(
                        db,
                        NewEvent {
                            escalation_id: e.id,
                            kind: EventKind::TopReported,
                            level: e.level,
                            officer_id: None,
                            source: None,
                            detail: None,
                        },
                        now,
                    )
                    .await?;
                }
            }
        }
    }
    Ok(alerts)
}
