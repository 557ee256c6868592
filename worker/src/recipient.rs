//! Who a message goes to and over which channels: the client's consents and preference, or
//! an officer's work phone, narrowed to the channels this worker can send on.

use chrono::{DateTime, Utc};
use domain::{
    Phone,
    messaging::{
        channel::{
            Channel, ContactProfile, PreferredChannel, channel_plan, list_from_stored, pinned_plan,
        },
        channel_knowledge::{self, ChannelKnowledge},
        templates::{self, TemplateKey},
    },
};
use entities::outbox_message;
use uuid::Uuid;

use crate::{channel_costs::cheapest_plan, gateways::Gateways, job_facts::JobFacts};

/// A message's recipient: where it can go, in order, and the addresses to use.
pub struct Recipient {
    /// Channels to try, in order.
    pub plan: Vec<Channel>,
    pub phone: Option<Phone>,
    pub zalo_user_id: Option<String>,
    /// They opted out (or, for an officer, were deactivated).
    pub opted_out: bool,
    /// The client, whose row records what an attempt teaches (`None` for an officer).
    pub client_id: Option<Uuid>,
    /// What earlier sends taught us about the client's Zalo channels.
    pub known: ChannelKnowledge,
    /// When the client last interacted with the OA (an OA refusal holds until a later one).
    pub oa_last_interaction: Option<DateTime<Utc>>,
}

impl Recipient {
    /// The place in the plan to try from the message's place `index`, past the channels known
    /// not to reach this person (`domain::messaging::channel_knowledge::first_to_try`).
    pub fn first_to_try(&self, index: usize, now: DateTime<Utc>) -> usize {
        channel_knowledge::first_to_try(
            &self.plan,
            index,
            &self.known,
            self.oa_last_interaction,
            now,
        )
    }

    /// Whether earlier sends taught that `channel` does not reach this person at `now`.
    pub fn known_not_to_reach(&self, channel: Channel, now: DateTime<Utc>) -> bool {
        channel_knowledge::known_not_to_reach(channel, &self.known, self.oa_last_interaction, now)
    }
}

/// The recipient of `m` among the job's `facts`, or `None` when the client or officer it
/// names is gone. A client's plan puts the cheapest likely channel first at the job's prices.
pub fn lookup(
    facts: &JobFacts,
    gateways: &Gateways,
    m: &outbox_message::Model,
    template: TemplateKey,
    now: DateTime<Utc>,
) -> Option<Recipient> {
    let prices = &facts.prices;
    if let Some(id) = m.client_id {
        let c = facts.client(id)?;
        let phone = c
            .phone
            .as_deref()
            .and_then(|p| Phone::from_canonical(p).ok());
        // The opt-out confirmation is the one message that goes after an opt-out, once.
        let opted_out = c.opted_out_at.is_some() && template != TemplateKey::OptOutConfirmed;
        let profile = ContactProfile {
            sms_consent: c.sms_consent_at.is_some(),
            zalo_consent: c.zalo_consent_at.is_some(),
            opted_out,
            has_phone: phone.is_some(),
            zalo_user_id: c.zalo_user_id.clone(),
            preferred: match c.preferred_channel.as_deref() {
                Some(stored) => PreferredChannel::from_stored(stored),
                _ => None,
            },
            oa_last_interaction: c.zalo_last_interaction_at,
        };
        let plan = available(gateways, channel_plan(&profile, now), template);
        let plan = cheapest_plan(plan, profile.preferred, prices, gateways, m, template);
        return Some(Recipient {
            plan,
            phone,
            known: store::channel_knowledge::knowledge_of(c),
            zalo_user_id: c.zalo_user_id.clone(),
            opted_out,
            client_id: Some(c.id),
            oa_last_interaction: c.zalo_last_interaction_at,
        });
    }
    if let Some(id) = m.officer_id {
        let o = facts.officer(id)?;
        let phone = o
            .phone
            .as_deref()
            .and_then(|p| Phone::from_canonical(p).ok());
        // Officers receive work alerts on their work phone: no personal consent applies.
        let profile = ContactProfile {
            sms_consent: true,
            zalo_consent: true,
            opted_out: !o.active,
            has_phone: phone.is_some(),
            zalo_user_id: o.zalo_user_id.clone(),
            preferred: None,
            // An officer's last message to the OA is not recorded; their OA is tried when a
            // message names it (an escalation level) and Zalo answers -230 outside the 7-day
            // window, which moves the message to its next channel.
            oa_last_interaction: m.channels.as_ref().map(|_| now),
        };
        let plan = available(gateways, channel_plan(&profile, now), template);
        return Some(Recipient {
            // A message that names its channels (an escalation level's choice) uses those
            // the officer can receive, in its order; other messages the usual plan.
            plan: match m.channels.as_deref() {
                Some(pinned) => pinned_plan(&plan, &list_from_stored(pinned)),
                None => plan,
            },
            phone,
            zalo_user_id: o.zalo_user_id.clone(),
            opted_out: !o.active,
            client_id: None,
            known: ChannelKnowledge::default(),
            oa_last_interaction: None,
        });
    }
    None
}

/// Keeps the channels with a real provider; with none configured (the embedded default),
/// the console stands in for every channel. A template with no ZNS form (officer alerts)
/// skips ZNS instead of recording a failed attempt on every send.
fn available(gateways: &Gateways, plan: Vec<Channel>, template: TemplateKey) -> Vec<Channel> {
    let on_zns = templates::template(template).is_ok_and(|t| t.zns_fields.is_some());
    let plan = plan
        .into_iter()
        .filter(|c| *c != Channel::ZaloZns || on_zns);
    if !gateways.any_configured() {
        return plan.collect();
    }
    plan.filter(|c| gateways.is_configured(*c)).collect()
}
