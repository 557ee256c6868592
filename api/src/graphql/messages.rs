//! Message history: what was sent to whom, when, over which channel, and how each gateway
//! answered. Never the text or its variables: they carry a name, a time and a place, and the
//! history is read by more people than the message was meant for.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entities::{outbox_attempt, outbox_message};
use store::outbox::MessageStatus as Status;

use super::{
    env, ids,
    loaders::{AttemptsOfMessage, loader},
    pagination::{CountedConnection, connection, uuid_page},
};
use crate::schedules::messages;

/// Where a message stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "store::outbox::MessageStatus")]
pub enum MessageStatus {
    /// Waiting for its due time.
    Queued,
    /// Held back (quiet hours, a gateway's rate limit or night rule) until `nextAttemptAt`.
    Deferred,
    /// A worker is handing it to a gateway right now.
    Sending,
    /// Accepted by a gateway; no delivery receipt yet.
    Sent,
    /// The gateway reported delivery to the phone.
    Delivered,
    /// Could not be sent; `lastReason` says why.
    Failed,
    /// Its cause went away (appointment moved or cancelled, check-in already made).
    Cancelled,
    /// Not sent: the person opted out or consented to no channel.
    Suppressed,
    /// A gateway may or may not have delivered it; waiting for a receipt before any resend.
    Unconfirmed,
}

/// A way to reach a person.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::messaging::channel::Channel")]
pub enum MessageChannel {
    /// Zalo Notification Service (a registered template to a phone number).
    ZaloZns,
    /// Zalo Official Account message to a follower.
    ZaloOa,
    /// Brandname SMS.
    Sms,
}

/// Which text a message carries (the text itself is never shown here).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::messaging::templates::TemplateKey")]
pub enum MessageTemplate {
    /// Reminder of an appointment.
    AppointmentReminder,
    /// A check-in window opened.
    CheckInPrompt,
    /// A check-in window closes soon.
    CheckInNudge,
    /// Thanks for a check-in.
    CheckInConfirmed,
    /// Confirms an opt-out and says how to opt back in.
    OptOutConfirmed,
    /// Tells an officer that a client missed a check-in.
    OfficerMissedCheckInAlert,
    /// Tells an officer that a client asked for help.
    OfficerHelpRequested,
    /// Tells an officer that a message to a client could not be delivered.
    OfficerDeliveryFailed,
    /// Escalation alert to one level of a commune's chain.
    OfficerEscalationAlert,
    /// Tells an earlier level that an escalation moved up.
    OfficerEscalationRaised,
    /// Several escalation alerts for one officer in one message.
    OfficerEscalationDigest,
    /// Tells an escalation's owner that the client checked in late.
    OfficerEscalationLateCheckIn,
    /// Reminds a client of a loan instalment falling due.
    LoanInstalmentReminder,
    /// Tells the case officer that a loan instalment is past due.
    OfficerLoanOverdue,
    /// Tells the case officers that no message reaches a client any more.
    OfficerClientUnreachable,
    /// Tells a commune's officers that 80 % of the month's messaging budget is spent.
    OfficerBudgetThreshold,
    /// Invites a client to follow the commune's Zalo OA, with their linking code.
    ZaloInvitation,
    /// Tells a client their Zalo account is linked.
    ZaloLinked,
}

/// How a gateway answered one attempt.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::messaging::outcome::AttemptOutcome")]
pub enum AttemptOutcome {
    /// Accepted for delivery.
    Accepted,
    /// The gateway had already accepted this message (eSMS `RequestId`); nothing was resent.
    Duplicate,
    /// The access token was refused even after a refresh.
    AuthExpired,
    /// A temporary failure; retried with backoff.
    Retryable,
    /// Rate limit, quota or night rule; tried again when the gateway allows.
    Reschedule,
    /// The person cannot be reached on this channel (e.g. not a Zalo user); the next is tried.
    RecipientUnreachable,
    /// The channel is misconfigured or refused the template; the next is tried.
    ChannelUnavailable,
    /// This message cannot be sent on this channel (e.g. a malformed number).
    Permanent,
    /// No answer after the request left, or the worker stopped during the call: it may have
    /// been delivered.
    Ambiguous,
    /// The call has started and its answer is not recorded yet.
    InFlight,
}

/// One call to a gateway for a message.
pub struct MessageAttempt(pub outbox_attempt::Model);

#[Object]
impl MessageAttempt {
    /// The channel tried.
    async fn channel(&self) -> Option<MessageChannel> {
        domain::messaging::channel::Channel::from_stored(&self.0.channel).map(Into::into)
    }
    /// When the call started.
    async fn attempted_at(&self) -> DateTime<Utc> {
        self.0.attempted_at
    }
    /// When a delivery receipt confirmed that this attempt reached the phone.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// How the gateway answered.
    async fn outcome(&self) -> Option<AttemptOutcome> {
        domain::messaging::outcome::AttemptOutcome::from_stored(&self.0.outcome).map(Into::into)
    }
    /// Why it failed: a fixed text with the provider's code, never the provider's message.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The provider called (`zalo`, `esms`, `console`), once the answer is recorded.
    async fn provider(&self) -> Option<&str> {
        self.0.provider.as_deref()
    }
    /// SMS segments billed (SMS only).
    async fn segments(&self) -> Option<i32> {
        self.0.segments
    }
    /// The price in force at the attempt's time for its units, in whole đồng (none when no
    /// price is set for the provider, channel and unit).
    async fn price_vnd(&self) -> Option<super::vnd::Vnd> {
        self.0.price_vnd.map(super::vnd::Vnd)
    }
    /// What the attempt costs: its price when the provider bills this answer (accepted, or
    /// possibly sent), 0 for a refusal.
    async fn billed_vnd(&self) -> Option<super::vnd::Vnd> {
        self.0.billed_vnd.map(super::vnd::Vnd)
    }
}

/// A message to a client or an officer, as the outbox tracks it.
pub struct Message(pub outbox_message::Model);

impl Message {
    fn status_value(&self) -> Option<Status> {
        Status::from_stored(&self.0.status)
    }
}

#[Object]
impl Message {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("Message", self.0.id)
    }
    /// Which text.
    async fn template(&self) -> Option<MessageTemplate> {
        domain::messaging::templates::TemplateKey::from_stored(&self.0.template).map(Into::into)
    }
    /// Where it stands.
    async fn status(&self) -> Option<MessageStatus> {
        self.status_value().map(Into::into)
    }
    /// The channel of the last attempt (null before the first), or of the attempt a delivery
    /// receipt confirmed.
    async fn channel(&self) -> Option<MessageChannel> {
        self.0
            .channel
            .as_deref()
            .and_then(domain::messaging::channel::Channel::from_stored)
            .map(Into::into)
    }
    /// When it was due.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// When the next attempt may happen; null once the message is settled (an unconfirmed
    /// message with no channel left waits for a receipt, not for a time).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        let pending = matches!(
            self.status_value(),
            Some(Status::Queued | Status::Deferred | Status::Sending | Status::Unconfirmed)
        );
        (pending && self.0.next_attempt_at != store::outbox::parked_until())
            .then_some(self.0.next_attempt_at)
    }
    /// When a gateway accepted it; for a send confirmed only by its receipt (a timeout, a
    /// worker stopped mid-call), when that attempt was made.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// When the gateway reported delivery.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// What happened last, in the sender's words (`accepted`, `fallback`, `deferred`, …).
    async fn last_outcome(&self) -> Option<&str> {
        self.0.last_outcome.as_deref()
    }
    /// Why it failed, was deferred or suppressed.
    async fn last_reason(&self) -> Option<&str> {
        self.0.last_reason.as_deref()
    }
    /// Why the message was held back rather than sent (`monthly budget spent`: the commune's
    /// monthly budget was spent, so it waits for next month, `nextAttemptAt`); none when it
    /// never was. It stays after the message goes: `status` says whether it still waits.
    async fn held_reason(&self) -> Option<&str> {
        self.0.held_reason.as_deref()
    }
    /// Every gateway call for it, oldest first.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<MessageAttempt>> {
        Ok(loader(ctx)
            .load_one(AttemptsOfMessage(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(MessageAttempt)
            .collect())
    }
}

/// Filter of `messages`.
#[derive(InputObject, Default)]
pub struct MessageFilter {
    /// Messages to one client.
    pub client_id: Option<ID>,
    /// In one status.
    pub status: Option<MessageStatus>,
    /// Last tried on one channel.
    pub channel: Option<MessageChannel>,
}

/// Message history queries.
#[derive(Default)]
pub struct MessagesQuery;

#[Object]
impl MessagesQuery {
    /// Messages in the caller's communes, oldest first, with their status and attempts.
    async fn messages(
        &self,
        ctx: &Context<'_>,
        filter: Option<MessageFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Message>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = messages::MessageFilter {
            client_id: f
                .client_id
                .map(|id| ids::decode("Client", "filter.clientId", &id))
                .transpose()?,
            status: f.status.map(Into::into),
            channel: f.channel.map(Into::into),
        };
        let page = messages::list(db, rc, filter, page).await?;
        Ok(connection(page, |m| m.id.to_string(), Message))
    }
}
