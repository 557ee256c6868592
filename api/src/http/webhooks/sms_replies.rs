//! Inbound SMS to the deployment's two-way number (a long number or short code): the provider
//! forwards each message to `POST /webhooks/sms/{secret}`, and it goes through the same reply
//! handling as a Zalo reply (`replies::reply`).
//!
//! The call is a JSON body
//! `{"id": "<provider message id>", "from": "0912345678", "to": "8079", "text": "…",
//! "timestamp": <Unix seconds or milliseconds, number or string>}`; it is authenticated by the
//! secret in the path and, when the provider signs (`SMS_INBOUND_SIGNING_KEY` set), by
//! `X-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + raw body)>`, where `timestamp`
//! is the body's field exactly as written. A provider whose callback has another shape gets its
//! own parser here, in front of the same handling.
//!
//! Refused: a wrong path secret (404, as if the route did not exist), a missing or wrong
//! signature, a timestamp further than [`MAX_SMS_AGE`] from our clock (401), a message id
//! already processed (200, nothing done: the provider retries until it gets 200). A sender who
//! is neither a client nor an officer gets the same 200 as everyone and nothing happens: no
//! note, no answer by SMS, nothing in the log that names the number.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Duration, Utc};
use domain::Phone;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Processed, constant_time_eq, replies::reply, sha256_hex};
use crate::{
    http::webhook_settings::SmsInboundSettings, schedules::check_ins::ReplySender,
    startup::AppState,
};

/// Header carrying the provider's signature, where it signs.
pub const SMS_SIGNATURE_HEADER: &str = "x-signature";

/// An inbound SMS whose `timestamp` is further than this from our clock is refused: carriers
/// deliver a reply within seconds, and providers retry within minutes. Within the window the
/// message id catches repeats (ids are remembered for a day).
pub const MAX_SMS_AGE: Duration = Duration::minutes(15);

/// Longest text read from an inbound SMS: a concatenated SMS is at most a few segments.
const MAX_SMS_CHARS: usize = 1600;

/// The value of `X-Signature` for a body: `sha256=` and the lower-case hex of
/// `HMAC-SHA256(key, timestamp + "." + raw body)`.
pub fn sms_signature(key: &str, timestamp: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(sms_mac(key, timestamp, body)))
}

fn sms_mac(key: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The fields of an inbound SMS we read; everything else is ignored.
#[derive(Debug, Deserialize)]
struct InboundSms {
    id: String,
    from: String,
    to: String,
    text: String,
}

/// A checked inbound SMS.
#[derive(Debug)]
struct Verified {
    sms: InboundSms,
}

/// Checks signature (when the provider signs) and freshness; the message when both hold, else
/// why not (for the log).
fn verify(
    cfg: &SmsInboundSettings,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Verified, &'static str> {
    let json: Value = serde_json::from_slice(body).map_err(|_| "body is not JSON")?;
    let timestamp = match json.get("timestamp") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("no timestamp"),
    };
    if let Some(key) = &cfg.signing_key {
        let header = headers
            .get(SMS_SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or("missing signature")?;
        let given = header
            .trim()
            .strip_prefix("sha256=")
            .and_then(|h| hex::decode(h.trim()).ok())
            .ok_or("malformed signature")?;
        if !constant_time_eq(&given, &sms_mac(key.expose(), &timestamp, body)) {
            return Err("bad signature");
        }
    }
    let sent_at = parse_timestamp(&timestamp).ok_or("bad timestamp")?;
    if (now - sent_at).abs() > MAX_SMS_AGE {
        return Err("stale timestamp");
    }
    let sms: InboundSms = serde_json::from_value(json).map_err(|_| "unexpected shape")?;
    if sms.id.trim().is_empty() || sms.id.len() > 100 {
        return Err("bad message id");
    }
    Ok(Verified { sms })
}

/// Unix seconds, or milliseconds when the number is too large to be seconds.
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let n: i64 = s.trim().parse().ok()?;
    if n > 100_000_000_000 {
        DateTime::<Utc>::from_timestamp_millis(n)
    } else {
        DateTime::<Utc>::from_timestamp(n, 0)
    }
}

/// Digits only, so `+84 912…` and `84912…` compare equal.
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// `POST /webhooks/sms/{secret}`: an SMS sent to the two-way number. 404 when inbound SMS is
/// off or the secret is wrong, 401 for a forged or stale call, 400 for a signed body of another
/// shape, 200 for everything accepted (repeats, unknown senders and other numbers included).
pub async fn sms(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(cfg) = &state.settings.webhooks.sms_inbound else {
        return StatusCode::NOT_FOUND;
    };
    // Digests first, so neither the length nor the content of the secret leaks through timing.
    let given = Sha256::digest(secret.as_bytes());
    if !constant_time_eq(&given, &Sha256::digest(cfg.path_secret.expose().as_bytes())) {
        tracing::warn!(
            source = "sms",
            reason = "bad path secret",
            "webhook rejected"
        );
        return StatusCode::NOT_FOUND;
    }
    let now = state.clock.now();
    let sms = match verify(cfg, &headers, &body, now) {
        Ok(v) => v.sms,
        Err(reason @ "unexpected shape") | Err(reason @ "bad message id") => {
            tracing::warn!(source = "sms", reason, "webhook rejected");
            return StatusCode::BAD_REQUEST;
        }
        Err(reason) => {
            tracing::warn!(source = "sms", reason, "webhook rejected");
            return StatusCode::UNAUTHORIZED;
        }
    };
    if digits(&sms.to) != cfg.number {
        tracing::warn!(source = "sms", reason = "another number", "webhook ignored");
        return StatusCode::OK;
    }
    // The provider's message id is the event's identity: a replay with a new timestamp (and a
    // new signature) is still the same message.
    let digest = sha256_hex(format!("sms\n{}", sms.id.trim()).as_bytes());
    let text: String = sms.text.chars().take(MAX_SMS_CHARS).collect();
    // An unparseable number is an unknown sender: the same answer, nothing recorded but the id.
    let result = match Phone::parse(&sms.from) {
        Ok(p) => reply(&state, "sms", &digest, ReplySender::Phone(p), &text, now).await,
        Err(_) => claim_unknown(&state, &digest, now).await,
    };
    super::answer("sms", result)
}

/// Remembers the id of a message from a number that is not a phone, and does nothing else.
async fn claim_unknown(
    state: &AppState,
    digest: &str,
    now: DateTime<Utc>,
) -> crate::error::AppResult<Processed> {
    let txn = store::db::begin_write(&state.db).await?;
    let fresh = super::claim(&txn, digest, "sms", now).await?;
    txn.commit().await?;
    tracing::info!(source = "sms", outcome = "unknown_sender", "reply recorded");
    Ok(if fresh {
        Processed::Now
    } else {
        Processed::Before
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::settings::gateways::Secret;

    fn cfg(signing: bool) -> SmsInboundSettings {
        SmsInboundSettings {
            number: "8079".into(),
            path_secret: Secret::new("path-secret-0123456789"),
            signing_key: signing.then(|| Secret::new("signing-key-0123456789")),
        }
    }

    fn headers(sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(SMS_SIGNATURE_HEADER, sig.parse().expect("header"));
        h
    }

    #[test]
    fn signature_is_an_hmac_of_timestamp_and_body() {
        // printf '%s' '1.{}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sms_signature("key", "1", b"{}"),
            "sha256=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn verification_checks_signature_age_and_shape() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("instant");
        let ts = now.timestamp().to_string();
        let body = format!(
            r#"{{"id":"mo-1","from":"0912000001","to":"8079","text":"co","timestamp":{ts}}}"#
        );
        let key = "signing-key-0123456789";
        let good = sms_signature(key, &ts, body.as_bytes());
        assert!(verify(&cfg(true), &headers(&good), body.as_bytes(), now).is_ok());
        assert_eq!(
            verify(&cfg(true), &HeaderMap::new(), body.as_bytes(), now).err(),
            Some("missing signature")
        );
        let forged = sms_signature("guess", &ts, body.as_bytes());
        assert_eq!(
            verify(&cfg(true), &headers(&forged), body.as_bytes(), now).err(),
            Some("bad signature")
        );
        // Without a signing key the path secret alone authenticates.
        assert!(verify(&cfg(false), &HeaderMap::new(), body.as_bytes(), now).is_ok());
        let later = now + MAX_SMS_AGE + Duration::seconds(1);
        assert_eq!(
            verify(&cfg(true), &headers(&good), body.as_bytes(), later).err(),
            Some("stale timestamp")
        );
        // Milliseconds are recognised.
        let ms = now.timestamp_millis().to_string();
        let body =
            format!(r#"{{"id":"mo-2","from":"x","to":"8079","text":"","timestamp":"{ms}"}}"#);
        let sig = sms_signature(key, &ms, body.as_bytes());
        assert!(verify(&cfg(true), &headers(&sig), body.as_bytes(), now).is_ok());
    }
}
