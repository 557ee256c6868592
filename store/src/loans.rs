//! Loan instalments in the worker: a reminder to the client before each instalment falls due,
//! and, once an unpaid instalment is past its due day, the loan marked overdue and the case
//! officers alerted.
//!
//! Both steps claim each instalment with one guarded update (`reminded_at IS NULL`,
//! `overdue_at IS NULL`) in the same transaction as the messages they cause, and the messages
//! carry deterministic dedupe keys: a step run twice, or by several workers at once, does its
//! work once.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::{
    loan::{LoanStatus, Vnd},
    messaging::{
        local_time::format_date,
        templates::{TemplateKey, Vars},
    },
    time::{from_local, local_date},
};
use entities::{client, loan_application, loan_instalment};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::{
    alerts::{OrderAlert, to_order_officers},
    outbox::{self, AlertCause, DedupeKey, NewMessage, Recipient},
};

/// Days before the due day that the reminder goes out.
pub const REMINDER_DAYS_BEFORE: i64 = 3;
/// Local time of day the reminder is due (quiet hours still apply when sending).
const REMINDER_LOCAL_TIME: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};
/// Instalments handled per tick at most (the next tick continues).
const BATCH: u64 = 500;
/// Stored role of a case officer's assignment.
const CASE_OFFICER: &str = domain::order::AssignmentRole::CaseOfficer.as_str();

fn debt_statuses() -> Vec<&'static str> {
    LoanStatus::ALL
        .into_iter()
        .filter(|s| s.has_outstanding_debt())
        .map(LoanStatus::as_str)
        .collect()
}

/// Instalments of applications that still owe money (a subquery, so the list of loans is
/// never sent as parameters).
fn of_owing_applications() -> sea_orm::Condition {
    sea_orm::Condition::all().add(
        loan_instalment::Column::ApplicationId.in_subquery(
            Query::select()
                .column(loan_application::Column::Id)
                .from(loan_application::Entity)
                .and_where(Expr::col(loan_application::Column::Status).is_in(debt_statuses()))
                .to_owned(),
        ),
    )
}

/// When the reminder of an instalment due on `due_on` is due: 08:00 local, three days before.
pub fn reminder_due_at(due_on: chrono::NaiveDate) -> DateTime<Utc> {
    from_local((due_on - Duration::days(REMINDER_DAYS_BEFORE)).and_time(REMINDER_LOCAL_TIME))
}

/// Queues the reminder of every unpaid instalment whose reminder time has come (and whose due
/// day has not passed); returns how many were queued.
pub async fn remind_due_instalments(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let today = local_date(now);
    let horizon = today + Duration::days(REMINDER_DAYS_BEFORE);
    let candidates = loan_instalment::Entity::find()
        .filter(of_owing_applications())
        .filter(loan_instalment::Column::PaidOn.is_null())
        .filter(loan_instalment::Column::RemindedAt.is_null())
        .filter(loan_instalment::Column::DueOn.gte(today))
        .filter(loan_instalment::Column::DueOn.lte(horizon))
        .limit(BATCH)
        .all(db)
        .await?;
    let mut queued = 0;
    for i in candidates {
        let due_at = reminder_due_at(i.due_on);
        if due_at > now {
            continue;
        }
        let txn = crate::db::begin_write(db).await?;
        let claimed = loan_instalment::Entity::update_many()
            .col_expr(loan_instalment::Column::RemindedAt, Expr::value(now))
            .filter(loan_instalment::Column::Id.eq(i.id))
            .filter(loan_instalment::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 1
            && let Some(c) = client::Entity::find_by_id(i.client_id).one(&txn).await?
        {
            let owed = i.principal_vnd + i.interest_vnd - i.paid_vnd;
            let vars = Vars::new()
                .with("name", c.full_name)
                .with("amount", Vnd::new(owed).unwrap_or(Vnd::ZERO).to_string())
                .with("time", format_date(i.due_on));
            let message = NewMessage {
                dedupe_key: DedupeKey::loan_instalment_reminder(i.id),
                recipient: Recipient::Client(i.client_id),
                commune_code: i.commune_code.clone(),
                template: TemplateKey::LoanInstalmentReminder,
                vars,
                due_at: now,
                // Pointless once the due day is over.
                expires_at: Some(from_local(
                    (i.due_on + Duration::days(1)).and_time(NaiveTime::MIN),
                )),
                urgent: false,
                source_type: "loan_instalment",
                source_id: Some(i.id),
            };
            if outbox::enqueue(&txn, message, now).await? {
                queued += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(queued)
}

/// Marks each unpaid instalment past its due day overdue, once: its loan becomes overdue and
/// the case officers of the client's open order are alerted. Returns how many were marked.
pub async fn mark_overdue(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let today = local_date(now);
    let candidates = loan_instalment::Entity::find()
        .filter(of_owing_applications())
        .filter(loan_instalment::Column::PaidOn.is_null())
        .filter(loan_instalment::Column::OverdueAt.is_null())
        .filter(loan_instalment::Column::DueOn.lt(today))
        .limit(BATCH)
        .all(db)
        .await?;
    let mut marked = 0;
    for i in candidates {
        let txn = crate::db::begin_write(db).await?;
        let claimed = loan_instalment::Entity::update_many()
            .col_expr(loan_instalment::Column::OverdueAt, Expr::value(now))
            .filter(loan_instalment::Column::Id.eq(i.id))
            .filter(loan_instalment::Column::OverdueAt.is_null())
            .filter(loan_instalment::Column::PaidOn.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 1 {
            marked += 1;
            let from = [
                LoanStatus::Disbursed.as_str(),
                LoanStatus::Repaying.as_str(),
                LoanStatus::Restructured.as_str(),
            ];
            loan_application::Entity::update_many()
                .col_expr(
                    loan_application::Column::Status,
                    Expr::value(LoanStatus::Overdue.as_str()),
                )
                .col_expr(loan_application::Column::UpdatedAt, Expr::value(now))
                .filter(loan_application::Column::Id.eq(i.application_id))
                .filter(loan_application::Column::Status.is_in(from))
                .exec(&txn)
                .await?;
            alert_case_officers(&txn, &i, now).await?;
        }
        txn.commit().await?;
    }
    if marked > 0 {
        tracing::info!(marked, "loan instalments marked overdue");
    }
    Ok(marked)
}

/// One alert per case officer of the client's open order (the same machinery as the other
/// officer alerts; not the check-in escalation chain).
async fn alert_case_officers(
    db: &impl ConnectionTrait,
    i: &loan_instalment::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let Some(c) = client::Entity::find_by_id(i.client_id).one(db).await? else {
        return Ok(0);
    };
    let Some(order) = crate::orders::open_order_of(db, c.id).await? else {
        return Ok(0);
    };
    to_order_officers(
        db,
        OrderAlert {
            order_id: order.id,
            client_name: c.full_name,
            commune_code: c.commune_code,
            template: TemplateKey::OfficerLoanOverdue,
            cause: AlertCause::LoanOverdue { instalment: i.id },
            role: Some(CASE_OFFICER),
            urgent: false,
            source_type: "loan_instalment",
            source_id: i.id,
        },
        now,
    )
    .await
}
