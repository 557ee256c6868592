//! Invitations to follow the commune's Zalo OA and the link they make (rules:
//! `domain::messaging::invitation`): an invitation holds a code for one client; the Zalo
//! account that sends it back is linked to that client, with its consent, and its OA window
//! opens, so the client's next messages go by the free OA.

use chrono::{DateTime, Duration, Utc};
use domain::messaging::invitation::{
    CONSENT_METHOD, InvitationCode, MAX_FAILED_CODES_PER_HOUR, is_zalo_user_id,
};
use entities::{client, zalo_invitation, zalo_invitation_failure};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use uuid::Uuid;

/// Who asked for an invitation (`zalo_invitations.requested_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedBy {
    /// An officer, through `inviteClientToZalo`.
    Officer,
    /// The client, shown it on the check-in page after checking in.
    CheckInPage,
}

impl RequestedBy {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::CheckInPage => "check_in_page",
        }
    }
}

/// The client's invitation that can still be used (not used, not expired), the latest.
pub async fn open_for(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<zalo_invitation::Model>, DbErr> {
    zalo_invitation::Entity::find()
        .filter(zalo_invitation::Column::ClientId.eq(client_id))
        .filter(zalo_invitation::Column::UsedAt.is_null())
        .filter(zalo_invitation::Column::ExpiresAt.gt(now))
        .order_by_desc(zalo_invitation::Column::CreatedAt)
        .one(db)
        .await
}

/// The client's open invitation, or a new one valid for `valid_for`; `true` when it is new.
pub async fn open_or_create(
    db: &impl ConnectionTrait,
    c: &client::Model,
    requested_by: RequestedBy,
    now: DateTime<Utc>,
    valid_for: Duration,
) -> Result<(zalo_invitation::Model, bool), DbErr> {
    if let Some(open) = open_for(db, c.id, now).await? {
        return Ok((open, false));
    }
    let code = InvitationCode::generate(&mut rand::thread_rng());
    let created = zalo_invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(c.id),
        commune_code: Set(c.commune_code.clone()),
        code: Set(code.as_str().to_owned()),
        created_at: Set(now),
        expires_at: Set(now + valid_for),
        requested_by: Set(requested_by.as_str().to_owned()),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((created, true))
}

/// What a "DK <code>" from a Zalo account did.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    /// The account is now the client's (the invitation is used).
    Linked {
        client: Box<client::Model>,
        invitation: Box<zalo_invitation::Model>,
    },
    /// No usable invitation has this code; the failure is counted.
    Refused,
    /// The account sent too many wrong codes within the hour: not looked up.
    Silenced,
}

/// Links Zalo account `zalo_user_id` (refused unless it is a plausible Zalo id) to the client
/// whose open invitation has `code` (in the caller's transaction): the client's Zalo id, Zalo consent (when none was recorded, with
/// its method `zalo_invitation`: sending the code is the person's own act) and OA interaction
/// are set, an earlier OA refusal is forgotten, and the invitation is used.
pub async fn link(
    db: &impl ConnectionTrait,
    code: &InvitationCode,
    zalo_user_id: &str,
    now: DateTime<Utc>,
) -> Result<LinkOutcome, DbErr> {
    if !is_zalo_user_id(zalo_user_id) {
        return Ok(LinkOutcome::Refused);
    }
    let failures = zalo_invitation_failure::Entity::find()
        .filter(zalo_invitation_failure::Column::ZaloUserId.eq(zalo_user_id))
        .filter(zalo_invitation_failure::Column::FailedAt.gt(now - Duration::hours(1)))
        .count(db)
        .await?;
    if failures >= MAX_FAILED_CODES_PER_HOUR {
        return Ok(LinkOutcome::Silenced);
    }
    let invitation = zalo_invitation::Entity::find()
        .filter(zalo_invitation::Column::Code.eq(code.as_str()))
        .filter(zalo_invitation::Column::UsedAt.is_null())
        .filter(zalo_invitation::Column::ExpiresAt.gt(now))
        .lock_exclusive()
        .one(db)
        .await?;
    let client = match &invitation {
        Some(i) => client::Entity::find_by_id(i.client_id).one(db).await?,
        None => None,
    };
    let (Some(invitation), Some(c)) = (invitation, client) else {
        zalo_invitation_failure::ActiveModel {
            id: Set(Uuid::now_v7()),
            zalo_user_id: Set(zalo_user_id.to_owned()),
            failed_at: Set(now),
        }
        .insert(db)
        .await?;
        return Ok(LinkOutcome::Refused);
    };
    let mut m: client::ActiveModel = c.clone().into();
    m.zalo_user_id = Set(Some(zalo_user_id.to_owned()));
    m.zalo_last_interaction_at = Set(Some(now));
    m.oa_refused_at = Set(None);
    m.oa_refused_reason = Set(None);
    if c.zalo_consent_at.is_none() {
        m.zalo_consent_at = Set(Some(now));
        m.zalo_consent_method = Set(Some(CONSENT_METHOD.to_owned()));
    }
    m.updated_at = Set(now);
    let client = m.update(db).await?;
    let mut used: zalo_invitation::ActiveModel = invitation.into();
    used.used_at = Set(Some(now));
    let invitation = used.update(db).await?;
    Ok(LinkOutcome::Linked {
        client: Box::new(client),
        invitation: Box::new(invitation),
    })
}

/// A Zalo account followed the OA: if it is already linked to clients (they followed again
/// after leaving), their OA window opens and an earlier refusal is forgotten. An account
/// linked to nobody is left alone: its follow names no client. Returns the clients updated.
pub async fn followed(
    db: &impl ConnectionTrait,
    zalo_user_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let done = client::Entity::update_many()
        .col_expr(client::Column::ZaloLastInteractionAt, Expr::value(now))
        .col_expr(
            client::Column::OaRefusedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            client::Column::OaRefusedReason,
            Expr::value(Option::<String>::None),
        )
        .filter(client::Column::ZaloUserId.eq(zalo_user_id))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// A Zalo account left the OA: the clients it is linked to are not sent OA messages until
/// they interact again (as after an OA refusal, `domain::messaging::channel_knowledge`), which
/// spares a failed attempt per message. Returns the clients updated.
pub async fn unfollowed(
    db: &impl ConnectionTrait,
    zalo_user_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let done = client::Entity::update_many()
        .col_expr(client::Column::OaRefusedAt, Expr::value(now))
        .col_expr(
            client::Column::OaRefusedReason,
            Expr::value(Some("zalo oa: unfollowed".to_owned())),
        )
        .filter(client::Column::ZaloUserId.eq(zalo_user_id))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
