//! One-tap check-in links: `/c/<token>`, where the token names an occurrence and an expiry and
//! is signed with a key kept in the database (`app_secrets`), so API and workers agree.
//!
//! A token reveals nothing by itself (an id and a time, base64); the page it opens shows no
//! name, and once the occurrence has a check-in the link only says it is no longer valid.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entities::app_secret;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};
use sha2::Sha256;
use uuid::Uuid;

const KEY_NAME: &str = "check_in_link_key";
const MAC_LEN: usize = 16;

/// The signing key of check-in links.
#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

/// Why a link was refused; the page shows the same neutral text for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a token we made, or tampered with.
    #[error("invalid link")]
    Invalid,
    /// The check-in window has closed.
    #[error("expired link")]
    Expired,
}

/// Loads the key, creating it on first use (concurrent creators agree on the stored one).
pub async fn key(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<LinkKey, DbErr> {
    if let Some(row) = app_secret::Entity::find_by_id(KEY_NAME.to_owned())
        .one(db)
        .await?
    {
        return decode_key(&row.value);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let row = app_secret::ActiveModel {
        name: Set(KEY_NAME.to_owned()),
        value: Set(hex::encode(bytes)),
        created_at: Set(now),
    };
    app_secret::Entity::insert(row)
        .on_conflict(
            OnConflict::column(app_secret::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let row = app_secret::Entity::find_by_id(KEY_NAME.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("link key vanished".into()))?;
    decode_key(&row.value)
}

fn decode_key(hex_value: &str) -> Result<LinkKey, DbErr> {
    hex::decode(hex_value)
        .map(LinkKey)
        .map_err(|_| DbErr::Custom("corrupt link key".into()))
}

fn mac(key: &LinkKey, payload: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(payload);
    m.finalize().into_bytes()[..MAC_LEN].to_vec()
}

/// A token for an occurrence, valid until `expires_at`.
pub fn sign(key: &LinkKey, occurrence_id: Uuid, expires_at: DateTime<Utc>) -> String {
    let mut payload = occurrence_id.as_bytes().to_vec();
    payload.extend_from_slice(&expires_at.timestamp().to_be_bytes());
    let tag = mac(key, &payload);
    payload.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(payload)
}

/// Checks a token: the occurrence it names, if genuine and not expired at `now`.
pub fn verify(key: &LinkKey, token: &str, now: DateTime<Utc>) -> Result<Uuid, LinkError> {
    let raw = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| LinkError::Invalid)?;
    if raw.len() != 16 + 8 + MAC_LEN {
        return Err(LinkError::Invalid);
    }
    let (payload, tag) = raw.split_at(24);
    let expected = mac(key, payload);
    // Constant-time comparison: the tag must not be guessable byte by byte.
    let diff = expected
        .iter()
        .zip(tag)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff != 0 {
        return Err(LinkError::Invalid);
    }
    let id = Uuid::from_slice(&payload[..16]).map_err(|_| LinkError::Invalid)?;
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&payload[16..24]);
    if now.timestamp() >= i64::from_be_bytes(ts) {
        return Err(LinkError::Expired);
    }
    Ok(id)
}

/// The full URL of a check-in link.
pub fn url(public_base_url: &str, token: &str) -> String {
    format!("{}/c/{token}", public_base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn signed_links_verify_until_they_expire_and_resist_tampering() {
        let key = LinkKey(vec![7; 32]);
        let id = Uuid::now_v7();
        let expires = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        let token = sign(&key, id, expires);
        assert_eq!(
            verify(&key, &token, expires - chrono::Duration::seconds(1)),
            Ok(id)
        );
        assert_eq!(verify(&key, &token, expires), Err(LinkError::Expired));
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[20] ^= 1;
        assert_eq!(
            verify(&key, &URL_SAFE_NO_PAD.encode(&bytes), expires),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            verify(&LinkKey(vec![8; 32]), &token, expires),
            Err(LinkError::Invalid)
        );
        assert_eq!(verify(&key, "garbage", expires), Err(LinkError::Invalid));
    }
}
