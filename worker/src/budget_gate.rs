//! The commune's monthly budget on the send path (issue 13, item 6): where a message about
//! to go by SMS goes when its commune's budget is spent. The rules are
//! `domain::messaging::budget`; the spend is read by `store::budget`.

use chrono::{DateTime, Utc};
use domain::messaging::{
    budget::{self, OverBudget},
    channel::Channel,
    templates::TemplateKey,
};
use entities::outbox_message;
use sea_orm::{DatabaseConnection, DbErr};
use store::outbox::Finish;

use crate::{job_facts::JobFacts, recipient::Recipient};

/// The commune's monthly budget (issue 13): a message about to go by SMS in a commune
/// whose budget is spent goes by a cheaper channel of its plan, or is held until next
/// month (or, if it would be useless by then, not sent), with the budget as its reason;
/// urgent messages go (`domain::messaging::budget`). Returns where it goes, or how it is
/// left. The spend is read only for an SMS that may wait, in a commune with a budget (as
/// the delivery job read it, `facts`).
pub async fn route(
    db: &DatabaseConnection,
    facts: &JobFacts,
    m: &outbox_message::Model,
    template: TemplateKey,
    recipient: &Recipient,
    (index, channel): (usize, Channel),
    now: DateTime<Utc>,
) -> Result<Result<Route, Finish>, DbErr> {
    let planned = Route {
        index,
        channel,
        held_if_refused: None,
    };
    let always = budget::always_goes(template, m.officer_id.is_some(), m.urgent);
    if always || channel != Channel::Sms || !facts.budgeted(&m.commune_code) {
        return Ok(Ok(planned));
    }
    let Some(spend) = store::budget::of_month(db, &m.commune_code, now).await? else {
        return Ok(Ok(planned));
    };
    if !spend.exhausted() {
        return Ok(Ok(planned));
    }
    let policy = facts.policy(&m.commune_code)?;
    let resume = budget::resume_at(now, &policy.quiet_hours);
    Ok(
        match budget::over_budget(
            &recipient.plan,
            index,
            channel,
            always,
            m.expires_at,
            resume,
            |c| recipient.known_not_to_reach(c, now),
        ) {
            OverBudget::Send => Ok(planned),
            OverBudget::Switch { index, channel } => Ok(Route {
                index,
                channel,
                held_if_refused: Some(resume),
            }),
            OverBudget::Hold { until } => Err(Finish::held(until, budget::HELD_REASON)),
            OverBudget::Expire => Err(held_or_expired(m, resume)),
        },
    )
}

/// Where a message goes after the budget was considered.
pub struct Route {
    /// Its place in the plan.
    pub index: usize,
    /// The channel.
    pub channel: Channel,
    /// Zalo instead of SMS past the budget: if Zalo refuses, the SMS waits until then.
    pub held_if_refused: Option<DateTime<Utc>>,
}

/// A message held for the budget until `until`, or, if it would be useless by then, not sent;
/// either way with the budget as its reason.
pub fn held_or_expired(m: &outbox_message::Model, until: DateTime<Utc>) -> Finish {
    if m.expires_at.is_some_and(|at| at <= until) {
        return Finish {
            held_reason: Some(budget::HELD_REASON.to_owned()),
            ..Finish::expired(m, budget::HELD_REASON)
        };
    }
    Finish::held(until, budget::HELD_REASON)
}
