//! Cheapest likely channel first: what a message would cost on ZNS and on SMS at the prices in
//! force (`channel_prices`, read by each delivery job, see `crate::job_facts`), handed to
//! `domain::messaging::channel_cost::cheapest_first`.

use domain::messaging::{
    channel::{Channel, PreferredChannel},
    channel_cost::{MessageCosts, cheapest_first, sms_cost},
    pricing::{self, PriceUnit},
    templates::TemplateKey,
};
use entities::outbox_message;
use store::pricing::{PriceTable, sms_segments};

use crate::gateways::Gateways;

/// What `m` would cost on ZNS and SMS with the providers that serve them, at the prices in
/// force on its due day. The due day, not the day of the attempt: the order must stay the same
/// for every delivery of one message, whose place in the plan is stored as an index (only a
/// price row edited for a day already begun, read between two deliveries, can still swap it).
pub fn message_costs(
    prices: &PriceTable,
    gateways: &Gateways,
    m: &outbox_message::Model,
    template: TemplateKey,
) -> MessageCosts {
    let day = pricing::price_day(m.due_at);
    let zns = prices.unit_price(
        gateways.get(Channel::ZaloZns).provider(),
        Channel::ZaloZns,
        pricing::zns_unit(template),
        day,
    );
    let per_segment = prices.unit_price(
        gateways.get(Channel::Sms).provider(),
        Channel::Sms,
        PriceUnit::SmsSegment,
        day,
    );
    let segments = sms_segments(m).map_or(1, |s| usize::try_from(s).unwrap_or(usize::MAX));
    MessageCosts {
        zns,
        sms: sms_cost(per_segment, segments),
    }
}

/// A client's `plan` with ZNS and SMS in order of what `m` costs on each (only worked out when
/// both are in it).
pub fn cheapest_plan(
    plan: Vec<Channel>,
    preferred: Option<PreferredChannel>,
    prices: &PriceTable,
    gateways: &Gateways,
    m: &outbox_message::Model,
    template: TemplateKey,
) -> Vec<Channel> {
    if !(plan.contains(&Channel::ZaloZns) && plan.contains(&Channel::Sms)) {
        return plan;
    }
    let costs = message_costs(prices, gateways, m, template);
    cheapest_first(plan, preferred, &costs)
}
