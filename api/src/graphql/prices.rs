//! The price table: `channelPrices` and `setChannelPrice` (issue 13, "prices as data").

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::channel_price;

use super::{date::Date, env, ids, messages::MessageChannel, vnd::Vnd};
use crate::schedules::prices;

/// A provider a deployment pays.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MessageProvider {
    /// Zalo (ZNS and OA).
    Zalo,
    /// eSMS.vn brandname SMS.
    Esms,
}

impl MessageProvider {
    fn as_str(self) -> &'static str {
        match self {
            Self::Zalo => "zalo",
            Self::Esms => "esms",
        }
    }

    fn from_stored(s: &str) -> Option<Self> {
        [Self::Zalo, Self::Esms]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// What a provider bills on a channel.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::messaging::pricing::PriceUnit")]
pub enum PriceUnit {
    /// One message (Zalo OA).
    Message,
    /// One SMS segment (every segment is billed).
    SmsSegment,
    /// A ZNS custom template message (what every template of ours is).
    ZnsCustom,
    /// A ZNS authentication (OTP) template message.
    ZnsOtp,
    /// A ZNS rating template message.
    ZnsRating,
}

/// A price per unit from a day on.
#[derive(SimpleObject)]
pub struct ChannelPrice {
    /// Opaque id.
    pub id: ID,
    /// The provider.
    pub provider: Option<MessageProvider>,
    /// The channel.
    pub channel: Option<MessageChannel>,
    /// The unit billed.
    pub unit: Option<PriceUnit>,
    /// Whole đồng per unit.
    pub price_vnd: Vnd,
    /// First day (Hà Nội time) it applies; it holds until a later row's day.
    pub effective_from: Date,
    /// A rough figure seeded from issue 13, not a contract price: replace it.
    pub example: bool,
    /// When last set.
    pub updated_at: DateTime<Utc>,
}

impl From<channel_price::Model> for ChannelPrice {
    fn from(p: channel_price::Model) -> Self {
        Self {
            id: ids::encode("ChannelPrice", p.id),
            provider: MessageProvider::from_stored(&p.provider),
            channel: domain::messaging::Channel::from_stored(&p.channel).map(Into::into),
            unit: domain::messaging::pricing::PriceUnit::from_stored(&p.unit).map(Into::into),
            price_vnd: Vnd(p.price_vnd),
            effective_from: Date(p.effective_from),
            example: p.example,
            updated_at: p.updated_at,
        }
    }
}

/// Price queries.
#[derive(Default)]
pub struct PricesQuery;

#[Object]
impl PricesQuery {
    /// Every price, past, current and future, by provider, channel, unit and date.
    async fn channel_prices(&self, ctx: &Context<'_>) -> Result<Vec<ChannelPrice>> {
        let (db, rc) = env(ctx);
        Ok(prices::list(db, rc)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Input of `setChannelPrice`.
#[derive(InputObject)]
pub struct SetChannelPriceInput {
    /// The provider.
    pub provider: MessageProvider,
    /// The channel (ZALO: ZALO_ZNS or ZALO_OA; ESMS: SMS).
    pub channel: MessageChannel,
    /// The unit (SMS: SMS_SEGMENT; ZALO_OA: MESSAGE; ZALO_ZNS: a ZNS template type).
    pub unit: PriceUnit,
    /// Whole đồng per unit, 0 to 100,000.
    pub price_vnd: Vnd,
    /// First day it applies (Hà Nội time): today or later, at most 366 days ahead.
    pub effective_from: Date,
}

/// Payload of `setChannelPrice`.
#[derive(SimpleObject)]
pub struct ChannelPricePayload {
    /// The price row.
    pub price: ChannelPrice,
}

/// Price mutations.
#[derive(Default)]
pub struct PricesMutation;

#[Object]
impl PricesMutation {
    /// Sets a price from a day on (national administrators; audited). The same provider,
    /// channel, unit and day replaces that row; earlier prices stay in force until the day.
    async fn set_channel_price(
        &self,
        ctx: &Context<'_>,
        input: SetChannelPriceInput,
    ) -> Result<ChannelPricePayload> {
        let (db, rc) = env(ctx);
        let row = prices::set(
            db,
            rc,
            prices::NewPrice {
                provider: input.provider.as_str().to_owned(),
                channel: input.channel.into(),
                unit: input.unit.into(),
                price_vnd: input.price_vnd.0,
                effective_from: input.effective_from.into(),
            },
        )
        .await?;
        Ok(ChannelPricePayload { price: row.into() })
    }
}
