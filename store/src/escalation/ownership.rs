//! Taking and closing an escalation (by mutation, reply code or link), and what a late
//! check-in or a help request does to an open one. Callers pass their write transaction.

use chrono::{DateTime, Utc};
use domain::{
    escalation::{
        AckCode, AckMethod, EscalationStatus, LifecycleError, Outcome,
        ack_code::{self, CodeRefused, MAX_FAILED_REPLIES_PER_HOUR},
        lifecycle,
    },
    messaging::{
        local_time::format_local,
        templates::{TemplateKey, Vars},
    },
};
use entities::{client, escalation, escalation_ack_failure, officer};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{
    credentials,
    events::{self, EventKind, NewEvent},
    sweep::{UNRESOLVED, unresolved_of},
};
use crate::{
    alerts::{self, OrderAlert, case_reference},
    outbox::{self, AlertCause, DedupeKey, NewMessage, Recipient},
};

/// Why taking or closing failed.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    /// No such escalation.
    #[error("no such escalation")]
    NotFound,
    /// The lifecycle refuses it.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn status_of(e: &escalation::Model) -> EscalationStatus {
    EscalationStatus::from_stored(&e.status).unwrap_or(EscalationStatus::Open)
}

/// An officer takes an open escalation: it stops climbing and its queued alerts are
/// withdrawn. Guarded on `status = 'open'`, so it and a level raise at the same instant
/// serialise: whichever commits first wins and the other changes nothing.
pub async fn acknowledge(
    db: &impl ConnectionTrait,
    escalation_id: Uuid,
    officer_id: Uuid,
    method: AckMethod,
    now: DateTime<Utc>,
) -> Result<escalation::Model, OwnershipError> {
    let taken = escalation::Entity::update_many()
        .col_expr(
            escalation::Column::Status,
            Expr::value(EscalationStatus::Acknowledged.as_str()),
        )
        .col_expr(escalation::Column::AcknowledgedAt, Expr::value(now))
        .col_expr(escalation::Column::AcknowledgedBy, Expr::value(officer_id))
        .col_expr(escalation::Column::AckMethod, Expr::value(method.as_str()))
        .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
        .filter(escalation::Column::Id.eq(escalation_id))
        .filter(escalation::Column::Status.eq(EscalationStatus::Open.as_str()))
        .exec(db)
        .await?
        .rows_affected;
    let e = escalation::Entity::find_by_id(escalation_id)
        .one(db)
        .await?
        .ok_or(OwnershipError::NotFound)?;
    if taken == 0 {
        lifecycle::acknowledge(status_of(&e))?;
        return Err(OwnershipError::NotFound);
    }
    events::record(
        db,
        NewEvent {
            escalation_id,
            kind: EventKind::Acknowledged,
            level: e.level,
            officer_id: Some(officer_id),
            source: None,
            detail: Some(method.as_str().to_owned()),
        },
        now,
    )
    .await?;
    outbox::cancel_for_source(db, "escalation", escalation_id, now).await?;
    Ok(e)
}

/// Closes an open or acknowledged escalation with an outcome and a note.
pub async fn resolve(
    db: &impl ConnectionTrait,
    escalation_id: Uuid,
    officer_id: Uuid,
    outcome: Outcome,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<escalation::Model, OwnershipError> {
    let closed = escalation::Entity::update_many()
        .col_expr(
            escalation::Column::Status,
            Expr::value(EscalationStatus::Resolved.as_str()),
        )
        .col_expr(escalation::Column::ResolvedAt, Expr::value(now))
        .col_expr(escalation::Column::ResolvedBy, Expr::value(officer_id))
        .col_expr(escalation::Column::Outcome, Expr::value(outcome.as_str()))
        .col_expr(escalation::Column::Note, Expr::value(note.clone()))
        .col_expr(escalation::Column::UpdatedAt, Expr::value(now))
        .filter(escalation::Column::Id.eq(escalation_id))
        .filter(escalation::Column::Status.is_in(UNRESOLVED))
        .exec(db)
        .await?
        .rows_affected;
    let e = escalation::Entity::find_by_id(escalation_id)
        .one(db)
        .await?
        .ok_or(OwnershipError::NotFound)?;
    if closed == 0 {
        lifecycle::resolve(status_of(&e))?;
        return Err(OwnershipError::NotFound);
    }
    events::record(
        db,
        NewEvent {
            escalation_id,
            kind: EventKind::Resolved,
            level: e.level,
            officer_id: Some(officer_id),
            source: None,
            detail: Some(outcome.as_str().to_owned()),
        },
        now,
    )
    .await?;
    outbox::cancel_for_source(db, "escalation", escalation_id, now).await?;
    Ok(e)
}

/// What a reply with an acknowledgement code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeReply {
    /// The escalation is now (or was already) acknowledged.
    Acknowledged(Uuid),
    /// Refused; the reply is otherwise ignored.
    Refused(CodeRefused),
}

/// An officer (`officer_id`, who wrote from `sender`) replied "XN <code>". A wrong or dead
/// code counts against the sender's hourly limit; past it, codes are not even looked up.
/// Authority is checked by the caller (`may_act`) before this is called.
pub async fn acknowledge_by_code(
    db: &impl ConnectionTrait,
    sender: &str,
    officer_id: Uuid,
    typed: &str,
    may_act: impl Fn(&escalation::Model) -> bool,
    now: DateTime<Utc>,
) -> Result<CodeReply, DbErr> {
    let failures = escalation_ack_failure::Entity::find()
        .filter(escalation_ack_failure::Column::Sender.eq(sender))
        .filter(escalation_ack_failure::Column::FailedAt.gt(now - chrono::Duration::hours(1)))
        .count(db)
        .await?;
    let failures = u32::try_from(failures).unwrap_or(MAX_FAILED_REPLIES_PER_HOUR);
    let found = match AckCode::parse(typed) {
        Some(code) if failures < MAX_FAILED_REPLIES_PER_HOUR => {
            match credentials::escalation_of_code(db, &code).await? {
                Some(id) => escalation::Entity::find_by_id(id).one(db).await?,
                None => None,
            }
        }
        _ => None,
    };
    let found = found.filter(|e| may_act(e));
    let verdict = ack_code::check(found.as_ref().map(status_of), failures);
    match (verdict, found) {
        (Ok(()), Some(e)) => {
            if status_of(&e) == EscalationStatus::Open {
                match acknowledge(db, e.id, officer_id, AckMethod::ReplyCode, now).await {
                    Ok(_) | Err(OwnershipError::Lifecycle(_)) => {}
                    Err(OwnershipError::Db(err)) => return Err(err),
                    Err(OwnershipError::NotFound) => {}
                }
            }
            Ok(CodeReply::Acknowledged(e.id))
        }
        (verdict, _) => {
            let refused = verdict.err().unwrap_or(CodeRefused::Unknown);
            escalation_ack_failure::Entity::insert(escalation_ack_failure::ActiveModel {
                id: Set(Uuid::now_v7()),
                sender: Set(sender.to_owned()),
                failed_at: Set(now),
            })
            .exec_without_returning(db)
            .await?;
            Ok(CodeReply::Refused(refused))
        }
    }
}

/// The client checked in late (occurrence `occurrence_id`, check-in at `at`): if they have an
/// unresolved escalation, it is recorded on it and its owner is told (the acknowledging
/// officer, or the case officers while nobody has taken it). It stays for an officer to
/// resolve. Returns the escalation, if there was one.
pub async fn late_check_in(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    check_in_id: Uuid,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let Some(e) = unresolved_of(db, client_id).await? else {
        return Ok(None);
    };
    let recorded = events::record(
        db,
        NewEvent {
            escalation_id: e.id,
            kind: EventKind::LateCheckIn,
            level: e.level,
            officer_id: None,
            source: Some(("check_in", check_in_id)),
            detail: None,
        },
        now,
    )
    .await?;
    if !recorded {
        return Ok(Some(e.id));
    }
    tell_owner(
        db,
        &e,
        Told {
            template: TemplateKey::OfficerEscalationLateCheckIn,
            kind: "escalation_late",
            cause: AlertCause::LateCheckIn {
                check_in: check_in_id,
            },
            urgent: false,
        },
        at,
        now,
    )
    .await?;
    Ok(Some(e.id))
}

/// A "need help" reply (check-in `check_in_id`, at `at`) while the client has an unresolved
/// escalation is recorded on it and told, urgently and once, to its owner (the acknowledging
/// officer, or the case officers while nobody has taken it) instead of the separate help alert.
/// Returns whether it was attached (the caller sends the help alert otherwise: no unresolved
/// escalation, or the commune's policy has `attach_help_requests` off).
pub async fn attach_help_request(
    db: &impl ConnectionTrait,
    escalation_defaults: &domain::escalation::EscalationPolicy,
    client_id: Uuid,
    check_in_id: Uuid,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(e) = unresolved_of(db, client_id).await? else {
        return Ok(false);
    };
    if !super::policy::policy_for(db, escalation_defaults, &e.commune_code)
        .await?
        .attach_help_requests
    {
        return Ok(false);
    }
    let recorded = events::record(
        db,
        NewEvent {
            escalation_id: e.id,
            kind: EventKind::HelpRequested,
            level: e.level,
            officer_id: None,
            source: Some(("check_in", check_in_id)),
            detail: None,
        },
        now,
    )
    .await?;
    if recorded {
        tell_owner(
            db,
            &e,
            Told {
                template: TemplateKey::OfficerHelpRequested,
                kind: "escalation_help",
                cause: AlertCause::HelpAttached {
                    check_in: check_in_id,
                },
                urgent: true,
            },
            at,
            now,
        )
        .await?;
    }
    Ok(true)
}

/// What an escalation's owner is told about something that happened to its client.
struct Told {
    template: TemplateKey,
    /// Source type of the messages.
    kind: &'static str,
    /// What happened (with the officer, it keeps the message to one per officer).
    cause: AlertCause,
    urgent: bool,
}

/// Tells the officer who acknowledged `e`, or its order's case officers while nobody has
/// (or when an administrator took it: administrators receive no messages).
async fn tell_owner(
    db: &impl ConnectionTrait,
    e: &escalation::Model,
    told: Told,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let name = client::Entity::find_by_id(e.client_id)
        .one(db)
        .await?
        .map(|c| c.full_name)
        .unwrap_or_default();
    let owner = match e.acknowledged_by {
        Some(id) => officer::Entity::find_by_id(id).one(db).await?.map(|o| o.id),
        None => None,
    };
    match owner {
        Some(owner) => {
            outbox::enqueue(
                db,
                NewMessage {
                    dedupe_key: DedupeKey::officer_alert(told.cause, owner),
                    recipient: Recipient::Officer(owner),
                    commune_code: e.commune_code.clone(),
                    template: told.template,
                    vars: Vars::new()
                        .with("name", name)
                        .with("case", case_reference(e.order_id))
                        .with("time", format_local(at)),
                    due_at: now,
                    expires_at: None,
                    urgent: told.urgent,
                    source_type: told.kind,
                    source_id: Some(e.id),
                },
                now,
            )
            .await?;
        }
        None => {
            alerts::to_order_officers(
                db,
                OrderAlert {
                    order_id: e.order_id,
                    client_name: name,
                    commune_code: e.commune_code.clone(),
                    template: told.template,
                    cause: told.cause,
                    role: Some(domain::order::AssignmentRole::CaseOfficer.as_str()),
                    urgent: told.urgent,
                    source_type: told.kind,
                    source_id: e.id,
                },
                at,
            )
            .await?;
        }
    }
    Ok(())
}
