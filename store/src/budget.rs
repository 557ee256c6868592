//! A commune's monthly messaging budget (issue 13, item 6): what the month has cost so far,
//! whether the budget is spent, and the once-a-month alert at 80 %. The rules are
//! `domain::messaging::budget`.
//!
//! The month's spend is not kept as a running total: it is the sum of the billed attempts in
//! one range of `ix_attempts_commune_time` (`commune_code`, `attempted_at`), read only for a
//! commune that has a budget. So a commune without a budget pays one primary-key lookup per
//! billed attempt, the finish (the hot path) writes nothing more, and the total can never
//! drift from the attempts it sums (see `docs/benchmarks.md` for its cost).

use chrono::{DateTime, Utc};
use domain::{
    access::OfficerRole,
    loan::Vnd,
    messaging::{
        budget::{alert_due, month_key, month_of},
        templates::{TemplateKey, Vars},
    },
};
use entities::{commune, commune_budget, officer};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Statement, sea_query::Expr,
};

use crate::outbox::{self, DedupeKey, NewMessage, Recipient};

/// Officers told when a commune reaches 80 % of its budget: its police chief, its chairman
/// (who answers for the commune's spending) and its police officers.
const TOLD: [OfficerRole; 3] = [
    OfficerRole::CommunePoliceChief,
    OfficerRole::CommuneChairman,
    OfficerRole::CommunePoliceOfficer,
];

/// A commune's budget and what its month has cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSpend {
    /// The monthly budget in đồng.
    pub budget_vnd: i64,
    /// Billed so far this month.
    pub spent_vnd: i64,
}

impl MonthSpend {
    /// Whether the budget is spent.
    pub fn exhausted(&self) -> bool {
        domain::messaging::budget::spent(self.spent_vnd, self.budget_vnd)
    }
}

#[derive(Debug, FromQueryResult)]
struct Sum {
    spent: Option<i64>,
}

/// Billed đồng of `commune`'s attempts in the month (Hà Nội time) of `at`.
pub async fn month_spend(
    db: &impl ConnectionTrait,
    commune_code: &str,
    at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let (start, end) = month_of(at);
    let backend = db.get_database_backend();
    let (p1, p2, p3) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?1", "?2", "?3"),
    };
    let sum = Sum::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT CAST(SUM(billed_vnd) AS BIGINT) AS spent FROM outbox_attempts \
             WHERE commune_code = {p1} AND attempted_at >= {p2} AND attempted_at < {p3}"
        ),
        [commune_code.into(), start.into(), end.into()],
    ))
    .one(db)
    .await?;
    Ok(sum.and_then(|s| s.spent).unwrap_or(0))
}

/// Which of `commune_codes` have a budget (one statement for a delivery job's communes; only
/// their SMS read the month's spend, and only their billed attempts check the 80 % alert).
pub async fn with_budget(
    db: &impl ConnectionTrait,
    commune_codes: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    Ok(commune_budget::Entity::find()
        .filter(commune_budget::Column::CommuneCode.is_in(commune_codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.commune_code)
        .collect())
}

/// The budget of `commune_code` and its spend this month, or `None` when it has no budget
/// (and then nothing else is read).
pub async fn of_month(
    db: &impl ConnectionTrait,
    commune_code: &str,
    at: DateTime<Utc>,
) -> Result<Option<MonthSpend>, DbErr> {
    let Some(budget) = commune_budget::Entity::find_by_id(commune_code.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(MonthSpend {
        budget_vnd: budget.monthly_budget_vnd,
        spent_vnd: month_spend(db, commune_code, at).await?,
    }))
}

/// Called after an attempt in `commune_code` was billed: when the commune has a budget, its
/// month reached 80 % and its officers were not told this month, tells them — once: a
/// guarded update of `alerted_month` and the alerts commit together, and the alerts' dedupe
/// keys name the month. Returns whether the alert was queued now.
///
/// Runs after the finish committed: a worker that stops in between leaves the alert to the
/// next billed attempt of the commune.
pub async fn after_billed(
    db: &DatabaseConnection,
    commune_code: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let month = month_key(now);
    let Some(budget) = commune_budget::Entity::find_by_id(commune_code.to_owned())
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    if budget.alerted_month.as_deref() == Some(month.as_str()) {
        return Ok(false);
    }
    let spent = month_spend(db, commune_code, now).await?;
    if !alert_due(spent, budget.monthly_budget_vnd) {
        return Ok(false);
    }
    let txn = crate::db::begin_write(db).await?;
    let claimed = commune_budget::Entity::update_many()
        .col_expr(
            commune_budget::Column::AlertedMonth,
            Expr::value(month.clone()),
        )
        .filter(commune_budget::Column::CommuneCode.eq(commune_code))
        .filter(
            sea_orm::Condition::any()
                .add(commune_budget::Column::AlertedMonth.is_null())
                .add(commune_budget::Column::AlertedMonth.ne(month.clone())),
        )
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        txn.rollback().await?;
        return Ok(false);
    }
    let place = commune::Entity::find_by_id(commune_code.to_owned())
        .one(&txn)
        .await?
        .map_or_else(|| commune_code.to_owned(), |c| c.name);
    let money = |v: i64| Vnd::new(v).unwrap_or(Vnd::ZERO).to_string();
    let (year, mon) = month.split_once('-').unwrap_or((&month, ""));
    let vars = Vars::new()
        .with("place", place)
        .with(
            "amount",
            format!("{} trên {}", money(spent), money(budget.monthly_budget_vnd)),
        )
        .with("time", format!("{mon}/{year}"));
    let officers = officer::Entity::find()
        .filter(officer::Column::CommuneCode.eq(commune_code))
        .filter(officer::Column::Active.eq(true))
        .filter(officer::Column::Role.is_in(TOLD.map(OfficerRole::as_str)))
        .all(&txn)
        .await?;
    for o in officers {
        outbox::enqueue(
            &txn,
            NewMessage {
                dedupe_key: DedupeKey::budget_alert(commune_code, &month, o.id),
                recipient: Recipient::Officer(o.id),
                commune_code: commune_code.to_owned(),
                template: TemplateKey::OfficerBudgetThreshold,
                vars: vars.clone(),
                due_at: now,
                expires_at: None,
                urgent: false,
                source_type: "commune_budget",
                source_id: None,
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}
