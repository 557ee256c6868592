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
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, Set,
    sea_query::{Expr, ExprTrait, Query},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Principal, cache::CredentialCache};
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
/// next request. [`authenticate_cached`] puts a short-lived cache in front of it.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Principal>> {
    Ok(resolve(db, &hash_secret(secret), secret, now)
        .await?
        .map(|(p, _)| p))
}

/// [`authenticate`] through `cache`: a secret seen in the last few seconds costs no database
/// round trip (see [`CredentialCache`] for how revocation still takes effect).
pub async fn authenticate_cached(
    db: &impl ConnectionTrait,
    cache: &CredentialCache,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Principal>> {
    let hash = hash_secret(secret);
    if let Some(principal) = cache.get(&hash, now) {
        return Ok(Some(principal));
    }
    let Some((principal, expires_at)) = resolve(db, &hash, secret, now).await? else {
        return Ok(None);
    };
    cache.put(hash, principal.clone(), now, expires_at);
    Ok(Some(principal))
}

/// The principal of a secret and when the credential stops being valid (if it does).
async fn resolve(
    db: &impl ConnectionTrait,
    hash: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<(Principal, Option<DateTime<Utc>>)>> {
    if secret.starts_with(API_KEY_PREFIX) {
        authenticate_key(db, hash, now).await
    } else if secret.starts_with(TOKEN_PREFIX) {
        authenticate_token(db, hash, now).await
    } else {
        Ok(None)
    }
}

async fn authenticate_key(
    db: &impl ConnectionTrait,
    hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<(Principal, Option<DateTime<Utc>>)>> {
    // The current secret, or the one it replaced while the rotation's overlap lasts.
    let Some(key) = api_key::Entity::find()
        .filter(
            Condition::any().add(api_key::Column::KeyHash.eq(hash)).add(
                Condition::all()
                    .add(api_key::Column::PreviousKeyHash.eq(hash))
                    .add(api_key::Column::PreviousKeyExpiresAt.gt(now)),
            ),
        )
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // A replaced secret works only until its overlap ends.
    let expires_at = if key.key_hash == hash {
        None
    } else {
        key.previous_key_expires_at
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
    Ok(Some((
        Principal::Partner {
            key_id: key.id,
            permissions,
            communes,
        },
        expires_at,
    )))
}

/// A bearer token with its account and (for officers) officer, read in one statement.
#[derive(Debug, FromQueryResult)]
struct TokenHolder {
    expires_at: DateTime<Utc>,
    account_id: Uuid,
    kind: String,
    disabled_at: Option<DateTime<Utc>>,
    account_province: Option<String>,
    officer_id: Option<Uuid>,
    officer_commune: Option<String>,
    officer_province: Option<String>,
    officer_role: Option<String>,
    officer_active: Option<bool>,
}

async fn authenticate_token(
    db: &impl ConnectionTrait,
    hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<(Principal, Option<DateTime<Utc>>)>> {
    use access_token::Column as T;
    use account::Column as A;
    use officer::Column as O;
    let query = Query::select()
        .expr_as(
            Expr::col((access_token::Entity, T::ExpiresAt)),
            "expires_at",
        )
        .expr_as(Expr::col((account::Entity, A::Id)), "account_id")
        .expr_as(Expr::col((account::Entity, A::Kind)), "kind")
        .expr_as(Expr::col((account::Entity, A::DisabledAt)), "disabled_at")
        .expr_as(
            Expr::col((account::Entity, A::ProvinceCode)),
            "account_province",
        )
        .expr_as(Expr::col((officer::Entity, O::Id)), "officer_id")
        .expr_as(
            Expr::col((officer::Entity, O::CommuneCode)),
            "officer_commune",
        )
        .expr_as(
            Expr::col((officer::Entity, O::ProvinceCode)),
            "officer_province",
        )
        .expr_as(Expr::col((officer::Entity, O::Role)), "officer_role")
        .expr_as(Expr::col((officer::Entity, O::Active)), "officer_active")
        .from(access_token::Entity)
        .inner_join(
            account::Entity,
            Expr::col((account::Entity, A::Id)).equals((access_token::Entity, T::AccountId)),
        )
        .left_join(
            officer::Entity,
            Expr::col((officer::Entity, O::Id)).equals((account::Entity, A::OfficerId)),
        )
        .and_where(Expr::col((access_token::Entity, T::TokenHash)).eq(hash))
        .and_where(Expr::col((access_token::Entity, T::RevokedAt)).is_null())
        .and_where(Expr::col((access_token::Entity, T::ExpiresAt)).gt(now))
        .to_owned();
    let statement = db.get_database_backend().build(&query);
    let Some(row) = TokenHolder::find_by_statement(statement).one(db).await? else {
        return Ok(None);
    };
    if row.disabled_at.is_some() {
        return Ok(None);
    }
    let principal = match (row.kind.as_str(), row.officer_id) {
        ("administrator", _) => Principal::Administrator {
            account_id: row.account_id,
            province: row.account_province,
        },
        ("officer", Some(officer_id)) => {
            let (Some(role), Some(true), Some(province)) = (
                row.officer_role
                    .as_deref()
                    .and_then(OfficerRole::from_stored),
                row.officer_active,
                row.officer_province,
            ) else {
                return Ok(None);
            };
            if !role.may_sign_in() {
                return Ok(None);
            }
            Principal::Officer {
                account_id: row.account_id,
                officer_id,
                commune: row.officer_commune,
                province,
                role,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some((principal, Some(row.expires_at))))
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
