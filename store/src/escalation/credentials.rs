//! Acknowledgement codes and links of escalations.
//!
//! Both are derived from the escalation (and, for a link, the officer) with the link key, like
//! check-in links: every level's alert carries the same code without storing it in clear, and
//! only SHA-256 hashes are stored to find the escalation again. A code or link names exactly
//! one escalation; whether it still acknowledges is decided from that escalation's status.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use domain::escalation::{AckCode, ack_code};
use entities::{escalation_ack_code, escalation_ack_link};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, sea_query::OnConflict};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::links::{LinkKey, keyed_tag};

const CODE_CONTEXT: &[u8] = b"escalation-ack-code/v1:";
const LINK_CONTEXT: &[u8] = b"escalation-ack-link/v1:";
/// Characters of a link token (96 bits).
pub const LINK_TOKEN_LEN: usize = 16;

fn hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The stored form of a code (`escalation_ack_codes.code_hash`).
pub fn code_hash(code: &AckCode) -> String {
    hash(code.as_str())
}

/// Codes tried for one escalation before giving up: six characters from 31 collide between two
/// escalations about once in 887 million pairs, so a few a year at national scale, and a
/// second collision for the same escalation practically never.
const CODE_CHOICES: u8 = 8;

/// The acknowledgement code of an escalation, deterministic under the key: its first choice
/// (`choice` 0) and the alternatives used when an earlier choice is already another's.
pub fn code_for(key: &LinkKey, escalation_id: Uuid, choice: u8) -> AckCode {
    let mut payload = CODE_CONTEXT.to_vec();
    payload.extend_from_slice(escalation_id.as_bytes());
    if choice > 0 {
        // The first choice keeps the payload codes issued before alternatives existed had.
        payload.push(choice);
    }
    let tag = keyed_tag(key, &payload);
    let text: String = tag[..ack_code::CODE_LEN]
        .iter()
        .map(|b| char::from(ack_code::ALPHABET[usize::from(*b) % ack_code::ALPHABET.len()]))
        .collect();
    AckCode::parse(&text).unwrap_or_else(|| unreachable!("made from the alphabet"))
}

/// Records the code's hash for the escalation (idempotent) and returns the code: the first
/// choice that is not already another escalation's, so a code names exactly one escalation.
pub async fn issue_code(
    db: &impl ConnectionTrait,
    key: &LinkKey,
    escalation_id: Uuid,
    now: DateTime<Utc>,
) -> Result<AckCode, DbErr> {
    for choice in 0..CODE_CHOICES {
        let code = code_for(key, escalation_id, choice);
        let stored = code_hash(&code);
        // Inserts nothing when the code is taken, or when the escalation already holds a code
        // (this choice, or a later one found as the loop goes on).
        let inserted = escalation_ack_code::Entity::insert(escalation_ack_code::ActiveModel {
            code_hash: Set(stored.clone()),
            escalation_id: Set(escalation_id),
            created_at: Set(now),
        })
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
        if inserted == 1 {
            return Ok(code);
        }
        let holder = escalation_ack_code::Entity::find_by_id(stored)
            .one(db)
            .await?
            .map(|row| row.escalation_id);
        if holder == Some(escalation_id) {
            return Ok(code);
        }
    }
    Err(DbErr::Custom(format!(
        "no free acknowledgement code among {CODE_CHOICES} choices"
    )))
}

/// The escalation a code names, if any.
pub async fn escalation_of_code(
    db: &impl ConnectionTrait,
    code: &AckCode,
) -> Result<Option<Uuid>, DbErr> {
    Ok(escalation_ack_code::Entity::find_by_id(code_hash(code))
        .one(db)
        .await?
        .map(|row| row.escalation_id))
}

/// The link token of an escalation for one officer.
pub fn link_token(key: &LinkKey, escalation_id: Uuid, officer_id: Uuid) -> String {
    let mut payload = LINK_CONTEXT.to_vec();
    payload.extend_from_slice(escalation_id.as_bytes());
    payload.extend_from_slice(officer_id.as_bytes());
    URL_SAFE_NO_PAD.encode(&keyed_tag(key, &payload)[..12])
}

/// Records a link's hash (idempotent) and returns its URL.
pub async fn issue_link(
    db: &impl ConnectionTrait,
    key: &LinkKey,
    public_base_url: &str,
    escalation_id: Uuid,
    officer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = link_token(key, escalation_id, officer_id);
    escalation_ack_link::Entity::insert(escalation_ack_link::ActiveModel {
        token_hash: Set(hash(&token)),
        escalation_id: Set(escalation_id),
        officer_id: Set(officer_id),
        created_at: Set(now),
    })
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(link_url(public_base_url, &token))
}

/// The URL of an acknowledgement link.
pub fn link_url(public_base_url: &str, token: &str) -> String {
    format!("{}/e/{token}", public_base_url.trim_end_matches('/'))
}

/// The escalation and officer a link names, if it is one we issued.
pub async fn resolve_link(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(Uuid, Uuid)>, DbErr> {
    if token.len() != LINK_TOKEN_LEN {
        return Ok(None);
    }
    Ok(escalation_ack_link::Entity::find_by_id(hash(token))
        .one(db)
        .await?
        .map(|row| (row.escalation_id, row.officer_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> LinkKey {
        LinkKey::for_tests(vec![byte; 32])
    }

    #[test]
    fn codes_are_stable_per_escalation_and_keyed() {
        let id = Uuid::now_v7();
        let code = code_for(&key(7), id, 0);
        assert_eq!(code_for(&key(7), id, 0), code);
        assert_ne!(code_for(&key(7), Uuid::now_v7(), 0), code);
        assert_ne!(code_for(&key(8), id, 0), code);
        assert_ne!(code_for(&key(7), id, 1), code);
        assert_eq!(code.as_str().len(), ack_code::CODE_LEN);
    }

    #[test]
    fn link_tokens_name_escalation_and_officer() {
        let (e, o) = (Uuid::now_v7(), Uuid::now_v7());
        let token = link_token(&key(7), e, o);
        assert_eq!(token.len(), LINK_TOKEN_LEN);
        assert_ne!(link_token(&key(7), e, Uuid::now_v7()), token);
        assert_ne!(link_token(&key(7), Uuid::now_v7(), o), token);
    }
}
