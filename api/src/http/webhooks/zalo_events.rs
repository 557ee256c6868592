//! Zalo OA events: signature and freshness checks, then replies and delivery receipts.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use store::outbox::mark_delivered;
use uuid::Uuid;

use super::{Processed, claim, constant_time_eq, replies::reply, sha256_hex};
use crate::{error::AppResult, startup::AppState};

/// Header carrying the Zalo event signature.
pub const ZALO_SIGNATURE_HEADER: &str = "x-zevent-signature";

/// A Zalo event whose `timestamp` is further than this from our clock is refused: older ones
/// are replays (newer ones a skewed or forged clock). Within the window, the digest store
/// catches repeats.
pub const MAX_EVENT_AGE: Duration = Duration::minutes(5);

/// The value of `X-ZEvent-Signature` for an event: `mac=` and the lower-case hex of
/// `sha256(app_id + raw_body + timestamp + oa_secret_key)`, where `timestamp` is the event's
/// `timestamp` field exactly as written in the body.
pub fn zalo_signature(app_id: &str, body: &[u8], timestamp: &str, oa_secret_key: &str) -> String {
    format!(
        "mac={}",
        hex::encode(zalo_mac(app_id, body, timestamp, oa_secret_key))
    )
}

fn zalo_mac(app_id: &str, body: &[u8], timestamp: &str, oa_secret_key: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(app_id.as_bytes());
    h.update(body);
    h.update(timestamp.as_bytes());
    h.update(oa_secret_key.as_bytes());
    h.finalize().into()
}

/// The parts of a Zalo OA event we read; everything else is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ZaloEvent {
    event_name: String,
    sender: Option<ZaloParty>,
    /// `follow` and `unfollow` name the account in `follower`.
    follower: Option<ZaloParty>,
    message: Option<ZaloMessage>,
}

#[derive(Debug, Deserialize)]
struct ZaloParty {
    id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ZaloMessage {
    text: Option<String>,
    msg_id: Option<String>,
    /// `user_seen_message` lists every message seen.
    msg_ids: Vec<String>,
    /// Echo of the ZNS `tracking_id`: our outbox message id.
    tracking_id: Option<String>,
}

/// Checks signature and freshness; the parsed event when both hold, else why not (for the log).
fn verify_zalo(
    app_id: &str,
    oa_secret_key: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Value, &'static str> {
    let header = headers
        .get(ZALO_SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or("missing signature")?;
    let given = header
        .trim()
        .strip_prefix("mac=")
        .and_then(|h| hex::decode(h.trim()).ok())
        .ok_or("malformed signature")?;
    let json: Value = serde_json::from_slice(body).map_err(|_| "body is not JSON")?;
    let timestamp = match json.get("timestamp") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("no timestamp"),
    };
    let expected = zalo_mac(app_id, body, &timestamp, oa_secret_key);
    if !constant_time_eq(&given, &expected) {
        return Err("bad signature");
    }
    let sent_at = timestamp
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or("bad timestamp")?;
    if (now - sent_at).abs() > MAX_EVENT_AGE {
        return Err("stale timestamp");
    }
    Ok(json)
}

/// `POST /webhooks/zalo`: Zalo OA events. 404 when `ZALO_OA_SECRET_KEY` is not set, 401 for a
/// missing, forged or stale signature, 200 for everything accepted (repeats included, since
/// Zalo retries until it gets 200).
pub async fn zalo(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(cfg) = &state.settings.webhooks.zalo else {
        return StatusCode::NOT_FOUND;
    };
    let now = state.clock.now();
    let json = match verify_zalo(
        &cfg.app_id,
        cfg.oa_secret_key.expose(),
        &headers,
        &body,
        now,
    ) {
        Ok(json) => json,
        Err(reason) => {
            tracing::warn!(source = "zalo", reason, "webhook rejected");
            return StatusCode::UNAUTHORIZED;
        }
    };
    let Ok(event) = serde_json::from_value::<ZaloEvent>(json) else {
        tracing::warn!(source = "zalo", "signed event of an unexpected shape");
        return StatusCode::BAD_REQUEST;
    };
    let digest = sha256_hex(&body);
    super::answer("zalo", process_zalo(&state, &digest, event, now).await)
}

async fn process_zalo(
    state: &AppState,
    digest: &str,
    event: ZaloEvent,
    now: DateTime<Utc>,
) -> AppResult<Processed> {
    let message = event.message.unwrap_or_default();
    if event.event_name == "user_send_text" {
        let (Some(sender), Some(text)) = (event.sender, message.text) else {
            return claim_only(state, digest, now).await;
        };
        let sender = crate::schedules::check_ins::ReplySender::ZaloUser(sender.id);
        return reply(state, "zalo", digest, sender, &text, now).await;
    }
    let txn = store::db::begin_write(&state.db).await?;
    if !claim(&txn, digest, "zalo", now).await? {
        return Ok(Processed::Before);
    }
    match event.event_name.as_str() {
        "user_received_message" | "user_seen_message" => {
            let mut ids = message.msg_ids;
            ids.extend(message.msg_id);
            let ours = message
                .tracking_id
                .as_deref()
                .and_then(|t| Uuid::parse_str(t.trim()).ok());
            let updated = mark_delivered(&txn, &ids, ours, now).await?;
            tracing::info!(source = "zalo", event = %event.event_name, updated, "delivery receipt");
        }
        // The follower's id names no client: an account is linked only by the code of an
        // invitation ("DK <code>", see `schedules::zalo_invitations`) or by an officer
        // (`updateClient`), never by guesswork. An account already linked (it followed again)
        // has its OA window opened.
        "follow" => {
            let refreshed = match event.follower.or(event.sender) {
                Some(f) => store::zalo_invitations::followed(&txn, &f.id, now).await?,
                None => 0,
            };
            tracing::info!(source = "zalo", event = "follow", refreshed, "OA follower");
        }
        "unfollow" => {
            let marked = match event.follower.or(event.sender) {
                Some(f) => store::zalo_invitations::unfollowed(&txn, &f.id, now).await?,
                None => 0,
            };
            tracing::info!(
                source = "zalo",
                event = "unfollow",
                marked,
                "OA follower left"
            );
        }
        other => tracing::debug!(source = "zalo", event = other, "event ignored"),
    }
    txn.commit().await?;
    Ok(Processed::Now)
}

async fn claim_only(state: &AppState, digest: &str, now: DateTime<Utc>) -> AppResult<Processed> {
    let txn = store::db::begin_write(&state.db).await?;
    let fresh = claim(&txn, digest, "zalo", now).await?;
    txn.commit().await?;
    Ok(if fresh {
        Processed::Now
    } else {
        Processed::Before
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_sha256() {
        // printf '%s' 'app1{"timestamp":"1"}1secret' | sha256sum
        let sig = zalo_signature("app1", br#"{"timestamp":"1"}"#, "1", "secret");
        assert_eq!(sig, format!("mac={}", EXPECTED_VECTOR));
    }

    const EXPECTED_VECTOR: &str =
        "5f3bd7b0de44531db20e1fb8ae7332b5a6a767136124a61f7c08dc90d3cb676a";

    fn headers(sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ZALO_SIGNATURE_HEADER, sig.parse().expect("header"));
        h
    }

    #[test]
    fn verification_checks_signature_and_age() {
        let now = DateTime::<Utc>::from_timestamp_millis(1_800_000_000_000).expect("instant");
        let ts = now.timestamp_millis().to_string();
        let body = format!(r#"{{"event_name":"follow","timestamp":"{ts}"}}"#);
        let good = zalo_signature("app", body.as_bytes(), &ts, "k");
        assert!(verify_zalo("app", "k", &headers(&good), body.as_bytes(), now).is_ok());
        let upper = good.to_uppercase().replacen("MAC=", "mac=", 1);
        assert!(verify_zalo("app", "k", &headers(&upper), body.as_bytes(), now).is_ok());
        assert_eq!(
            verify_zalo("app", "other", &headers(&good), body.as_bytes(), now),
            Err("bad signature")
        );
        assert_eq!(
            verify_zalo("app", "k", &HeaderMap::new(), body.as_bytes(), now),
            Err("missing signature")
        );
        let later = now + MAX_EVENT_AGE + Duration::seconds(1);
        assert_eq!(
            verify_zalo("app", "k", &headers(&good), body.as_bytes(), later),
            Err("stale timestamp")
        );
        // A numeric timestamp is signed as its decimal digits.
        let body = format!(r#"{{"event_name":"follow","timestamp":{ts}}}"#);
        let sig = zalo_signature("app", body.as_bytes(), &ts, "k");
        assert!(verify_zalo("app", "k", &headers(&sig), body.as_bytes(), now).is_ok());
    }
}
