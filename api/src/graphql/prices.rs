//! The price table (`channelPrices`, `setChannelPrice`), a commune's monthly budget
//! (`setCommuneBudget`) and what messaging cost a commune in a month (`messagingCosts`),
//! issue 13.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::channel_price;

use super::{date::Date, env, ids, messages::MessageChannel, vnd::Vnd};
use crate::schedules::{budgets, costs, prices};

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

/// One channel's month.
#[derive(SimpleObject)]
pub struct ChannelMonth {
    /// The channel.
    pub channel: Option<MessageChannel>,
    /// Messages tried on it.
    pub messages: i64,
    /// Of those, messages a delivery receipt confirmed on it.
    pub delivered_messages: i64,
    /// Gateway calls.
    pub attempts: i64,
    /// Calls the provider accepted (or had already accepted).
    pub accepted: i64,
    /// Accepted calls a receipt confirmed.
    pub delivered: i64,
    /// Calls refused (unreachable, channel unavailable, permanent, retryable, token).
    pub failed: i64,
    /// Whole đồng billed.
    pub cost_vnd: Vnd,
}

/// Failed calls with one reason.
#[derive(SimpleObject)]
pub struct FailureCount {
    /// The channel.
    pub channel: Option<MessageChannel>,
    /// The outcome class, e.g. `recipient_unreachable`.
    pub outcome: String,
    /// The fixed reason text with the provider's code, e.g. `zns_-118`.
    pub reason: Option<String>,
    /// How many calls.
    pub attempts: i64,
}

/// What messaging did and cost in a commune in a month (Hà Nội time).
#[derive(SimpleObject)]
pub struct MessagingMonth {
    /// The commune.
    pub commune_code: String,
    /// `YYYY-MM`.
    pub month: String,
    /// By channel.
    pub channels: Vec<ChannelMonth>,
    /// Failed calls by channel and reason.
    pub failures: Vec<FailureCount>,
    /// Messages tried on any channel.
    pub messages: i64,
    /// Share of those a receipt confirmed (0 to 1; 0 when none).
    pub delivery_rate: f64,
    /// Everything billed, clients' and officers' messages.
    pub cost_vnd: Vnd,
    /// Clients with at least one call.
    pub people: i64,
    /// What the clients' messages cost.
    pub client_cost_vnd: Vnd,
    /// `clientCostVnd / people`, rounded half up (none when nobody was messaged).
    pub cost_per_person_vnd: Option<Vnd>,
    /// The commune's clients whom no message reaches now (the reachability watch; the same
    /// figure whichever month is asked).
    pub unreachable_people: i64,
    /// The commune's monthly budget (none: no budget). `costVnd` is what it counts.
    pub budget_vnd: Option<Vnd>,
    /// Messages due in the month that were held back because the budget was spent (waiting
    /// for next month, sent since, or not sent because they expired waiting).
    pub held_messages: i64,
}

impl From<costs::MonthReport> for MessagingMonth {
    fn from(r: costs::MonthReport) -> Self {
        let channel = |s: &str| domain::messaging::Channel::from_stored(s).map(Into::into);
        let channels = r
            .channels
            .iter()
            .map(|c| {
                let rows = r.outcomes.iter().filter(|o| o.channel == c.channel);
                let sum = |f: &dyn Fn(&costs::OutcomeRow) -> i64| rows.clone().map(f).sum::<i64>();
                ChannelMonth {
                    channel: channel(&c.channel),
                    messages: c.messages,
                    delivered_messages: c.delivered_messages,
                    attempts: sum(&|o| o.attempts),
                    accepted: sum(&|o| {
                        if costs::is_accepted(&o.outcome) {
                            o.attempts
                        } else {
                            0
                        }
                    }),
                    delivered: sum(&|o| o.delivered),
                    failed: sum(&|o| {
                        if costs::is_failure(&o.outcome) {
                            o.attempts
                        } else {
                            0
                        }
                    }),
                    cost_vnd: Vnd(sum(&|o| o.billed.unwrap_or(0))),
                }
            })
            .collect::<Vec<_>>();
        let failures = r
            .outcomes
            .iter()
            .filter(|o| costs::is_failure(&o.outcome))
            .map(|o| FailureCount {
                channel: channel(&o.channel),
                outcome: o.outcome.clone(),
                reason: o.reason.clone(),
                attempts: o.attempts,
            })
            .collect();
        // A message tried on two channels counts once.
        let (messages, delivered) = (r.messages, r.delivered_messages);
        #[allow(clippy::cast_precision_loss)]
        let delivery_rate = if messages > 0 {
            delivered as f64 / messages as f64
        } else {
            0.0
        };
        Self {
            commune_code: r.commune_code.clone(),
            month: r.month.clone(),
            cost_vnd: Vnd(r.cost_vnd()),
            cost_per_person_vnd: r.cost_per_person_vnd().map(Vnd),
            people: r.people,
            client_cost_vnd: Vnd(r.client_cost_vnd),
            channels,
            failures,
            messages,
            delivery_rate,
            unreachable_people: r.unreachable_people,
            budget_vnd: r.budget_vnd.map(Vnd),
            held_messages: r.held_messages,
        }
    }
}

/// Price queries.
#[derive(Default)]
pub struct PricesQuery;

#[Object]
impl PricesQuery {
    /// What messaging did and cost in a commune in a month (`YYYY-MM`, Hà Nội time): calls,
    /// delivery and failures by channel, cost in đồng and per client messaged. Needs
    /// `schedules:read`; an officer reads their commune, another commune is `NOT_FOUND`.
    async fn messaging_costs(
        &self,
        ctx: &Context<'_>,
        commune_code: String,
        month: String,
    ) -> Result<MessagingMonth> {
        let (db, rc) = env(ctx);
        Ok(costs::month_report(db, rc, &commune_code, &month)
            .await?
            .into())
    }

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

/// Input of `setCommuneBudget`.
#[derive(InputObject)]
pub struct SetCommuneBudgetInput {
    /// The commune.
    pub commune_code: String,
    /// Whole đồng a month (Hà Nội time), 1 to 200,000,000; null removes the budget.
    pub monthly_budget_vnd: Option<Vnd>,
}

/// Payload of `setCommuneBudget`.
#[derive(SimpleObject)]
pub struct CommuneBudgetPayload {
    /// The commune.
    pub commune_code: String,
    /// The budget now in force (none: no budget).
    pub monthly_budget_vnd: Option<Vnd>,
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

    /// Sets or removes a commune's monthly messaging budget (national administrators, the
    /// province's administrator, the commune's chairman; audited). At 80 % of the month's
    /// cost the commune's officers are told once; past 100 % non-urgent SMS go by Zalo where
    /// the person has it or wait for the 1st of next month at 08:00, each with its
    /// `heldReason`; officer alerts, escalations and opt-out confirmations always go.
    async fn set_commune_budget(
        &self,
        ctx: &Context<'_>,
        input: SetCommuneBudgetInput,
    ) -> Result<CommuneBudgetPayload> {
        let (db, rc) = env(ctx);
        let budget = budgets::set(
            db,
            rc,
            &input.commune_code,
            input.monthly_budget_vnd.map(|v| v.0),
        )
        .await?;
        Ok(CommuneBudgetPayload {
            commune_code: input.commune_code,
            monthly_budget_vnd: budget.map(Vnd),
        })
    }
}
