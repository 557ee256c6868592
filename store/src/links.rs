//! One-tap check-in links: `/c/<token>` on the public base URL.
//!
//! A link is short, so that a prompt with its link fits one SMS segment: the token is 16
//! base64url characters, the first 96 bits of an HMAC of the occurrence id under a key kept in
//! the database (`app_secrets`), so API and workers derive the same token for an occurrence
//! (prompt, nudge and the `checkInLink` mutation agree, re-planning writes nothing new) and
//! nobody without the key can guess one. Only the token's SHA-256 is stored
//! (`check_in_links`), to find the occurrence when the link is opened.
//!
//! Links issued before short links (54 characters: the occurrence id, an expiry and a 128-bit
//! tag) keep working: [`resolve`] checks their signature. A token reveals nothing by itself and
//! the page it opens shows no name; what it may do is decided from the occurrence.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entities::{app_secret, check_in_link};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const KEY_NAME: &str = "check_in_link_key";
const MAC_LEN: usize = 16;
/// Bytes of a short token: 96 bits, 16 base64url characters.
const SHORT_TOKEN_BYTES: usize = 12;
const _: () = assert!(SHORT_TOKEN_BYTES <= MAC_LEN);
/// Characters of a short token.
pub const SHORT_TOKEN_LEN: usize = 16;
/// Domain separation: a short token is never a prefix of some other MAC made with the key.
const SHORT_TOKEN_CONTEXT: &[u8] = b"check-in-link/v2:";

/// The signing key of check-in links.
#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl LinkKey {
    /// A key from raw bytes, for unit tests of code derived with it.
    #[doc(hidden)]
    pub fn for_tests(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

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

/// A keyed tag of `payload` (HMAC-SHA-256, first 128 bits) under the link key, for other
/// short credentials derived the same way (escalation acknowledgement codes and links). The
/// caller prefixes its own context so tags of different kinds never coincide.
pub fn keyed_tag(key: &LinkKey, payload: &[u8]) -> Vec<u8> {
    mac(key, payload)
}

/// The short token of an occurrence: deterministic, unguessable without the key.
pub fn short_token(key: &LinkKey, occurrence_id: Uuid) -> String {
    let mut payload = SHORT_TOKEN_CONTEXT.to_vec();
    payload.extend_from_slice(occurrence_id.as_bytes());
    URL_SAFE_NO_PAD.encode(&mac(key, &payload)[..SHORT_TOKEN_BYTES])
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues the link of an occurrence (in the caller's transaction): records its token's hash,
/// once, and returns the token. Calling it again for the same occurrence changes nothing.
pub async fn issue(
    db: &impl ConnectionTrait,
    key: &LinkKey,
    occurrence_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = short_token(key, occurrence_id);
    check_in_link::Entity::insert(check_in_link::ActiveModel {
        token_hash: Set(token_hash(&token)),
        occurrence_id: Set(occurrence_id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(check_in_link::Column::TokenHash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// The occurrence a link names, if it is one we issued: a short token through its record, an
/// older signed token by its signature. Whether the link may still be used is the occurrence's
/// business (its window and status), so expiry is not judged here.
pub async fn resolve(
    db: &impl ConnectionTrait,
    key: &LinkKey,
    token: &str,
) -> Result<Option<Uuid>, DbErr> {
    if token.len() == SHORT_TOKEN_LEN {
        // Compared by hash in the index; a forged token has no row.
        return Ok(check_in_link::Entity::find_by_id(token_hash(token))
            .one(db)
            .await?
            .map(|row| row.occurrence_id));
    }
    Ok(verify(key, token, DateTime::<Utc>::MIN_UTC).ok())
}

/// A token of the form issued before short links, for an occurrence, valid until
/// `expires_at`. New links are made with [`issue`]; this remains so that links already sent
/// can be checked ([`verify`]) and tested.
pub fn sign(key: &LinkKey, occurrence_id: Uuid, expires_at: DateTime<Utc>) -> String {
    let mut payload = occurrence_id.as_bytes().to_vec();
    payload.extend_from_slice(&expires_at.timestamp().to_be_bytes());
    let tag = mac(key, &payload);
    payload.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(payload)
}

/// Checks a token of the older, signed form: the occurrence it names, if genuine and not
/// expired at `now`.
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

    #[test]
    fn short_tokens_are_short_stable_and_keyed() {
        let key = LinkKey(vec![7; 32]);
        let id = Uuid::now_v7();
        let token = short_token(&key, id);
        assert_eq!(token.len(), SHORT_TOKEN_LEN);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{token}"
        );
        assert_eq!(
            short_token(&key, id),
            token,
            "the same link for prompt and nudge"
        );
        assert_ne!(short_token(&key, Uuid::now_v7()), token);
        assert_ne!(short_token(&LinkKey(vec![8; 32]), id), token);
        // Never the length of an old signed token, so the two forms cannot be confused.
        let old = sign(
            &key,
            id,
            Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap(),
        );
        assert_ne!(old.len(), SHORT_TOKEN_LEN);
        assert_eq!(
            url("https://donghanh.sotuphap-hanoi.gov.vn/", &token).len(),
            "https://donghanh.sotuphap-hanoi.gov.vn/c/".len() + 16
        );
    }
}
