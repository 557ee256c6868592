//! Invitations to follow the commune's Zalo OA (issue 13, item 5): an officer asks for one
//! (`inviteClientToZalo`), or a client who just checked in by link is shown one; the person
//! follows the OA and sends "DK <code>"; their Zalo account is linked and their messages go by
//! the free OA from then on.
//!
//! Why an officer asks instead of the worker inviting everyone after a first delivery: the
//! invitation is itself a paid message (ZNS or SMS), and the officer knows whether the person
//! has a smartphone with Zalo, which a ZNS acceptance does not prove for long and an SMS never
//! does. The check-in page shows the invitation for free to whoever opens their link.

use chrono::{DateTime, Utc};
use domain::messaging::{
    invitation::InvitationCode,
    templates::{TemplateKey, Vars},
};
use entities::{client, zalo_invitation};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};
use store::{
    outbox::{self, DedupeKey, NewMessage, Recipient},
    zalo_invitations::{self, LinkOutcome, RequestedBy},
};
use uuid::Uuid;

use crate::{
    audit,
    context::RequestContext,
    error::{AppError, AppResult},
    registry::clients,
    settings::ZaloInvitationSettings,
};

/// An invitation handed out.
#[derive(Debug, Clone)]
pub struct Invited {
    /// The invitation (its code links the client's Zalo account).
    pub invitation: zalo_invitation::Model,
    /// The link that opens the OA; what a printed QR code carries.
    pub follow_url: String,
    /// Whether the invitation message was queued now (false when it was already, or the client
    /// has no phone to send it to).
    pub queued: bool,
}

/// Invites client `client_id` to follow the OA: an open invitation is reused, and its message
/// (ZNS or SMS, Vietnamese) is queued once. Refused, naming `clientId`, when no OA is
/// configured, the client already follows, has not consented to Zalo, or opted out.
pub async fn invite(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    client_id: Uuid,
    settings: &ZaloInvitationSettings,
) -> AppResult<Invited> {
    let txn = store::db::begin_write(db).await?;
    // Authority and existence first (scope, ClientsWrite), then the client's state.
    let c = clients::for_update(&txn, ctx, client_id).await?;
    let Some(follow_url) = settings.follow_url.clone() else {
        return Err(AppError::field(
            "clientId",
            "chưa cấu hình Zalo OA của xã (ZALO_OA_FOLLOW_URL). \
             No Zalo OA is configured for invitations (ZALO_OA_FOLLOW_URL)",
        ));
    };
    if let Some(problem) = refusal(&c) {
        return Err(AppError::field("clientId", problem));
    }
    let (invitation, _) = zalo_invitations::open_or_create(
        &txn,
        &c,
        RequestedBy::Officer,
        ctx.now,
        settings.valid_for,
    )
    .await?;
    let queued = match c.phone {
        Some(_) => queue_invitation(&txn, &c, &invitation, &follow_url, ctx.now).await?,
        None => false,
    };
    audit::record(
        &txn,
        ctx,
        "client.zalo_invitation",
        clients::subject(&c),
        Some(format!("queued={queued}")),
    )
    .await?;
    txn.commit().await?;
    Ok(Invited {
        invitation,
        follow_url,
        queued,
    })
}

/// Why client `c` cannot be invited, in Vietnamese and English.
fn refusal(c: &client::Model) -> Option<&'static str> {
    if c.zalo_user_id.is_some() {
        Some(
            "người này đã quan tâm Zalo OA (đã có Zalo ID). \
             The client already follows the OA (their Zalo id is linked)",
        )
    } else if c.zalo_consent_at.is_none() {
        Some(
            "người này chưa đồng ý nhận tin qua Zalo; hãy ghi nhận sự đồng ý trước (updateClient). \
             The client has not consented to Zalo messages; record the consent first",
        )
    } else if c.opted_out_at.is_some() {
        Some("người này đã từ chối nhận tin. The client opted out of messages")
    } else {
        None
    }
}

/// Queues the invitation message of `invitation` (once per invitation).
async fn queue_invitation(
    db: &impl ConnectionTrait,
    c: &client::Model,
    invitation: &zalo_invitation::Model,
    follow_url: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let message = NewMessage {
        dedupe_key: DedupeKey::zalo_invitation(invitation.id),
        recipient: Recipient::Client(c.id),
        commune_code: c.commune_code.clone(),
        template: TemplateKey::ZaloInvitation,
        vars: Vars::new()
            .with("name", &c.full_name)
            .with("link", follow_url)
            .with("code", &invitation.code),
        due_at: now,
        // An invitation whose code has expired would only confuse.
        expires_at: Some(invitation.expires_at),
        urgent: false,
        source_type: "zalo_invitation",
        source_id: Some(invitation.id),
    };
    outbox::enqueue(db, message, now).await
}

/// The invitation a client who just checked in by link is shown on the page (no message is
/// sent: the page is free): their open one or a new one, when an OA is configured and the
/// client does not follow it yet and has not opted out. Consent to Zalo is not required: the
/// page asks for it, and sending the code gives it.
pub async fn for_check_in_page(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    settings: &ZaloInvitationSettings,
    now: DateTime<Utc>,
) -> Result<Option<(zalo_invitation::Model, String)>, DbErr> {
    let Some(follow_url) = settings.follow_url.clone() else {
        return Ok(None);
    };
    let Some(c) = client::Entity::find_by_id(client_id).one(db).await? else {
        return Ok(None);
    };
    if c.zalo_user_id.is_some() || c.opted_out_at.is_some() {
        return Ok(None);
    }
    let (invitation, _) =
        zalo_invitations::open_or_create(db, &c, RequestedBy::CheckInPage, now, settings.valid_for)
            .await?;
    Ok(Some((invitation, follow_url)))
}

/// A follower sent "DK <code>" (in the webhook's transaction): links their account to the
/// invitation's client and queues the confirmation, which goes by the OA now open. Returns
/// what happened, for the log.
pub async fn link_from_reply(
    db: &impl ConnectionTrait,
    zalo_user_id: &str,
    code: &InvitationCode,
    now: DateTime<Utc>,
) -> Result<&'static str, DbErr> {
    match zalo_invitations::link(db, code, zalo_user_id, now).await? {
        LinkOutcome::Linked { client, invitation } => {
            let message = NewMessage {
                dedupe_key: DedupeKey::zalo_linked(invitation.id),
                recipient: Recipient::Client(client.id),
                commune_code: client.commune_code.clone(),
                template: TemplateKey::ZaloLinked,
                vars: Vars::new().with("name", &client.full_name),
                due_at: now,
                expires_at: None,
                urgent: false,
                source_type: "zalo_invitation",
                source_id: Some(invitation.id),
            };
            outbox::enqueue(db, message, now).await?;
            Ok("linked")
        }
        LinkOutcome::Refused => Ok("unknown_code"),
        LinkOutcome::Silenced => Ok("too_many_wrong_codes"),
    }
}
