//! Officers and supporters.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject,
};
use chrono::{DateTime, Utc};
use entities::{access_token, officer};

use super::{
    env, ids,
    loaders::{OfficerKey, loader},
    pagination::{CountedConnection, connection, try_connection, uuid_page},
    places::{Commune, commune_field},
    resolver_settings,
    scalars::OfficerRole,
};
use crate::registry::{officer_tokens, officers};

/// An officer or supporter.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Officer {
    /// Opaque id.
    pub id: ID,
    /// Full name.
    pub full_name: String,
    /// Role.
    pub role: OfficerRole,
    /// Work phone, `0912 345 678`.
    pub phone: Option<String>,
    /// Zalo user id (for officer alerts).
    pub zalo_user_id: Option<String>,
    /// Whether the person is active.
    pub active: bool,
    /// Province code.
    pub province_code: String,
    /// Commune code (none for province-level roles).
    pub commune_code: Option<String>,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<officer::Model> for Officer {
    type Error = async_graphql::Error;
    fn try_from(m: officer::Model) -> Result<Self> {
        let role =
            domain::access::OfficerRole::from_stored(&m.role).ok_or("corrupt officer role")?;
        Ok(Self {
            id: ids::encode("Officer", m.id),
            full_name: m.full_name,
            role: role.into(),
            phone: m
                .phone
                .and_then(|p| domain::Phone::from_canonical(&p).ok())
                .map(|p| p.display()),
            zalo_user_id: m.zalo_user_id,
            active: m.active,
            province_code: m.province_code,
            commune_code: m.commune_code,
            created_at: m.created_at,
        })
    }
}

#[ComplexObject]
impl Officer {
    /// The officer's commune.
    async fn commune(&self, ctx: &Context<'_>) -> Result<Option<Commune>> {
        match &self.commune_code {
            Some(code) => commune_field(ctx, code).await,
            None => Ok(None),
        }
    }
}

impl super::plain::PlainFields for Officer {
    fn is_plain(&self, name: &str) -> bool {
        super::client_prefetch::is_listed(super::client_prefetch::OFFICER_FIELDS, name)
    }
}

/// Loads an officer for a nested field; `None` when outside the caller's scope.
pub(crate) async fn officer_field(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Officer>> {
    loader(ctx)
        .load_one(OfficerKey(id))
        .await?
        .map(Officer::try_from)
        .transpose()
}

/// One of an officer's bearer tokens; the secret is never shown again.
#[derive(SimpleObject)]
pub struct OfficerToken {
    /// Opaque id, for `revokeOfficerToken`.
    pub id: ID,
    /// When issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<access_token::Model> for OfficerToken {
    fn from(m: access_token::Model) -> Self {
        Self {
            id: ids::encode("AccessToken", m.id),
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// Filter of `officers`.
#[derive(InputObject, Default)]
pub struct OfficerFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this role.
    pub role: Option<OfficerRole>,
    /// Only active (true) or inactive (false) people.
    pub active: Option<bool>,
    /// Name contains, diacritics and case ignored.
    pub search: Option<String>,
}

/// Officer queries.
#[derive(Default)]
pub struct OfficersQuery;

#[Object]
impl OfficersQuery {
    /// Officers and supporters in the caller's scope.
    async fn officers(
        &self,
        ctx: &Context<'_>,
        filter: Option<OfficerFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Officer>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = officers::OfficerFilter {
            commune_code: f.commune_code,
            role: f.role.map(Into::into),
            active: f.active,
            search: f.search,
        };
        let page = officers::list(db, rc, filter, page).await?;
        try_connection(page, |o| o.id.to_string(), Officer::try_from)
    }

    /// An officer's bearer tokens, oldest first (the officer themselves, or administrators).
    async fn officer_tokens(
        &self,
        ctx: &Context<'_>,
        officer_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<OfficerToken>> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Officer", "officerId", &officer_id)?;
        let page = uuid_page(ctx, first, after)?;
        let page = officer_tokens::list(db, rc, id, page).await?;
        Ok(connection(page, |t| t.id.to_string(), OfficerToken::from))
    }

    /// One officer by id; null when unknown or outside the caller's scope.
    async fn officer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Officer>> {
        let uuid = ids::decode("Officer", "id", &id)?;
        officer_field(ctx, uuid).await
    }
}

/// Input of `createOfficer`.
#[derive(InputObject)]
pub struct CreateOfficerInput {
    /// Full name.
    pub full_name: String,
    /// Role.
    pub role: OfficerRole,
    /// Commune code (commune roles).
    pub commune_code: Option<String>,
    /// Province code (province roles).
    pub province_code: Option<String>,
    /// Work phone.
    pub phone: Option<String>,
    /// Zalo user id.
    pub zalo_user_id: Option<String>,
}

/// Input of `updateOfficer`; omitted fields stay, null clears optional ones.
#[derive(InputObject)]
pub struct UpdateOfficerInput {
    /// The officer.
    pub id: ID,
    /// Full name.
    pub full_name: Option<String>,
    /// Work phone.
    pub phone: MaybeUndefined<String>,
    /// Zalo user id.
    pub zalo_user_id: MaybeUndefined<String>,
    /// Role (same level).
    pub role: Option<OfficerRole>,
    /// Active flag.
    pub active: Option<bool>,
}

/// Input of `issueOfficerToken`.
#[derive(InputObject)]
pub struct IssueOfficerTokenInput {
    /// The officer.
    pub officer_id: ID,
}

/// Input of `revokeOfficerToken`.
#[derive(InputObject)]
pub struct RevokeOfficerTokenInput {
    /// The token, as listed by `officerTokens`.
    pub token_id: ID,
}

/// Input of `revokeOfficerTokens`.
#[derive(InputObject)]
pub struct RevokeOfficerTokensInput {
    /// The officer whose tokens all stop working.
    pub officer_id: ID,
}

/// Payload of `revokeOfficerToken`.
#[derive(SimpleObject)]
pub struct RevokeOfficerTokenPayload {
    /// The revoked token.
    pub token: OfficerToken,
}

/// Payload of `revokeOfficerTokens`.
#[derive(SimpleObject)]
pub struct RevokeOfficerTokensPayload {
    /// How many tokens were revoked now.
    pub revoked_count: u64,
}

/// Payload carrying an officer.
#[derive(SimpleObject)]
pub struct OfficerPayload {
    /// The officer.
    pub officer: Officer,
}

/// A newly issued bearer token: shown once, stored only as a hash.
#[derive(SimpleObject)]
pub struct IssueTokenPayload {
    /// The secret, for the `Authorization: Bearer` header.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Turns `MaybeUndefined` into "leave / clear / set".
pub(crate) fn change<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// Officer mutations.
#[derive(Default)]
pub struct OfficersMutation;

#[Object]
impl OfficersMutation {
    /// Registers an officer or supporter.
    async fn create_officer(
        &self,
        ctx: &Context<'_>,
        input: CreateOfficerInput,
    ) -> Result<OfficerPayload> {
        let (db, rc) = env(ctx);
        let new = officers::NewOfficer {
            full_name: input.full_name,
            role: input.role.into(),
            commune_code: input.commune_code,
            province_code: input.province_code,
            phone: input.phone,
            zalo_user_id: input.zalo_user_id,
        };
        let officer = officers::create(db, rc, new).await?;
        Ok(OfficerPayload {
            officer: officer.try_into()?,
        })
    }

    /// Changes an officer or supporter.
    async fn update_officer(
        &self,
        ctx: &Context<'_>,
        input: UpdateOfficerInput,
    ) -> Result<OfficerPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Officer", "id", &input.id)?;
        let changes = officers::OfficerChanges {
            full_name: input.full_name,
            phone: change(input.phone),
            zalo_user_id: change(input.zalo_user_id),
            role: input.role.map(Into::into),
            active: input.active,
        };
        let officer = officers::update(db, rc, id, changes).await?;
        // A role change or deactivation must not outlive a cached sign-in.
        super::forget_credentials(ctx);
        Ok(OfficerPayload {
            officer: officer.try_into()?,
        })
    }

    /// Revokes one bearer token at once (the officer themselves, or administrators).
    async fn revoke_officer_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeOfficerTokenInput,
    ) -> Result<RevokeOfficerTokenPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("AccessToken", "tokenId", &input.token_id)?;
        let token = officer_tokens::revoke(db, rc, id).await?;
        super::forget_credentials(ctx);
        Ok(RevokeOfficerTokenPayload {
            token: token.into(),
        })
    }

    /// Revokes all of an officer's bearer tokens at once (the officer themselves, or
    /// administrators).
    async fn revoke_officer_tokens(
        &self,
        ctx: &Context<'_>,
        input: RevokeOfficerTokensInput,
    ) -> Result<RevokeOfficerTokensPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Officer", "officerId", &input.officer_id)?;
        let revoked_count = officer_tokens::revoke_all(db, rc, id).await?;
        super::forget_credentials(ctx);
        Ok(RevokeOfficerTokensPayload { revoked_count })
    }

    /// Issues a bearer token to an officer (administrators).
    async fn issue_officer_token(
        &self,
        ctx: &Context<'_>,
        input: IssueOfficerTokenInput,
    ) -> Result<IssueTokenPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Officer", "officerId", &input.officer_id)?;
        let ttl = chrono::Duration::days(resolver_settings(ctx).access_token_ttl_days);
        let (token, expires_at) = officers::issue_token(db, rc, id, ttl).await?;
        Ok(IssueTokenPayload { token, expires_at })
    }
}
