//! Bearer tokens and API keys: random secrets shown once, stored only as SHA-256 hashes.
//!
//! Secrets are 256 random bits, so a fast hash is enough: there is nothing to brute-force
//! that a slow password hash would protect (unlike a human-chosen password).

use std::collections::BTreeSet;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use domain::access::{OfficerRole, Permission};
use entities::{access_token, account, api_key, api_key_commune, officer};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Principal;
use crate::error::{AppError, AppResult};

/// Prefix of officer and administrator bearer tokens.
pub const TOKEN_PREFIX: &str = "dht_";
/// Prefix of partner API keys.
pub const API_KEY_PREFIX: &str = "dhk_";

/// A new random secret with a recognisable prefix.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Resolves a presented secret to a principal; `None` when it is unknown, revoked or expired.
///
/// The only place where a secret is looked up: revocation and rotation take effect here on the
/// next request. A cache in front of it must keep that promise (invalidate on revoke/rotate).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Principal>> {
    if secret.starts_with(API_KEY_PREFIX) {
        authenticate_key(db, secret, now).await
    } else if secret.starts_with(TOKEN_PREFIX) {
        authenticate_token(db, secret, now).await
    } else {
        Ok(None)
    }
}

async fn authenticate_key(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Principal>> {
    let hash = hash_secret(secret);
    // The current secret, or the one it replaced while the rotation's overlap lasts.
    let Some(key) = api_key::Entity::find()
        .filter(
            Condition::any()
                .add(api_key::Column::KeyHash.eq(hash.as_str()))
                .add(
                    Condition::all()
                        .add(api_key::Column::PreviousKeyHash.eq(hash.as_str()))
                        .add(api_key::Column::PreviousKeyExpiresAt.gt(now)),
                ),
        )
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let permissions = key
        .scopes
        .split_whitespace()
        .filter_map(Permission::from_stored)
        .collect();
    let communes = api_key_commune::Entity::find()
        .filter(api_key_commune::Column::ApiKeyId.eq(key.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.commune_code)
        .collect();
    Ok(Some(Principal::Partner {
        key_id: key.id,
        permissions,
        communes,
    }))
}

async fn authenticate_token(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Principal>> {
    let Some(token) = access_token::Entity::find()
        .filter(access_token::Column::TokenHash.eq(hash_secret(secret)))
        .filter(access_token::Column::RevokedAt.is_null())
        .filter(access_token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(account) = account::Entity::find_by_id(token.account_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if account.disabled_at.is_some() {
        return Ok(None);
    }
    match (account.kind.as_str(), account.officer_id) {
        ("administrator", _) => Ok(Some(Principal::Administrator {
            account_id: account.id,
            province: account.province_code,
        })),
        ("officer", Some(officer_id)) => {
            let Some(officer) = officer::Entity::find_by_id(officer_id).one(db).await? else {
                return Ok(None);
            };
            let Some(role) = OfficerRole::from_stored(&officer.role).filter(|r| r.may_sign_in())
            else {
                return Ok(None);
            };
            if !officer.active {
                return Ok(None);
            }
            Ok(Some(Principal::Officer {
                account_id: account.id,
                officer_id,
                commune: officer.commune_code,
                province: officer.province_code,
                role,
            }))
        }
        _ => Ok(None),
    }
}

/// Creates an account (if `account_id` is new) and a bearer token for it; returns the secret.
pub async fn issue_token(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
    ttl: Duration,
) -> AppResult<(String, DateTime<Utc>)> {
    let secret = new_secret(TOKEN_PREFIX);
    let expires_at = now + ttl;
    access_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        token_hash: Set(hash_secret(&secret)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((secret, expires_at))
}

/// Creates an administrator account and its first token (the command-line bootstrap).
pub async fn bootstrap_administrator(
    db: &impl ConnectionTrait,
    display_name: &str,
    province: Option<String>,
    now: DateTime<Utc>,
    ttl: Duration,
) -> AppResult<(Uuid, String, DateTime<Utc>)> {
    if display_name.trim().is_empty() {
        return Err(AppError::field("name", "must not be empty"));
    }
    let account_id = Uuid::now_v7();
    account::ActiveModel {
        id: Set(account_id),
        kind: Set("administrator".into()),
        officer_id: Set(None),
        province_code: Set(province),
        display_name: Set(display_name.trim().to_owned()),
        created_at: Set(now),
        disabled_at: Set(None),
    }
    .insert(db)
    .await?;
    let (secret, expires_at) = issue_token(db, account_id, now, ttl).await?;
    Ok((account_id, secret, expires_at))
}

/// Parses API key scopes such as `clients:read orders:write`.
pub fn parse_scopes(scopes: &[String]) -> AppResult<BTreeSet<Permission>> {
    scopes
        .iter()
        .map(|s| {
            Permission::from_stored(s.trim()).ok_or_else(|| {
                let known: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                AppError::field(
                    "scopes",
                    format!("unknown scope {s:?}; known scopes: {}", known.join(", ")),
                )
            })
        })
        .collect()
}
