//! Zalo OA tokens, shared by every worker through the `zalo_tokens` row.
//!
//! An access token lives about 25 hours; the refresh token lives three months and is
//! single-use: each refresh returns a new pair and burns the old refresh token. So the
//! pair lives in the database, and a refresh happens under a lock on that row, one at a
//! time across all processes; a worker that waited for the lock and finds the token
//! already replaced uses the new one without calling Zalo.
//!
//! # The crash window that remains
//!
//! Zalo rotates the pair when it answers, but we commit the new pair only after reading
//! that answer. If the process dies (or the connection drops, or the call times out after
//! Zalo acted on it) between Zalo's answer and our commit, the stored refresh token is
//! burned and the new one is lost; every later refresh is refused and Zalo channels report
//! `ChannelUnavailable`. No code can close this window (Zalo has no idempotent refresh).
//! The operator re-seeds: authorise the OA again in the Zalo developer console to get a
//! new access and refresh token, put them in `ZALO_ACCESS_TOKEN` / `ZALO_REFRESH_TOKEN`,
//! delete the stored row (`DELETE FROM zalo_tokens WHERE id = 1`) and restart the worker;
//! the first use seeds the table again from the environment.

use std::sync::Arc;

use chrono::TimeDelta;
use domain::Clock;
use entities::zalo_token::{ActiveModel, Entity, Model};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QuerySelect,
    Set, TryInsertResult,
};
use serde_json::Value;

use store::settings::gateways::{Secret, ZaloSettings};

/// The id of the only row.
const ROW_ID: i32 = 1;
/// Refresh this long before the stored expiry, so a send never races the deadline.
const EXPIRY_MARGIN: TimeDelta = TimeDelta::minutes(5);
/// How long a seeded access token is trusted: its real age is unknown, so it is refreshed
/// early, after which the expiry is Zalo's own.
const SEED_TRUST: TimeDelta = TimeDelta::hours(1);
/// Zalo's access-token lifetime, used when its answer omits `expires_in`.
const DEFAULT_LIFETIME_SECONDS: i64 = 90_000;

/// Why no usable access token could be had. Never carries a token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Reading or writing the token row failed.
    #[error("zalo token store: database: {0}")]
    Database(#[from] DbErr),
    /// The table is empty and `ZALO_REFRESH_TOKEN` is not set.
    #[error("no Zalo tokens stored and ZALO_REFRESH_TOKEN is not set to seed them")]
    NotSeeded,
    /// The OAuth endpoint could not be reached, or its answer could not be read.
    #[error("zalo oauth request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// Zalo refused the refresh (burned or expired refresh token, wrong app secret).
    #[error("zalo oauth refused the refresh: http {status}, error {code:?}")]
    Rejected { status: u16, code: Option<i64> },
    /// Zalo answered success without a token pair.
    #[error("zalo oauth answer has no token pair")]
    Malformed,
}

/// The initial token pair from the environment.
#[derive(Clone)]
struct Seed {
    access_token: Option<Secret>,
    refresh_token: Secret,
}

/// Hands out the Zalo OA access token and refreshes it, one refresh at a time across every
/// worker sharing the database.
pub struct ZaloTokenStore {
    db: DatabaseConnection,
    http: reqwest::Client,
    oauth_base: String,
    app_id: String,
    secret_key: Secret,
    seed: Option<Seed>,
    /// Decides when the stored access token is about to expire, and stamps the row.
    clock: Arc<dyn Clock>,
}

impl ZaloTokenStore {
    /// A store over `db`, calling Zalo's OAuth endpoint with `http`; `clock` says when the
    /// stored token expires.
    pub fn new(
        db: DatabaseConnection,
        http: reqwest::Client,
        settings: &ZaloSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
            clock,
            http,
            oauth_base: settings.oauth_base_url.clone(),
            app_id: settings.app_id.clone(),
            secret_key: settings.secret_key.clone(),
            seed: settings
                .seed_refresh_token
                .clone()
                .map(|refresh_token| Seed {
                    access_token: settings.seed_access_token.clone(),
                    refresh_token,
                }),
        }
    }

    /// The current access token. Seeds the table from the environment on first use, and
    /// refreshes first when the stored token is missing or about to expire.
    pub async fn access_token(&self) -> Result<String, TokenError> {
        let row = self.row_or_seed().await?;
        if row.access_token.is_empty() || row.access_expires_at <= self.clock.now() + EXPIRY_MARGIN
        {
            return self.refresh(&row.access_token).await;
        }
        Ok(row.access_token)
    }

    /// A new access token to replace `stale_access_token`, which Zalo refused or which
    /// expired. If another worker already replaced it, returns that replacement without
    /// calling Zalo; otherwise spends the stored refresh token and stores both new tokens
    /// before returning. Zalo is never called twice for one stale token.
    pub async fn refresh(&self, stale_access_token: &str) -> Result<String, TokenError> {
        self.row_or_seed().await?;
        let txn = store::db::begin_write(&self.db).await?;
        match self.refresh_locked(&txn, stale_access_token).await {
            Ok((token, changed)) => {
                if changed {
                    txn.commit().await?;
                    tracing::info!("zalo access token refreshed");
                } else {
                    txn.rollback().await?;
                }
                Ok(token)
            }
            Err(e) => {
                // Nothing was stored: the old pair stays (see the crash window above).
                if let Err(rollback) = txn.rollback().await {
                    tracing::warn!(error = %rollback, "zalo token refresh: rollback failed");
                }
                Err(e)
            }
        }
    }

    /// The refresh itself, inside `txn`; returns the token and whether the row changed.
    async fn refresh_locked(
        &self,
        txn: &DatabaseTransaction,
        stale_access_token: &str,
    ) -> Result<(String, bool), TokenError> {
        let now = self.clock.now();
        // SQLite has no row locks (`lock_exclusive` is a no-op there), but `txn` began with
        // `BEGIN IMMEDIATE` (see `store::db::begin_write`): it holds the database write lock,
        // so a second connection waits in its own `BEGIN` instead of reading the same refresh
        // token. PostgreSQL: SELECT … FOR UPDATE; a second worker blocks here until we commit,
        // then reads the new row.
        let row = Entity::find_by_id(ROW_ID)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(TokenError::NotSeeded)?;
        if row.access_token != stale_access_token {
            return Ok((row.access_token, false));
        }
        let fresh = self.call_zalo(&row.refresh_token).await?;
        let mut update: ActiveModel = row.into();
        update.access_token = Set(fresh.access_token.clone());
        update.refresh_token = Set(fresh.refresh_token);
        update.access_expires_at = Set(now + TimeDelta::seconds(fresh.expires_in));
        update.updated_at = Set(now);
        update.update(txn).await?;
        Ok((fresh.access_token, true))
    }

    /// The stored row, seeding it from the environment when the table is empty. Two
    /// workers seeding at once both insert with `ON CONFLICT DO NOTHING`; both then read
    /// the one row.
    async fn row_or_seed(&self) -> Result<Model, TokenError> {
        if let Some(row) = Entity::find_by_id(ROW_ID).one(&self.db).await? {
            return Ok(row);
        }
        let seed = self.seed.as_ref().ok_or(TokenError::NotSeeded)?;
        let now = self.clock.now();
        let (access_token, access_expires_at) = match &seed.access_token {
            Some(token) => (token.expose().to_owned(), now + SEED_TRUST),
            // No access token: the first use refreshes.
            None => (String::new(), now),
        };
        let inserted = Entity::insert(ActiveModel {
            id: Set(ROW_ID),
            access_token: Set(access_token),
            refresh_token: Set(seed.refresh_token.expose().to_owned()),
            access_expires_at: Set(access_expires_at),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing()
        .exec(&self.db)
        .await?;
        if matches!(inserted, TryInsertResult::Inserted(_)) {
            tracing::info!("zalo token table seeded from the environment");
        }
        Entity::find_by_id(ROW_ID)
            .one(&self.db)
            .await?
            .ok_or(TokenError::NotSeeded)
    }

    /// Spends `refresh_token` at Zalo's OAuth v4 endpoint.
    async fn call_zalo(&self, refresh_token: &str) -> Result<FreshTokens, TokenError> {
        let response = self
            .http
            .post(format!("{}/v4/oa/access_token", self.oauth_base))
            .header("secret_key", self.secret_key.expose())
            .form(&[
                ("app_id", self.app_id.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .map_err(TokenError::Transport)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(TokenError::Transport)?;
        parse_oauth_answer(status, &body)
    }
}

/// A token pair just issued by Zalo.
struct FreshTokens {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
}

/// Reads Zalo's OAuth answer: `{"access_token", "refresh_token", "expires_in"}` on success
/// (`expires_in` is a string of seconds), `{"error": <negative>, …}` on failure, the latter
/// sometimes with HTTP 200.
fn parse_oauth_answer(status: u16, body: &str) -> Result<FreshTokens, TokenError> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let code = json.as_ref().and_then(|j| j.get("error")).and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    if !(200..300).contains(&status) || code.is_some_and(|c| c != 0) {
        return Err(TokenError::Rejected { status, code });
    }
    let (Some(access_token), Some(refresh_token)) = (field("access_token"), field("refresh_token"))
    else {
        return Err(TokenError::Malformed);
    };
    let expires_in = json
        .as_ref()
        .and_then(|j| j.get("expires_in"))
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .filter(|s| *s > 0)
        .unwrap_or(DEFAULT_LIFETIME_SECONDS);
    Ok(FreshTokens {
        access_token,
        refresh_token,
        expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_success_with_string_expiry() {
        let t = parse_oauth_answer(
            200,
            r#"{"access_token":"a2","refresh_token":"r2","expires_in":"90000"}"#,
        )
        .expect("success");
        assert_eq!(
            (
                t.access_token.as_str(),
                t.refresh_token.as_str(),
                t.expires_in
            ),
            ("a2", "r2", 90_000)
        );
    }

    #[test]
    fn an_error_inside_http_200_is_a_rejection() {
        let answer = parse_oauth_answer(200, r#"{"error":-14014,"error_name":"Invalid"}"#);
        assert!(matches!(
            answer,
            Err(TokenError::Rejected {
                status: 200,
                code: Some(-14014)
            })
        ));
    }

    #[test]
    fn http_failure_and_missing_tokens_are_errors() {
        assert!(matches!(
            parse_oauth_answer(500, "oops"),
            Err(TokenError::Rejected {
                status: 500,
                code: None
            })
        ));
        assert!(matches!(
            parse_oauth_answer(200, r#"{"access_token":"a2"}"#),
            Err(TokenError::Malformed)
        ));
    }
}
