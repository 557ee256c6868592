//! The embedded-default sink: a channel with no provider configured "sends" by printing
//! to stdout and keeping a record that tests read.
//!
//! It is for development and demos: the printed text is the message itself, so do not
//! leave a production channel on the console.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use domain::messaging::channel::Channel;
use domain::messaging::outcome::OutcomeClass;
use domain::messaging::templates::{TemplateError, render, render_sms, zns_template_data};
use uuid::Uuid;

use super::{Gateway, OutgoingMessage, log_outcome};

/// One message the console "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleRecord {
    /// Our outbox id.
    pub message_id: Uuid,
    /// The channel the message was meant for.
    pub channel: Channel,
    /// The recipient, masked (`84*******78`, or the last characters of a Zalo user id).
    pub recipient: String,
    /// The rendered text with diacritics.
    pub text: String,
}

/// What the console sinks have sent, shared by every console gateway of one [`super::Gateways`].
#[derive(Debug, Clone, Default)]
pub struct ConsoleOutbox(Arc<Mutex<Vec<ConsoleRecord>>>);

impl ConsoleOutbox {
    /// Every record so far, oldest first.
    pub fn records(&self) -> Vec<ConsoleRecord> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn push(&self, record: ConsoleRecord) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }
}

/// Stands in for the real gateway of one channel.
pub struct ConsoleGateway {
    channel: Channel,
    outbox: ConsoleOutbox,
}

impl ConsoleGateway {
    /// A console gateway for `channel`, recording into `outbox`.
    pub fn new(channel: Channel, outbox: ConsoleOutbox) -> Self {
        Self { channel, outbox }
    }

    fn attempt(&self, message: &OutgoingMessage) -> OutcomeClass {
        // Like eSMS's RequestId: a message id seen before is not printed again.
        if self
            .outbox
            .records()
            .iter()
            .any(|r| r.message_id == message.message_id)
        {
            return OutcomeClass::Duplicate {
                provider_id: Some(format!("console-{}", message.message_id)),
            };
        }
        let recipient = match self.channel {
            Channel::ZaloOa => message.zalo_user_id.as_deref().map(mask_user_id),
            Channel::ZaloZns | Channel::Sms => message.phone.as_ref().map(ToString::to_string),
        };
        let Some(recipient) = recipient else {
            return OutcomeClass::RecipientUnreachable {
                reason: "console: no recipient for this channel".into(),
            };
        };
        // Refuse what the real gateway of this channel would refuse.
        let text = match self.check(message) {
            Ok(text) => text,
            Err(e) => {
                return OutcomeClass::Permanent {
                    reason: format!("console: {e}"),
                };
            }
        };
        println!(
            "[console {:?}] to {recipient} (message {}):\n{text}",
            self.channel, message.message_id
        );
        self.outbox.push(ConsoleRecord {
            message_id: message.message_id,
            channel: self.channel,
            recipient,
            text,
        });
        OutcomeClass::Accepted {
            provider_id: format!("console-{}", message.message_id),
        }
    }

    fn check(&self, message: &OutgoingMessage) -> Result<String, TemplateError> {
        match self.channel {
            Channel::ZaloZns => {
                zns_template_data(message.template, &message.vars)?;
            }
            Channel::Sms => {
                render_sms(message.template, &message.vars)?;
            }
            Channel::ZaloOa => {}
        }
        render(message.template, &message.vars)
    }
}

#[async_trait::async_trait]
impl Gateway for ConsoleGateway {
    /// A message id already printed is answered as a duplicate, like eSMS.
    fn deduplicates(&self) -> bool {
        true
    }

    fn channel(&self) -> Channel {
        self.channel
    }

    fn provider(&self) -> &'static str {
        "console"
    }

    async fn send(&self, message: &OutgoingMessage, _now: DateTime<Utc>) -> OutcomeClass {
        let class = self.attempt(message);
        log_outcome(self.channel, message.message_id, &class);
        class
    }
}

/// Keeps the last two characters of a Zalo user id.
pub(crate) fn mask_user_id(user_id: &str) -> String {
    let chars: Vec<char> = user_id.chars().collect();
    let keep = chars.len().saturating_sub(2);
    let tail: String = chars[keep..].iter().collect();
    format!("zalo:***{tail}")
}
