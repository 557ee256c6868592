//! What messaging cost a commune in a month (issue 13, "visible"): attempts by channel and
//! outcome, delivery, failures by reason, cost in đồng and cost per person messaged.
//!
//! It also counts the commune's clients unreachable now, the month's messages held back for
//! the budget, and shows the budget beside the cost.
//!
//! Three aggregate statements over one range of `ix_attempts_commune_time` (`commune_code`,
//! `attempted_at`): a commune's month is read without touching other communes' attempts, so
//! the cost stays flat as the country grows. Scoped like the rest: an officer reads their
//! commune, a commune outside the caller's scope is `NOT_FOUND`.

use chrono::{DateTime, Utc};
use domain::{
    access::Permission,
    messaging::{
        outcome::AttemptOutcome,
        pricing::{cost_per_person, month_bounds},
    },
};
use entities::commune;
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, Statement, Value};

use crate::{
    context::RequestContext,
    error::{AppError, AppResult},
};

/// Attempts of one channel, outcome and reason.
#[derive(Debug, Clone, FromQueryResult)]
pub struct OutcomeRow {
    /// Stored channel.
    pub channel: String,
    /// Stored outcome.
    pub outcome: String,
    /// The fixed reason text, if any.
    pub reason: Option<String>,
    /// Attempts.
    pub attempts: i64,
    /// Attempts a receipt confirmed.
    pub delivered: i64,
    /// Billed đồng (`None` if none priced).
    pub billed: Option<i64>,
}

/// Distinct messages of one channel.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ChannelMessages {
    /// Stored channel.
    pub channel: String,
    /// Messages tried on the channel.
    pub messages: i64,
    /// Of those, messages a receipt confirmed on it.
    pub delivered_messages: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
struct Totals {
    messages: i64,
    delivered_messages: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
struct People {
    people: i64,
    cost: Option<i64>,
}

/// A commune's month.
#[derive(Debug, Clone)]
pub struct MonthReport {
    /// The commune.
    pub commune_code: String,
    /// `YYYY-MM`.
    pub month: String,
    /// By channel, outcome and reason.
    pub outcomes: Vec<OutcomeRow>,
    /// By channel.
    pub channels: Vec<ChannelMessages>,
    /// Messages tried on any channel (each once).
    pub messages: i64,
    /// Of those, messages a receipt confirmed.
    pub delivered_messages: i64,
    /// Distinct clients with at least one attempt.
    pub people: i64,
    /// What the clients' messages cost.
    pub client_cost_vnd: i64,
    /// Clients of the commune unreachable now (reachability watch).
    pub unreachable_people: i64,
    /// Messages due in the month that were held back for the budget.
    pub held_messages: i64,
    /// The commune's monthly budget, if it has one.
    pub budget_vnd: Option<i64>,
}

#[derive(Debug, Clone, FromQueryResult)]
struct Count {
    n: i64,
}

impl MonthReport {
    /// Everything billed (clients' and officers' messages).
    pub fn cost_vnd(&self) -> i64 {
        self.outcomes.iter().filter_map(|o| o.billed).sum()
    }

    /// The clients' cost divided by the clients messaged, rounded half up.
    pub fn cost_per_person_vnd(&self) -> Option<i64> {
        cost_per_person(self.client_cost_vnd, self.people)
    }
}

/// Whether an outcome counts as accepted by the provider.
pub fn is_accepted(outcome: &str) -> bool {
    matches!(
        AttemptOutcome::from_stored(outcome),
        Some(AttemptOutcome::Accepted | AttemptOutcome::Duplicate)
    )
}

/// Whether an outcome is a failure of the attempt (a reschedule or an attempt still in flight
/// is not; an ambiguous one may have gone out).
pub fn is_failure(outcome: &str) -> bool {
    matches!(
        AttemptOutcome::from_stored(outcome),
        Some(
            AttemptOutcome::AuthExpired
                | AttemptOutcome::Retryable
                | AttemptOutcome::RecipientUnreachable
                | AttemptOutcome::ChannelUnavailable
                | AttemptOutcome::Permanent
        )
    )
}

/// The month `YYYY-MM` parsed into its bounds.
fn parse_month(month: &str) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let bad = || AppError::field("month", "write the month as YYYY-MM, e.g. 2026-12");
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let mon: u32 = m.parse().map_err(|_| bad())?;
    if !(2020..=2100).contains(&year) {
        return Err(bad());
    }
    month_bounds(year, mon).ok_or_else(bad)
}

/// The report of `commune_code` for `month` (`YYYY-MM`); needs `SchedulesRead` in scope.
pub async fn month_report(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    commune_code: &str,
    month: &str,
) -> AppResult<MonthReport> {
    let p = ctx.principal()?;
    p.require(Permission::SchedulesRead)?;
    let (start, end) = parse_month(month)?;
    let commune = commune::Entity::find_by_id(commune_code.to_owned())
        .one(db)
        .await?
        .filter(|c| p.scope().allows(&c.code, &c.province_code))
        .ok_or(AppError::NotFound("commune"))?;
    let backend = db.get_database_backend();
    let (p1, p2, p3) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?", "?", "?"),
    };
    let range =
        format!("a.commune_code = {p1} AND a.attempted_at >= {p2} AND a.attempted_at < {p3}");
    let values = || -> Vec<Value> { vec![commune.code.clone().into(), start.into(), end.into()] };
    let outcomes = OutcomeRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT a.channel AS channel, a.outcome AS outcome, a.reason AS reason, \
             COUNT(*) AS attempts, COUNT(a.delivered_at) AS delivered, \
             CAST(SUM(a.billed_vnd) AS BIGINT) AS billed \
             FROM outbox_attempts a WHERE {range} \
             GROUP BY a.channel, a.outcome, a.reason ORDER BY a.channel, a.outcome, a.reason"
        ),
        values(),
    ))
    .all(db)
    .await?;
    let channels = ChannelMessages::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT a.channel AS channel, COUNT(DISTINCT a.message_id) AS messages, \
             COUNT(DISTINCT CASE WHEN a.delivered_at IS NOT NULL THEN a.message_id END) \
             AS delivered_messages \
             FROM outbox_attempts a WHERE {range} GROUP BY a.channel ORDER BY a.channel"
        ),
        values(),
    ))
    .all(db)
    .await?;
    let totals = Totals::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT COUNT(DISTINCT a.message_id) AS messages, \
             COUNT(DISTINCT CASE WHEN a.delivered_at IS NOT NULL THEN a.message_id END) \
             AS delivered_messages FROM outbox_attempts a WHERE {range}"
        ),
        values(),
    ))
    .one(db)
    .await?
    .unwrap_or(Totals {
        messages: 0,
        delivered_messages: 0,
    });
    let people = People::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT COUNT(DISTINCT m.client_id) AS people, \
             CAST(SUM(a.billed_vnd) AS BIGINT) AS cost \
             FROM outbox_attempts a JOIN outbox_messages m ON m.id = a.message_id \
             WHERE {range} AND m.client_id IS NOT NULL"
        ),
        values(),
    ))
    .one(db)
    .await?;
    let (people, client_cost_vnd) = people.map_or((0, 0), |p| (p.people, p.cost.unwrap_or(0)));
    let count = |sql: String, values: Vec<Value>| async {
        Count::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .one(db)
            .await
            .map(|c| c.map_or(0, |c| c.n))
    };
    // Unreachable now: the report of any month shows who needs a visit today.
    let unreachable_people = count(
        format!(
            "SELECT COUNT(*) AS n FROM client_reachability r \
             JOIN clients c ON c.id = r.client_id \
             WHERE c.commune_code = {p1} AND r.unreachable_since IS NOT NULL"
        ),
        vec![commune.code.clone().into()],
    )
    .await?;
    let held_messages = count(
        format!(
            "SELECT COUNT(*) AS n FROM outbox_messages m WHERE m.commune_code = {p1} \
             AND m.held_reason IS NOT NULL AND m.due_at >= {p2} AND m.due_at < {p3}"
        ),
        values(),
    )
    .await?;
    let budget_vnd = entities::commune_budget::Entity::find_by_id(commune.code.clone())
        .one(db)
        .await?
        .map(|b| b.monthly_budget_vnd);
    Ok(MonthReport {
        commune_code: commune.code,
        month: month.to_owned(),
        outcomes,
        channels,
        messages: totals.messages,
        delivered_messages: totals.delivered_messages,
        people,
        client_cost_vnd,
        unreachable_people,
        held_messages,
        budget_vnd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_written_yyyy_mm() {
        assert!(parse_month("2026-12").is_ok());
        for bad in ["2026-13", "2026-1", "26-12", "2026/12", "", "1999-01"] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }
}
