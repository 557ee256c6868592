//! Inbound webhooks: Zalo OA events (replies and delivery receipts), eSMS delivery
//! callbacks, and SMS replies to the two-way number (`sms_replies`).
//!
//! Zalo events are signed (`X-ZEvent-Signature: mac=<hex sha256(app_id + body + timestamp +
//! oa_secret_key)>`); eSMS callbacks are unsigned GETs, authenticated by the secret in the
//! callback URL. Either way a forged or stale request is refused and logged at warn, and each
//! accepted event is claimed by the SHA-256 of its content in `webhook_events` before it has
//! any effect, so a provider's retry or an attacker's replay does nothing twice.
//!
//! Receipts only move a message forward: `sending`, `sent` or `unconfirmed` become
//! `delivered` (or `failed` for an eSMS failure report on a `sent`/`unconfirmed` one); a
//! receipt never touches a message that is `delivered`, `failed`, `cancelled`, or not yet sent.
//! A receipt that arrives while the sender still holds the message (`sending`: the gateway
//! answered but the outcome is not written yet) wins: it releases the lease, so the sender's
//! late `sent` cannot overwrite `delivered`.
//!
//! Logs name the source, event and reason; never a body, phone number, Zalo id or text.

mod esms_callbacks;
mod replies;
mod sms_replies;
mod zalo_events;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use entities::webhook_event;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};
use sha2::{Digest, Sha256};

pub use self::esms_callbacks::esms;
pub use self::sms_replies::{MAX_SMS_AGE, SMS_SIGNATURE_HEADER, sms, sms_signature};
pub use self::zalo_events::{MAX_EVENT_AGE, ZALO_SIGNATURE_HEADER, zalo, zalo_signature};

/// Equality whose running time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lower-case hex SHA-256: the id of a processed event.
fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Whether an event was acted on now or had been already.
enum Processed {
    /// Acted on now.
    Now,
    /// Acted on by an earlier delivery of the same event.
    Before,
}

/// The provider's answer for an event that was handled (or failed): 200 whether it was acted
/// on now or before; 500 on failure, so the provider retries and the retry does the work
/// (a failed event is not claimed).
fn answer(source: &'static str, result: crate::error::AppResult<Processed>) -> StatusCode {
    match result {
        Ok(Processed::Now) => StatusCode::OK,
        Ok(Processed::Before) => {
            tracing::warn!(source, "repeated webhook ignored");
            StatusCode::OK
        }
        Err(e) => {
            tracing::error!(source, error = e.code(), "webhook failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Records the event as processed; false when it already was.
async fn claim(
    db: &impl ConnectionTrait,
    digest: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = webhook_event::ActiveModel {
        id: Set(digest.to_owned()),
        source: Set(source.to_owned()),
        received_at: Set(now),
    };
    // ON CONFLICT DO NOTHING: a duplicate does not abort a PostgreSQL transaction.
    let inserted = webhook_event::Entity::insert(row)
        .on_conflict(
            OnConflict::column(webhook_event::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
