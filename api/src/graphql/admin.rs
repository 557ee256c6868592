//! Administration: API keys, legal regimes, the audit log.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::audit_entry;

use super::date::Date;
use super::{
    env, ids,
    pagination::{CountedConnection, connection, uuid_page},
    scalars::{AgeGroup, Permission, RehabKind},
};
use crate::{
    audit,
    registry::{api_keys, regimes},
};

/// A partner app's API key (the secret itself is never shown again).
#[derive(SimpleObject)]
pub struct ApiKey {
    /// Opaque id.
    pub id: ID,
    /// Name of the partner app.
    pub name: String,
    /// What the key may do.
    pub scopes: Vec<Permission>,
    /// Communes it may reach.
    pub commune_codes: Vec<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the secret was last rotated.
    pub rotated_at: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still works.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

impl From<api_keys::ApiKeyView> for ApiKey {
    fn from(v: api_keys::ApiKeyView) -> Self {
        Self {
            id: ids::encode("ApiKey", v.key.id),
            name: v.key.name,
            scopes: v
                .key
                .scopes
                .split_whitespace()
                .filter_map(domain::access::Permission::from_stored)
                .map(Into::into)
                .collect(),
            commune_codes: v.communes,
            created_at: v.key.created_at,
            revoked_at: v.key.revoked_at,
            rotated_at: v.key.rotated_at,
            previous_secret_expires_at: v.key.previous_key_expires_at,
        }
    }
}

/// One rule of a legal regime.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "RegimeRuleInput")]
pub struct RegimeRule {
    /// Rehab kind covered.
    pub rehab_kind: RehabKind,
    /// Age group covered.
    pub age_group: AgeGroup,
    /// Months of management.
    pub months: u32,
}

/// A legal regime: period rules for decisions dated within its range.
#[derive(SimpleObject)]
pub struct LegalRegime {
    /// Opaque id.
    pub id: ID,
    /// Stable code, e.g. `LAW_73_2021`.
    pub code: String,
    /// Human name.
    pub name: String,
    /// First decision date covered.
    pub effective_from: Date,
    /// Last decision date covered.
    pub effective_to: Option<Date>,
    /// Period rules.
    pub rules: Vec<RegimeRule>,
}

impl From<regimes::StoredRegime> for LegalRegime {
    fn from(s: regimes::StoredRegime) -> Self {
        Self {
            id: ids::encode("LegalRegime", s.id),
            code: s.regime.code,
            name: s.name,
            effective_from: s.regime.effective_from.into(),
            effective_to: s.regime.effective_to.map(Date),
            rules: s
                .regime
                .rules
                .into_iter()
                .map(|r| RegimeRule {
                    rehab_kind: r.rehab_kind.into(),
                    age_group: r.age_group.into(),
                    months: r.months,
                })
                .collect(),
        }
    }
}

/// One audited action.
#[derive(SimpleObject)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// `administrator`, `officer`, `api_key`.
    pub actor_kind: String,
    /// Account or key id (raw UUID).
    pub actor_id: Option<String>,
    /// What, e.g. `client.create`, `read_sensitive`.
    pub action: String,
    /// Kind of record.
    pub entity_type: String,
    /// The record's raw UUID.
    pub entity_id: Option<String>,
    /// The record's commune.
    pub commune_code: Option<String>,
    /// Request id, to find the logs.
    pub request_id: Option<String>,
    /// Field names or a short note; never a value.
    pub detail: Option<String>,
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(m: audit_entry::Model) -> Self {
        Self {
            at: m.at,
            actor_kind: m.actor_kind,
            actor_id: m.actor_id.map(|id| id.to_string()),
            action: m.action,
            entity_type: m.entity_type,
            entity_id: m.entity_id.map(|id| id.to_string()),
            commune_code: m.commune_code,
            request_id: m.request_id,
            detail: m.detail,
        }
    }
}

/// Filter of `auditLog`.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Kind of record, e.g. `client`.
    pub entity_type: Option<String>,
    /// A record's opaque id (Client, Officer, SupervisionOrder).
    pub entity_id: Option<ID>,
    /// Action, e.g. `read_sensitive`.
    pub action: Option<String>,
}

fn any_entity_id(id: &ID) -> Result<uuid::Uuid> {
    for kind in [
        "Client",
        "Officer",
        "SupervisionOrder",
        "Appointment",
        "CheckInPlan",
        "CheckInOccurrence",
        "ApiKey",
        "LegalRegime",
        "ChannelPrice",
    ] {
        if let Ok(uuid) = ids::decode(kind, "filter.entityId", id) {
            return Ok(uuid);
        }
    }
    Err(crate::error::AppError::field("filter.entityId", "not an id returned by this API").into())
}

/// Administration queries.
#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// API keys (administrators).
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<ApiKey>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let page = api_keys::list(db, rc, page).await?;
        Ok(connection(page, |v| v.key.id.to_string(), ApiKey::from))
    }

    /// Legal regimes, oldest first.
    async fn legal_regimes(&self, ctx: &Context<'_>) -> Result<Vec<LegalRegime>> {
        let (db, rc) = env(ctx);
        rc.principal()?;
        Ok(regimes::all(db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The audit log, oldest first (administrators).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<AuditEntry>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = audit::AuditFilter {
            entity_type: f.entity_type,
            entity_id: f.entity_id.as_ref().map(any_entity_id).transpose()?,
            actor_id: None,
            action: f.action,
        };
        let page = audit::list(db, rc, filter, page).await?;
        Ok(connection(page, |e| e.id.to_string(), AuditEntry::from))
    }
}

/// Input of `createApiKey`.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// Name of the partner app.
    pub name: String,
    /// What the key may do.
    pub scopes: Vec<Permission>,
    /// Communes it may reach.
    pub commune_codes: Vec<String>,
}

/// Payload of `createApiKey`.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The key.
    pub api_key: ApiKey,
    /// The secret, shown only now: send it as `Authorization: Bearer <secret>` or `X-Api-Key`.
    pub secret: String,
}

/// Input of `revokeApiKey`.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key.
    pub id: ID,
}

/// Input of `rotateApiKey`.
#[derive(InputObject)]
pub struct RotateApiKeyInput {
    /// The key.
    pub key_id: ID,
    /// How long the old secret keeps working, 0 to 168 hours.
    pub overlap_hours: u32,
}

/// Payload carrying a key.
#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    /// The key.
    pub api_key: ApiKey,
}

/// Input of `createLegalRegime`.
#[derive(InputObject)]
pub struct CreateLegalRegimeInput {
    /// Stable code, e.g. `LAW_120_2025`.
    pub code: String,
    /// Human name.
    pub name: String,
    /// First decision date covered.
    pub effective_from: Date,
    /// Last decision date covered.
    pub effective_to: Option<Date>,
    /// Period rules.
    pub rules: Vec<RegimeRule>,
}

/// Payload of `createLegalRegime`.
#[derive(SimpleObject)]
pub struct LegalRegimePayload {
    /// The regime.
    pub legal_regime: LegalRegime,
}

/// Administration mutations.
#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates a partner API key (administrators).
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let (db, rc) = env(ctx);
        crate::input::bounded_list("scopes", &input.scopes, domain::bounds::MAX_API_KEY_SCOPES)?;
        let scopes = input.scopes.into_iter().map(Into::into).collect();
        let (view, secret) =
            api_keys::create(db, rc, &input.name, scopes, &input.commune_codes).await?;
        Ok(CreateApiKeyPayload {
            api_key: view.into(),
            secret,
        })
    }

    /// Revokes a partner API key at once (administrators).
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> Result<ApiKeyPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("ApiKey", "id", &input.id)?;
        let revoked = api_keys::revoke(db, rc, id).await?;
        super::forget_credentials(ctx);
        Ok(ApiKeyPayload {
            api_key: revoked.into(),
        })
    }

    /// Gives a partner key a new secret with the same scopes and communes; the old secret keeps
    /// working for `overlapHours` (at most 168), then fails (administrators).
    async fn rotate_api_key(
        &self,
        ctx: &Context<'_>,
        input: RotateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("ApiKey", "keyId", &input.key_id)?;
        let (view, secret) = api_keys::rotate(db, rc, id, input.overlap_hours).await?;
        super::forget_credentials(ctx);
        Ok(CreateApiKeyPayload {
            api_key: view.into(),
            secret,
        })
    }

    /// Adds a legal regime, e.g. the rules of Law 120/2025 (national administrators).
    async fn create_legal_regime(
        &self,
        ctx: &Context<'_>,
        input: CreateLegalRegimeInput,
    ) -> Result<LegalRegimePayload> {
        let (db, rc) = env(ctx);
        let new = regimes::NewRegime {
            code: input.code,
            name: input.name,
            effective_from: input.effective_from.into(),
            effective_to: input.effective_to.map(Into::into),
            rules: input
                .rules
                .into_iter()
                .map(|r| domain::order::RegimeRule {
                    rehab_kind: r.rehab_kind.into(),
                    age_group: r.age_group.into(),
                    months: r.months,
                })
                .collect(),
        };
        Ok(LegalRegimePayload {
            legal_regime: regimes::create(db, rc, new).await?.into(),
        })
    }
}
