//! `inviteClientToZalo`: an invitation to follow the commune's Zalo OA, so the client's
//! messages go by the free OA (issue 13, item 5).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::{env, ids};
use crate::{schedules::zalo_invitations, settings::ZaloInvitationSettings};

/// Input of `inviteClientToZalo`.
#[derive(InputObject)]
pub struct InviteClientToZaloInput {
    /// The client (must have consented to Zalo and not follow the OA yet).
    pub client_id: ID,
}

/// An invitation to follow the commune's Zalo OA.
#[derive(SimpleObject)]
pub struct ZaloInvitation {
    /// Opaque id.
    pub id: ID,
    /// The code the person sends to the OA as "DK <code>" to link their Zalo account (8
    /// letters and digits, used once).
    pub code: String,
    /// The link that opens the OA in Zalo.
    pub follow_url: String,
    /// What to render as a QR code on paper (the follow link; the code is printed beside it).
    pub qr_payload: String,
    /// After this the code no longer links.
    pub expires_at: DateTime<Utc>,
}

/// Payload of `inviteClientToZalo`.
#[derive(SimpleObject)]
pub struct InviteClientToZaloPayload {
    /// The invitation (an open one is reused).
    pub invitation: ZaloInvitation,
    /// Whether the invitation message (ZNS or SMS, Vietnamese) was queued by this call; false
    /// when it already was for this invitation, or the client has no phone number.
    pub message_queued: bool,
}

/// Zalo OA invitations.
#[derive(Default)]
pub struct ZaloInvitationsMutation;

#[Object]
impl ZaloInvitationsMutation {
    /// Invites a client who consented to Zalo but does not follow the commune's OA: one
    /// message with the follow link and a code; when the person follows and sends
    /// "DK <code>", their Zalo account is linked and messages go by the free OA.
    async fn invite_client_to_zalo(
        &self,
        ctx: &Context<'_>,
        input: InviteClientToZaloInput,
    ) -> Result<InviteClientToZaloPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Client", "clientId", &input.client_id)?;
        #[allow(clippy::expect_used)]
        let settings = ctx
            .data::<ZaloInvitationSettings>()
            .expect("invitation settings in schema data");
        let invited = zalo_invitations::invite(db, rc, id, settings).await?;
        let i = invited.invitation;
        Ok(InviteClientToZaloPayload {
            invitation: ZaloInvitation {
                id: ids::encode("ZaloInvitation", i.id),
                code: i.code,
                qr_payload: invited.follow_url.clone(),
                follow_url: invited.follow_url,
                expires_at: i.expires_at,
            },
            message_queued: invited.queued,
        })
    }
}
