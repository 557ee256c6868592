//! Zalo as the product leaves it (issue 13): about 45 % of clients consented to Zalo, a little
//! over half of them by following the commune's OA and sending back an invitation code (so
//! their Zalo id is linked), the others at the commune office (ZNS to their phone only); a few
//! of those numbers are not on Zalo (a refused ZNS, remembered until the recheck); about 10 %
//! hold an invitation they have not used yet. Their past messages went by the channel the
//! product's own plan chose at the time (OA inside the follower's interaction window, ZNS,
//! then SMS, or SMS first for those who prefer it), with the attempt's unit and price.
//!
//! Clients whose phone stopped answering (`reach`) stay SMS-only, and so do failed messages.
//! The module draws from its own stream per commune, so every other table's rows are those of
//! a run without it.

use std::{
    collections::{HashMap, HashSet},
    hash::{DefaultHasher, Hash, Hasher},
};

use chrono::{DateTime, Duration, Utc};
use domain::messaging::{
    Channel, ContactProfile, PreferredChannel,
    channel_knowledge::{ChannelKnowledge, DEFAULT_ZNS_RECHECK, Lesson, first_to_try, lesson},
    channel_plan,
    invitation::{CONSENT_METHOD, DEFAULT_VALID_FOR, InvitationCode},
    outcome::{OutcomeClass, classify_zns},
};
use entities::{client, outbox_attempt, zalo_invitation};
use rand::{Rng, SeedableRng, rngs::StdRng};
use store::{
    outbox::Attempt,
    pricing::{Billing, PriceTable, attempt_billing},
};
use uuid::Uuid;

use super::{CommuneRows, Rows, new_id};

/// Share of clients who consented to Zalo.
const ZALO_SHARE: f64 = 0.45;
/// Share of those who follow the OA (linked by an invitation code).
const FOLLOWER_SHARE: f64 = 0.55;
/// Share of the other Zalo clients whose number is not on Zalo.
const NOT_ON_ZALO: f64 = 0.08;
/// Share of Zalo clients who still prefer SMS.
const PREFER_SMS: f64 = 0.15;
/// Share of clients with an invitation not used (yet, or expired).
const PENDING_INVITATION: f64 = 0.10;
/// Chance that a follower answers a message on the OA (which reopens the OA window).
const FOLLOWER_ANSWERS: f64 = 0.6;
/// The provider of both Zalo channels (the worker's gateways say the same).
const ZALO: &str = "zalo";

/// One client's Zalo standing, drawn before their messages are replayed.
struct Standing {
    consent_at: DateTime<Utc>,
    follower: Option<String>,
    not_on_zalo: bool,
    preferred: PreferredChannel,
}

/// A Zalo client's past messages and what replaying them needs.
struct History<'a> {
    /// The client's sent messages (indexes in `rows.messages`), oldest first.
    sent: &'a [usize],
    /// Each message's attempt in `rows.attempts`.
    attempt_of: &'a HashMap<Uuid, usize>,
    /// The prices attempts are billed at.
    prices: &'a PriceTable,
}

/// Gives the commune's clients their Zalo standing and re-sends their past messages by the
/// channel the product would have chosen.
pub fn commune(
    seed: u64,
    rows: &mut Rows,
    at: &CommuneRows<'_>,
    prices: &PriceTable,
    now: DateTime<Utc>,
) {
    let mut h = DefaultHasher::new();
    ("zalo", at.code).hash(&mut h);
    let rng = &mut StdRng::seed_from_u64(seed ^ h.finish());
    let failing: HashSet<Uuid> = rows.reachability.iter().map(|r| r.client_id).collect();
    let attempt_of = at.attempt_of(rows);
    let mut history: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for i in at.messages..rows.messages.len() {
        let m = &rows.messages[i];
        if let Some(client) = m.client_id
            && matches!(m.status.as_str(), "delivered" | "sent")
        {
            history.entry(client).or_default().push(i);
        }
    }
    for ci in at.clients..rows.clients.len() {
        let c = rows.clients[ci].clone();
        if failing.contains(&c.id) {
            continue;
        }
        let roll: f64 = rng.r#gen();
        if roll < ZALO_SHARE {
            let standing = standing(rng, rows, &c, now);
            let mut sent = history.remove(&c.id).unwrap_or_default();
            sent.sort_by_key(|&i| rows.messages[i].due_at);
            let history = History {
                sent: &sent,
                attempt_of: &attempt_of,
                prices,
            };
            replay(rng, rows, ci, &standing, &history, now);
        } else if roll < ZALO_SHARE + PENDING_INVITATION {
            let created = now - Duration::hours(rng.gen_range(1..45 * 24));
            invitation(rng, rows, &c, created, None);
        }
    }
}

/// Draws a Zalo client's consent, follow (with its used invitation) and preference.
fn standing(rng: &mut StdRng, rows: &mut Rows, c: &client::Model, now: DateTime<Utc>) -> Standing {
    let consent_at = (c.created_at
        + Duration::days(rng.gen_range(0..20))
        + Duration::minutes(rng.gen_range(0..600)))
    .min(now - Duration::hours(1));
    let follower = rng.gen_bool(FOLLOWER_SHARE).then(|| {
        let created =
            (consent_at - Duration::minutes(rng.gen_range(10..4 * 24 * 60))).max(c.created_at);
        invitation(rng, rows, c, created, Some(consent_at));
        rng.gen_range(1_000_000_000_000_000_000u64..9_000_000_000_000_000_000)
            .to_string()
    });
    let not_on_zalo = follower.is_none() && rng.gen_bool(NOT_ON_ZALO);
    let preferred = if rng.gen_bool(PREFER_SMS) {
        PreferredChannel::Sms
    } else {
        PreferredChannel::Zalo
    };
    Standing {
        consent_at,
        follower,
        not_on_zalo,
        preferred,
    }
}

/// An invitation to follow the OA, `used` when the client sent its code back.
fn invitation(
    rng: &mut StdRng,
    rows: &mut Rows,
    c: &client::Model,
    created_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
) {
    let code = loop {
        let code = InvitationCode::generate(rng);
        if rows.invitation_codes_taken.insert(code.as_str().to_owned()) {
            break code;
        }
    };
    let requested_by = if rng.gen_bool(0.7) {
        "officer"
    } else {
        "check_in_page"
    };
    rows.zalo_invitations.push(zalo_invitation::Model {
        id: new_id(rng),
        client_id: c.id,
        commune_code: c.commune_code.clone(),
        code: code.as_str().to_owned(),
        created_at,
        expires_at: created_at + DEFAULT_VALID_FOR,
        requested_by: requested_by.to_owned(),
        used_at,
    });
}

/// Re-sends the client's past messages (`sent`, oldest first) by the product's channel choice
/// and leaves the client row as those sends would have: consent, Zalo id, last interaction,
/// what ZNS taught.
fn replay(
    rng: &mut StdRng,
    rows: &mut Rows,
    ci: usize,
    s: &Standing,
    h: &History<'_>,
    now: DateTime<Utc>,
) {
    // Linking by the code is the follower's first interaction.
    let mut last_interaction = s.follower.as_ref().map(|_| s.consent_at);
    let mut known = ChannelKnowledge::default();
    let mut zns_reason = None;
    for &i in h.sent {
        let due = rows.messages[i].due_at;
        let Some(&a) = h.attempt_of.get(&rows.messages[i].id) else {
            continue;
        };
        if due < s.consent_at {
            continue;
        }
        let profile = ContactProfile {
            sms_consent: true,
            zalo_consent: true,
            opted_out: false,
            has_phone: true,
            zalo_user_id: s.follower.clone(),
            preferred: Some(s.preferred),
            oa_last_interaction: last_interaction,
        };
        let plan = channel_plan(&profile, due);
        let index = first_to_try(&plan, 0, &known, last_interaction, due);
        match plan.get(index) {
            Some(&Channel::ZaloZns) if s.not_on_zalo => {
                let at = rows.attempts[a].attempted_at - Duration::seconds(1);
                let refused = classify_zns(200, r#"{"error":-118,"message":"x"}"#, None, at);
                if let Some(Lesson::ZnsUnreachable { until, reason }) =
                    lesson(Channel::ZaloZns, &refused, &known, at, DEFAULT_ZNS_RECHECK)
                {
                    known.zns_unreachable_until = Some(until);
                    zns_reason = Some(reason);
                    refused_zns_before(rng, rows, i, a, at, refused, h.prices);
                    let sms_index = plan.iter().position(|c| *c == Channel::Sms).unwrap_or(1);
                    let m = &mut rows.messages[i];
                    m.attempts = 2;
                    m.channel_index = i32::try_from(sms_index).unwrap_or(1);
                }
            }
            Some(&channel @ (Channel::ZaloZns | Channel::ZaloOa)) => {
                by_zalo(rng, rows, i, a, channel, h.prices);
            }
            _ => {}
        }
        if s.follower.is_some() && rng.gen_bool(FOLLOWER_ANSWERS) {
            last_interaction = Some((due + Duration::minutes(rng.gen_range(1..180))).min(now));
        }
    }
    let c = &mut rows.clients[ci];
    c.zalo_consent_at = Some(s.consent_at);
    c.zalo_consent_method = Some(
        if s.follower.is_some() {
            CONSENT_METHOD
        } else {
            "in_person_signed"
        }
        .to_owned(),
    );
    c.zalo_user_id.clone_from(&s.follower);
    c.zalo_last_interaction_at = last_interaction;
    c.preferred_channel = Some(s.preferred.as_str().to_owned());
    c.zns_unreachable_until = known.zns_unreachable_until;
    c.zns_unreachable_reason = zns_reason;
    c.updated_at = c.updated_at.max(last_interaction.unwrap_or(s.consent_at));
}

/// Message `i` went by `channel` instead of SMS: its attempt `a` becomes Zalo's, accepted and
/// billed as the worker bills it (OA is free, ZNS is priced per template).
fn by_zalo(
    rng: &mut StdRng,
    rows: &mut Rows,
    i: usize,
    a: usize,
    channel: Channel,
    prices: &PriceTable,
) {
    let msg_id = format!("{:032x}", rng.r#gen::<u128>());
    let attempt = Attempt {
        id: rows.attempts[a].id,
        channel,
        provider: ZALO,
        class: OutcomeClass::Accepted {
            provider_id: msg_id.clone(),
        },
    };
    let row = &mut rows.attempts[a];
    row.channel = channel.as_str().to_owned();
    row.provider_message_id = Some(msg_id.clone());
    bill(
        row,
        attempt_billing(prices, &rows.messages[i], &attempt, row.attempted_at),
    );
    let m = &mut rows.messages[i];
    m.channel = Some(channel.as_str().to_owned());
    m.provider_message_id = Some(msg_id);
}

/// Adds, before SMS attempt `a` of message `i`, the ZNS attempt Zalo `refused` (number not on
/// Zalo; not billed).
fn refused_zns_before(
    rng: &mut StdRng,
    rows: &mut Rows,
    i: usize,
    a: usize,
    at: DateTime<Utc>,
    refused: OutcomeClass,
    prices: &PriceTable,
) {
    let mut row = outbox_attempt::Model {
        id: new_id(rng),
        message_id: rows.messages[i].id,
        channel: Channel::ZaloZns.as_str().to_owned(),
        attempted_at: at,
        outcome: refused.outcome().as_str().to_owned(),
        reason: Some(refused.reason()),
        provider_message_id: None,
        delivered_at: None,
        provider: None,
        segments: None,
        unit: None,
        price_vnd: None,
        billed_vnd: None,
        commune_code: rows.attempts[a].commune_code.clone(),
    };
    let attempt = Attempt {
        id: row.id,
        channel: Channel::ZaloZns,
        provider: ZALO,
        class: refused,
    };
    bill(
        &mut row,
        attempt_billing(prices, &rows.messages[i], &attempt, at),
    );
    rows.attempts.push(row);
}

/// Sets an attempt row's billing columns.
fn bill(row: &mut outbox_attempt::Model, b: Billing) {
    row.provider = Some(b.provider.to_owned());
    row.segments = b.segments;
    row.unit = Some(b.unit.to_owned());
    row.price_vnd = b.price_vnd;
    row.billed_vnd = b.billed_vnd;
    row.commune_code = Some(b.commune_code);
}
