//! Classifying what a gateway answered, so the sender knows what to do next.
//!
//! Follows the classification table in `gateways.md`. Zalo reports most
//! failures inside HTTP 200 (`error != 0`), so the body decides, not the
//! status. Reasons are fixed strings with the provider code: never the
//! provider's own message, which may echo a phone number.

use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use serde_json::Value;

use super::local_time::{local_to_utc, to_local};
use super::quiet_hours::{ZNS_NIGHT, hm};

/// What happened to one send attempt, and therefore what the sender does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeClass {
    /// The gateway took the message; wait for the delivery receipt.
    Accepted { provider_id: String },
    /// Access token invalid or expired: refresh (single flight), retry once.
    AuthExpired,
    /// Transient failure: back off with jitter, bounded attempts.
    Retryable { reason: String },
    /// The gateway said "later" (quota, rate, night): retry then, not counted
    /// as a failure. `None` means no hint; the caller picks a default.
    Reschedule {
        retry_after: Option<Duration>,
        reason: String,
    },
    /// This person cannot be reached on this channel: try the next channel.
    RecipientUnreachable { reason: String },
    /// The channel itself is broken (credentials, balance, template, OA
    /// config): alert the operator, stop using it, fall back.
    ChannelUnavailable { reason: String },
    /// This message can never go out as it is: stop and show the officer why.
    Permanent { reason: String },
    /// It may or may not have gone out: reconcile by receipt or status
    /// before any resend where the gateway does not deduplicate.
    Ambiguous { reason: String },
    /// The gateway already took a message with this request id: treat as
    /// accepted, nothing new was sent.
    Duplicate { provider_id: Option<String> },
}

/// The stored outcome of one gateway attempt (`outbox_attempts.outcome`): an answer class, or
/// [`AttemptOutcome::InFlight`] while the call's answer is not recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// Accepted for delivery.
    Accepted,
    /// The gateway had already accepted this message; nothing was resent.
    Duplicate,
    /// The access token was refused even after a refresh.
    AuthExpired,
    /// A temporary failure.
    Retryable,
    /// Rate limit, quota or night rule.
    Reschedule,
    /// The person cannot be reached on this channel.
    RecipientUnreachable,
    /// The channel is misconfigured or refused the template.
    ChannelUnavailable,
    /// This message cannot be sent on this channel.
    Permanent,
    /// It may or may not have gone out.
    Ambiguous,
    /// The call has started and its answer is not recorded yet. The sender writes the attempt
    /// row with it before every call, so a call that a stopped worker never finished is a
    /// recorded fact, not a guess from counters.
    InFlight,
}

impl AttemptOutcome {
    /// Every outcome.
    pub const ALL: [AttemptOutcome; 10] = [
        Self::Accepted,
        Self::Duplicate,
        Self::AuthExpired,
        Self::Retryable,
        Self::Reschedule,
        Self::RecipientUnreachable,
        Self::ChannelUnavailable,
        Self::Permanent,
        Self::Ambiguous,
        Self::InFlight,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
            Self::AuthExpired => "auth_expired",
            Self::Retryable => "retryable",
            Self::Reschedule => "reschedule",
            Self::RecipientUnreachable => "recipient_unreachable",
            Self::ChannelUnavailable => "channel_unavailable",
            Self::Permanent => "permanent",
            Self::Ambiguous => "ambiguous",
            Self::InFlight => "in_flight",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// An attempt that may have reached the person (so a receipt can confirm it).
    pub fn may_have_reached(self) -> bool {
        matches!(
            self,
            Self::Accepted | Self::Duplicate | Self::Ambiguous | Self::InFlight
        )
    }
}

/// What the sender decided about a message without a gateway answer, stored in
/// `outbox_messages.last_outcome` beside [`AttemptOutcome`]s and message statuses. Not an
/// attempt's outcome: no attempt row ever carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionOutcome {
    /// Too late to be useful: cancelled before any (further) call.
    Expired,
    /// Moved on to the next channel of the recipient's plan.
    FellBack,
}

impl DecisionOutcome {
    /// Every decision.
    pub const ALL: [DecisionOutcome; 2] = [Self::Expired, Self::FellBack];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::FellBack => "fallback",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl OutcomeClass {
    /// The stored outcome of an attempt that got this answer.
    pub fn outcome(&self) -> AttemptOutcome {
        match self {
            Self::Accepted { .. } => AttemptOutcome::Accepted,
            Self::AuthExpired => AttemptOutcome::AuthExpired,
            Self::Retryable { .. } => AttemptOutcome::Retryable,
            Self::Reschedule { .. } => AttemptOutcome::Reschedule,
            Self::RecipientUnreachable { .. } => AttemptOutcome::RecipientUnreachable,
            Self::ChannelUnavailable { .. } => AttemptOutcome::ChannelUnavailable,
            Self::Permanent { .. } => AttemptOutcome::Permanent,
            Self::Ambiguous { .. } => AttemptOutcome::Ambiguous,
            Self::Duplicate { .. } => AttemptOutcome::Duplicate,
        }
    }

    /// The class's reason, empty for an acceptance.
    pub fn reason(&self) -> String {
        match self {
            Self::Retryable { reason }
            | Self::Reschedule { reason, .. }
            | Self::RecipientUnreachable { reason }
            | Self::ChannelUnavailable { reason }
            | Self::Permanent { reason }
            | Self::Ambiguous { reason } => reason.clone(),
            Self::AuthExpired => "access token expired".into(),
            Self::Accepted { .. } | Self::Duplicate { .. } => String::new(),
        }
    }
}

/// What a failure means for the sender, shared by the gateway code tables.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Auth,
    Retry,
    Later,
    Night,
    Unreachable,
    Unavailable,
    Permanent,
}

/// ZNS codes from `gateways.md`.
const ZNS_CODES: &[(i64, Kind, &str)] = &[
    (-124, Kind::Auth, "access token invalid or expired"),
    (-118, Kind::Unreachable, "phone not on zalo"),
    (-114, Kind::Unreachable, "user not reachable"),
    (-119, Kind::Unreachable, "user not reachable"),
    (-139, Kind::Unreachable, "user blocked or refused zns"),
    (-141, Kind::Unreachable, "user inactive"),
    (-115, Kind::Later, "quota exceeded"),
    (-144, Kind::Later, "quota exceeded"),
    (-147, Kind::Later, "rate limit exceeded"),
    (
        -131,
        Kind::Unavailable,
        "template or oa configuration rejected",
    ),
    (
        -135,
        Kind::Unavailable,
        "template or oa configuration rejected",
    ),
    (
        -136,
        Kind::Unavailable,
        "template or oa configuration rejected",
    ),
    (
        -137,
        Kind::Unavailable,
        "template or oa configuration rejected",
    ),
    (-108, Kind::Permanent, "invalid phone"),
    (-1121, Kind::Permanent, "invalid template data"),
    (-1122, Kind::Permanent, "invalid template data"),
    (-133, Kind::Night, "zns refuses to send at night"),
    (-100, Kind::Retry, "zalo internal error"),
];

/// OA codes. -230 is from `gateways.md`; -216, -213 and -32 are from memory
/// of Zalo's OA docs [unverified] and only ever lead to mild actions.
const OA_CODES: &[(i64, Kind, &str)] = &[
    (-124, Kind::Auth, "access token invalid or expired"),
    (-216, Kind::Auth, "access token invalid"),
    (-230, Kind::Unreachable, "no interaction within 7 days"),
    (-213, Kind::Unreachable, "user does not follow the oa"),
    (-32, Kind::Later, "rate limit exceeded"),
    (-100, Kind::Retry, "zalo internal error"),
];

/// eSMS `CodeResult`s other than 100 (accepted) and 124 (duplicate).
const ESMS_CODES: &[(i64, Kind, &str)] = &[
    (101, Kind::Unavailable, "wrong api key or secret"),
    (103, Kind::Unavailable, "balance too low"),
    (104, Kind::Unavailable, "brandname not registered"),
    (140, Kind::Unavailable, "content not registered"),
    (146, Kind::Unavailable, "template not registered"),
    (108, Kind::Permanent, "malformed phone"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gateway {
    Zns,
    Oa,
    Esms,
}

impl Gateway {
    fn name(self) -> &'static str {
        match self {
            Gateway::Zns => "zns",
            Gateway::Oa => "zalo oa",
            Gateway::Esms => "esms",
        }
    }
}

/// Classifies a ZNS answer. `retry_after` is the parsed `Retry-After` header
/// (see [`parse_retry_after`]); `now` places a night refusal (-133) at the
/// next 06:00 local. Unknown error codes are `Permanent`: ZNS does not
/// deduplicate, so retrying an error we do not understand could double a
/// message.
pub fn classify_zns(
    http_status: u16,
    body: &str,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
) -> OutcomeClass {
    classify_zalo(
        Gateway::Zns,
        ZNS_CODES,
        "msg_id",
        http_status,
        body,
        retry_after,
        Some(now),
    )
}

/// Classifies a Zalo OA "cs" message answer. Unknown codes are `Permanent`,
/// for the same reason as ZNS.
pub fn classify_zalo_oa(
    http_status: u16,
    body: &str,
    retry_after: Option<Duration>,
) -> OutcomeClass {
    // OA has no night rule, so no clock is needed.
    classify_zalo(
        Gateway::Oa,
        OA_CODES,
        "message_id",
        http_status,
        body,
        retry_after,
        None,
    )
}

/// Classifies an eSMS answer. Unknown codes are `Retryable`: eSMS
/// deduplicates on `RequestId` for 24 hours, so a retry with the same id can
/// never double a message, and the attempt limit bounds the cost.
pub fn classify_esms(http_status: u16, body: &str, retry_after: Option<Duration>) -> OutcomeClass {
    let gw = Gateway::Esms;
    if let Some(class) = classify_http(gw, http_status, retry_after) {
        return class;
    }
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        return ambiguous(gw, "unparseable body");
    };
    let Some(code) = json.get("CodeResult").and_then(as_code) else {
        return ambiguous(gw, "no CodeResult");
    };
    let sms_id = json.get("SMSID").and_then(as_id);
    match code {
        100 => match sms_id {
            Some(provider_id) => OutcomeClass::Accepted { provider_id },
            None => ambiguous(gw, "accepted without SMSID"),
        },
        124 => OutcomeClass::Duplicate {
            provider_id: sms_id,
        },
        _ => from_table(gw, ESMS_CODES, code, retry_after, None).unwrap_or_else(|| {
            OutcomeClass::Retryable {
                reason: format!("esms {code} unmapped"),
            }
        }),
    }
}

/// Classifies a failure below HTTP: a connection that failed before the
/// request left is safe to retry; a timeout after it was sent may have
/// delivered the message.
pub fn classify_transport_error(sent: bool) -> OutcomeClass {
    if sent {
        OutcomeClass::Ambiguous {
            reason: "timeout after the request was sent".into(),
        }
    } else {
        OutcomeClass::Retryable {
            reason: "connection failed before sending".into(),
        }
    }
}

/// Parses a `Retry-After` header: delay-seconds or an HTTP date. A date in
/// the past gives zero.
pub fn parse_retry_after(header: &str, now: DateTime<Utc>) -> Option<Duration> {
    let header = header.trim();
    if let Ok(secs) = header.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(header)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

fn classify_zalo(
    gw: Gateway,
    table: &[(i64, Kind, &str)],
    id_field: &str,
    http_status: u16,
    body: &str,
    retry_after: Option<Duration>,
    now: Option<DateTime<Utc>>,
) -> OutcomeClass {
    if let Some(class) = classify_http(gw, http_status, retry_after) {
        return class;
    }
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        return ambiguous(gw, "unparseable body");
    };
    let Some(code) = json.get("error").and_then(as_code) else {
        return ambiguous(gw, "no error field");
    };
    if code == 0 {
        return match json
            .get("data")
            .and_then(|d| d.get(id_field))
            .and_then(as_id)
        {
            Some(provider_id) => OutcomeClass::Accepted { provider_id },
            None => ambiguous(gw, "success without message id"),
        };
    }
    from_table(gw, table, code, retry_after, now).unwrap_or_else(|| OutcomeClass::Permanent {
        reason: format!("{} {code} unmapped", gw.name()),
    })
}

/// Classifies by HTTP status alone; `None` for 2xx, where the body decides.
fn classify_http(gw: Gateway, status: u16, retry_after: Option<Duration>) -> Option<OutcomeClass> {
    let reason = format!("{} http {status}", gw.name());
    Some(match status {
        200..=299 => return None,
        429 => OutcomeClass::Reschedule {
            retry_after,
            reason,
        },
        // eSMS sends credentials in the body, so a 401 there is a config problem.
        401 if gw != Gateway::Esms => OutcomeClass::AuthExpired,
        401 | 403 | 404 | 405 => OutcomeClass::ChannelUnavailable { reason },
        408 | 500..=599 => OutcomeClass::Retryable { reason },
        400..=499 => OutcomeClass::Permanent { reason },
        // 1xx/3xx: the request was not processed here; the endpoint is misconfigured.
        _ => OutcomeClass::ChannelUnavailable { reason },
    })
}

fn from_table(
    gw: Gateway,
    table: &[(i64, Kind, &str)],
    code: i64,
    retry_after: Option<Duration>,
    now: Option<DateTime<Utc>>,
) -> Option<OutcomeClass> {
    let &(_, kind, what) = table.iter().find(|(c, _, _)| *c == code)?;
    let reason = format!("{} {code}: {what}", gw.name());
    Some(match kind {
        Kind::Auth => OutcomeClass::AuthExpired,
        Kind::Retry => OutcomeClass::Retryable { reason },
        Kind::Later => OutcomeClass::Reschedule {
            retry_after,
            reason,
        },
        Kind::Night => OutcomeClass::Reschedule {
            retry_after: now.map(until_zns_morning),
            reason,
        },
        Kind::Unreachable => OutcomeClass::RecipientUnreachable { reason },
        Kind::Unavailable => OutcomeClass::ChannelUnavailable { reason },
        Kind::Permanent => OutcomeClass::Permanent { reason },
    })
}

/// Time until ZNS sends again after -133. When our clock already says it is
/// not night, Zalo's clock differs from ours: in the morning retry in a few
/// minutes, in the evening wait for the next 06:00.
fn until_zns_morning(now: DateTime<Utc>) -> Duration {
    let local = to_local(now);
    let allowed = if ZNS_NIGHT.contains(local.time()) {
        ZNS_NIGHT.next_allowed(now, false)
    } else if local.time() < NOON {
        return Duration::from_secs(5 * 60);
    } else {
        match local.date_naive().succ_opt() {
            Some(tomorrow) => local_to_utc(tomorrow.and_time(ZNS_NIGHT.end)),
            None => now,
        }
    };
    (allowed - now).to_std().unwrap_or(Duration::ZERO)
}

const NOON: NaiveTime = hm(12, 0);

fn ambiguous(gw: Gateway, what: &str) -> OutcomeClass {
    OutcomeClass::Ambiguous {
        reason: format!("{}: {what}", gw.name()),
    }
}

/// Error codes arrive as numbers from Zalo and as strings from eSMS.
fn as_code(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
}

fn as_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

// Tests live in outcome/tests.rs: one per row of the gateway tables.
#[cfg(test)]
mod tests;
