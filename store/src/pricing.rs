//! Prices as data: the price table (`channel_prices`) and what one gateway attempt costs.
//!
//! The rules (units, billed outcomes, the price in force on a day) are
//! `domain::messaging::pricing`; this module reads the table and fills an attempt's billing
//! columns when its outcome is written (`outbox::lease::finish`, in the same statement or
//! transaction), at the prices the delivery job read.

use chrono::{DateTime, NaiveDate, Utc};
use domain::messaging::{
    Channel, TemplateKey, Vars,
    pricing::{self, PriceUnit},
    render_sms,
};
use entities::{channel_price, outbox_attempt, outbox_message};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::outbox::Attempt;

/// GSM-7 segments of the SMS a message renders to (`None` if it does not render).
pub fn sms_segments(m: &outbox_message::Model) -> Option<u32> {
    let key = TemplateKey::from_stored(&m.template)?;
    let vars = serde_json::from_str::<Vars>(&m.vars).unwrap_or_default();
    render_sms(key, &vars)
        .ok()
        .map(|s| u32::try_from(s.count.segments).unwrap_or(u32::MAX))
}

/// What an attempt is billed: the billing columns of its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billing {
    /// The provider called.
    pub provider: &'static str,
    /// GSM-7 segments of an SMS.
    pub segments: Option<i32>,
    /// The unit priced.
    pub unit: &'static str,
    /// The price of the attempt in force (`None` when no price is set).
    pub price_vnd: Option<i64>,
    /// Whole đồng billed (`None` when no price is set).
    pub billed_vnd: Option<i64>,
    /// The message's commune, for the monthly report.
    pub commune_code: String,
}

impl Billing {
    /// The columns to set on the attempt row.
    pub fn columns(&self) -> outbox_attempt::ActiveModel {
        outbox_attempt::ActiveModel {
            provider: Set(Some(self.provider.to_owned())),
            segments: Set(self.segments),
            unit: Set(Some(self.unit.to_owned())),
            price_vnd: Set(self.price_vnd),
            billed_vnd: Set(self.billed_vnd),
            commune_code: Set(Some(self.commune_code.clone())),
            ..Default::default()
        }
    }
}

/// The billing columns of attempt `a` of message `m`, started at `at` (the sender records the
/// outcome with the instant it started the call): provider, segments, unit, the price in
/// force and what is billed, and the message's commune for the monthly report.
pub fn attempt_billing(
    prices: &PriceTable,
    m: &outbox_message::Model,
    a: &Attempt,
    at: DateTime<Utc>,
) -> Billing {
    billing(
        prices,
        m,
        a.provider,
        a.channel,
        at,
        Some(pricing::billable(&a.class)),
    )
}

/// The billing columns known before a call of `channel` through `provider` starts: all but
/// what is billed, which waits for the answer. Written with the attempt's start, so an attempt
/// is in its commune's report (and its row keeps its indexed columns when the outcome is
/// written) even if the worker stops before the answer.
pub fn start_billing(
    prices: &PriceTable,
    m: &outbox_message::Model,
    provider: &'static str,
    channel: Channel,
    at: DateTime<Utc>,
) -> Billing {
    billing(prices, m, provider, channel, at, None)
}

/// The billing columns of a call; `billable` is whether its answer is billed, `None` before
/// the answer (nothing billed yet).
fn billing(
    prices: &PriceTable,
    m: &outbox_message::Model,
    provider: &'static str,
    channel: Channel,
    at: DateTime<Utc>,
    billable: Option<bool>,
) -> Billing {
    let segments = (channel == Channel::Sms).then(|| sms_segments(m)).flatten();
    let template = TemplateKey::from_stored(&m.template);
    let (unit, count) = pricing::units(channel, template, segments);
    let unit_price = prices.unit_price(provider, channel, unit, pricing::price_day(at));
    let cost = pricing::attempt_cost(unit_price, count, billable.unwrap_or(false));
    Billing {
        provider,
        segments: segments.map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
        unit: unit.as_str(),
        price_vnd: cost.price_vnd,
        billed_vnd: billable.and(cost.billed_vnd),
        commune_code: m.commune_code.clone(),
    }
}

/// Every price row, grouped by provider, channel and unit. The worker reads it once in a while
/// to put the cheapest channel first, and afresh for each delivery job to bill its attempts
/// ([`attempt_billing`]): a price edited while a job runs (under a second) bills from the next.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    rows: std::collections::HashMap<(String, String, String), Vec<(NaiveDate, i64)>>,
}

impl PriceTable {
    /// The whole `channel_prices` table (a few rows per provider).
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let mut table = Self::default();
        for p in channel_price::Entity::find().all(db).await? {
            table
                .rows
                .entry((p.provider, p.channel, p.unit))
                .or_default()
                .push((p.effective_from, p.price_vnd));
        }
        Ok(table)
    }

    /// The price per unit in force on `day`, or `None`.
    pub fn unit_price(
        &self,
        provider: &str,
        channel: Channel,
        unit: PriceUnit,
        day: NaiveDate,
    ) -> Option<i64> {
        let key = (
            provider.to_owned(),
            channel.as_str().to_owned(),
            unit.as_str().to_owned(),
        );
        pricing::price_in_force(self.rows.get(&key)?, day)
    }
}
