//! Prices as data: the price table (`channel_prices`) and what one gateway attempt costs.
//!
//! The rules (units, billed outcomes, the price in force on a day) are
//! `domain::messaging::pricing`; this module reads the table and fills an attempt's billing
//! columns when its outcome is written (`outbox::lease::finish`, one call, in the same
//! transaction).

use chrono::{DateTime, NaiveDate, Utc};
use domain::messaging::{
    Channel, TemplateKey, Vars,
    pricing::{self, PriceUnit},
    render_sms,
};
use entities::{channel_price, outbox_attempt, outbox_message};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::outbox::Attempt;

/// The price per unit in force on `day` for a provider, channel and unit (the row with the
/// latest `effective_from` on or before it; `ux_channel_prices_key`), or `None`.
pub async fn unit_price_on(
    db: &impl ConnectionTrait,
    provider: &str,
    channel: Channel,
    unit: PriceUnit,
    day: NaiveDate,
) -> Result<Option<i64>, DbErr> {
    Ok(channel_price::Entity::find()
        .filter(channel_price::Column::Provider.eq(provider))
        .filter(channel_price::Column::Channel.eq(channel.as_str()))
        .filter(channel_price::Column::Unit.eq(unit.as_str()))
        .filter(channel_price::Column::EffectiveFrom.lte(day))
        .order_by_desc(channel_price::Column::EffectiveFrom)
        .one(db)
        .await?
        .map(|p| p.price_vnd))
}

/// GSM-7 segments of the SMS a message renders to (`None` if it does not render).
pub fn sms_segments(m: &outbox_message::Model) -> Option<u32> {
    let key = TemplateKey::from_stored(&m.template)?;
    let vars = serde_json::from_str::<Vars>(&m.vars).unwrap_or_default();
    render_sms(key, &vars)
        .ok()
        .map(|s| u32::try_from(s.count.segments).unwrap_or(u32::MAX))
}

/// The billing columns of an attempt, and what it is billed.
#[derive(Debug, Clone)]
pub struct Billing {
    /// The columns to set on the attempt row.
    pub columns: outbox_attempt::ActiveModel,
    /// Whole đồng billed (`None` when no price is set).
    pub billed_vnd: Option<i64>,
}

/// The billing columns of attempt `a` of message `m`, started at `at` (the sender records the
/// outcome with the instant it started the call): provider, segments, unit, the price in
/// force and what is billed, and the message's commune for the monthly report.
pub async fn attempt_billing(
    db: &impl ConnectionTrait,
    m: &outbox_message::Model,
    a: &Attempt,
    at: DateTime<Utc>,
) -> Result<Billing, DbErr> {
    let segments = (a.channel == Channel::Sms)
        .then(|| sms_segments(m))
        .flatten();
    let template = TemplateKey::from_stored(&m.template);
    let (unit, count) = pricing::units(a.channel, template, segments);
    let unit_price = unit_price_on(db, a.provider, a.channel, unit, pricing::price_day(at)).await?;
    let cost = pricing::attempt_cost(unit_price, count, pricing::billable(&a.class));
    let columns = outbox_attempt::ActiveModel {
        provider: Set(Some(a.provider.to_owned())),
        segments: Set(segments.map(|s| i32::try_from(s).unwrap_or(i32::MAX))),
        unit: Set(Some(unit.as_str().to_owned())),
        price_vnd: Set(cost.price_vnd),
        billed_vnd: Set(cost.billed_vnd),
        commune_code: Set(Some(m.commune_code.clone())),
        ..Default::default()
    };
    Ok(Billing {
        columns,
        billed_vnd: cost.billed_vnd,
    })
}

/// Every price row, grouped by provider, channel and unit: the worker reads it once in a while
/// to put the cheapest channel first (the price an attempt is billed is still read when it is
/// written, [`attempt_billing`]).
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
