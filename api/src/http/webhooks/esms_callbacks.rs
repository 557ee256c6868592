//! eSMS delivery callbacks: unsigned GETs, authenticated by the secret in the callback URL.

use std::collections::HashMap;
use store::outbox::{mark_delivered, mark_failed};

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
};
use entities::outbox_message;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::{Processed, claim, constant_time_eq, sha256_hex};
use crate::startup::AppState;

/// What an eSMS `SendStatus` means for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EsmsReport {
    /// 5: delivered to the handset.
    Delivered,
    /// 4 (rejected) or 6: will not be delivered.
    Failed(u16),
    /// 1 pending approval, 2 waiting, 7 at the carrier awaiting its report, or unknown.
    Pending,
}

fn esms_report(send_status: Option<u16>) -> EsmsReport {
    match send_status {
        Some(5) => EsmsReport::Delivered,
        Some(n @ (4 | 6)) => EsmsReport::Failed(n),
        _ => EsmsReport::Pending,
    }
}

/// A query parameter, matched without regard to case (eSMS writes `SMSID`, `SendStatus`).
fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// `GET /webhooks/esms/{secret}?SMSID=…&SendStatus=…`: eSMS delivery callback. 404 unless the
/// path secret equals `ESMS_CALLBACK_SECRET`; 400 without an `SMSID`; 200 otherwise, also for
/// an `SMSID` we never got back from eSMS (ignored) and for repeats (eSMS retries).
pub async fn esms(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> StatusCode {
    let Some(expected) = &state.settings.webhooks.esms_callback_secret else {
        return StatusCode::NOT_FOUND;
    };
    // Digests first, so neither the length nor the content of the secret leaks through timing.
    let given = Sha256::digest(secret.as_bytes());
    if !constant_time_eq(&given, &Sha256::digest(expected.expose().as_bytes())) {
        tracing::warn!(
            source = "esms",
            reason = "bad callback secret",
            "webhook rejected"
        );
        return StatusCode::NOT_FOUND;
    }
    let Some(sms_id) = param(&params, "SMSID") else {
        tracing::warn!(source = "esms", "callback without SMSID");
        return StatusCode::BAD_REQUEST;
    };
    let raw_status = param(&params, "SendStatus").unwrap_or_default();
    let report = esms_report(raw_status.parse().ok());
    let digest = sha256_hex(format!("esms\n{sms_id}\n{raw_status}").as_bytes());
    match process_esms(&state, &digest, sms_id, report).await {
        Ok(Some(Processed::Now)) => StatusCode::OK,
        Ok(Some(Processed::Before)) => {
            tracing::warn!(source = "esms", "repeated webhook ignored");
            StatusCode::OK
        }
        Ok(None) => {
            tracing::warn!(source = "esms", reason = "unknown SMSID", "webhook ignored");
            StatusCode::OK
        }
        Err(e) => {
            tracing::error!(source = "esms", error = %e, "webhook failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// `None` when no message has this SMSID (nothing is written).
async fn process_esms(
    state: &AppState,
    digest: &str,
    sms_id: &str,
    report: EsmsReport,
) -> Result<Option<Processed>, DbErr> {
    let now = state.clock.now();
    let txn = store::db::begin_write(&state.db).await?;
    let known = outbox_message::Entity::find()
        .filter(outbox_message::Column::ProviderMessageId.eq(sms_id))
        .one(&txn)
        .await?
        .is_some();
    if !known {
        return Ok(None);
    }
    if !claim(&txn, digest, "esms", now).await? {
        return Ok(Some(Processed::Before));
    }
    let updated = match report {
        EsmsReport::Delivered => mark_delivered(&txn, &[sms_id.to_owned()], None, now).await?,
        EsmsReport::Failed(code) => mark_failed(&txn, sms_id, code, now).await?,
        EsmsReport::Pending => 0,
    };
    txn.commit().await?;
    tracing::info!(source = "esms", report = ?report, updated, "delivery callback");
    Ok(Some(Processed::Now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esms_statuses() {
        assert_eq!(esms_report(Some(5)), EsmsReport::Delivered);
        assert_eq!(esms_report(Some(4)), EsmsReport::Failed(4));
        assert_eq!(esms_report(Some(6)), EsmsReport::Failed(6));
        for s in [Some(1), Some(2), Some(7), Some(99), None] {
            assert_eq!(esms_report(s), EsmsReport::Pending);
        }
    }
}
