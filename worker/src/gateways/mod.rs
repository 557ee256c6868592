//! Gateways that deliver messages: Zalo ZNS, Zalo OA and eSMS brandname SMS, behind one
//! trait, plus a console sink for channels with no provider configured.
//!
//! Each gateway turns an [`OutgoingMessage`] into the provider's request, sends it with the
//! shared HTTP client and classifies every answer, transport failures included, with the
//! domain's classifiers. The sender (outbox) decides what to do with the class.
//!
//! Logs carry the message id, channel and class only: never a phone number, a name, the
//! text or a token.

pub mod console;
pub mod esms;
mod http;
mod zalo_auth;
pub mod zalo_oa;
pub mod zns;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::Phone;
use domain::messaging::channel::Channel;
use domain::messaging::outcome::OutcomeClass;
use domain::messaging::templates::{TemplateKey, Vars};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

pub use self::console::{ConsoleGateway, ConsoleOutbox, ConsoleRecord};
pub use self::esms::EsmsGateway;
pub use self::zalo_oa::ZaloOaGateway;
pub use self::zns::ZnsGateway;
use crate::zalo_tokens::ZaloTokenStore;
pub use store::settings::GatewaySettings;

/// One message to one person over one channel.
#[derive(Clone)]
pub struct OutgoingMessage {
    /// Our outbox id: sent as ZNS `tracking_id` and eSMS `RequestId`.
    pub message_id: Uuid,
    /// Needed by ZNS and SMS.
    pub phone: Option<Phone>,
    /// Needed by Zalo OA: the person's user id for our OA.
    pub zalo_user_id: Option<String>,
    /// Which text.
    pub template: TemplateKey,
    /// Values for its placeholders.
    pub vars: Vars,
}

/// Masks the recipient: a message must never reach a log line in clear.
impl fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("message_id", &self.message_id)
            .field("phone", &self.phone.as_ref().map(ToString::to_string))
            .field(
                "zalo_user_id",
                &self.zalo_user_id.as_deref().map(console::mask_user_id),
            )
            .field("template", &self.template)
            .field("vars", &self.vars)
            .finish()
    }
}

/// A way to deliver messages over one channel.
#[async_trait::async_trait]
pub trait Gateway: Send + Sync {
    /// The channel this gateway delivers on.
    fn channel(&self) -> Channel;

    /// The provider billed for this gateway's messages (`channel_prices.provider`): `zalo`,
    /// `esms`, `console`.
    fn provider(&self) -> &'static str;

    /// Whether sending the same message id twice delivers it once (eSMS `RequestId`). Where it
    /// does not (Zalo: `tracking_id` is only echoed), an ambiguous attempt is reconciled by
    /// receipt before any resend.
    fn deduplicates(&self) -> bool {
        false
    }

    /// Sends one message. Never panics; every outcome, transport errors included, is
    /// classified.
    async fn send(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass;
}

/// Why the gateways could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GatewayBuildError {
    /// The HTTP client (TLS roots) could not be initialised.
    #[error("cannot build the gateway HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// The gateway of each channel: a real provider when configured, the console otherwise.
#[derive(Clone)]
pub struct Gateways {
    zns: Option<Arc<dyn Gateway>>,
    zalo_oa: Option<Arc<dyn Gateway>>,
    sms: Option<Arc<dyn Gateway>>,
    console: ConsoleOutbox,
}

impl Gateways {
    /// Builds every configured provider around one HTTP client; Zalo's token pair lives
    /// in `db` (table `zalo_tokens`), its expiry read on `clock`.
    pub fn from_settings(
        settings: &GatewaySettings,
        db: DatabaseConnection,
        clock: Arc<dyn domain::Clock>,
    ) -> Result<Self, GatewayBuildError> {
        let client = http::client(settings.timeout).map_err(GatewayBuildError::HttpClient)?;
        let mut gateways = Self::console_only();
        if let Some(zalo) = &settings.zalo {
            let tokens = Arc::new(ZaloTokenStore::new(db, client.clone(), zalo, clock));
            gateways.zns = Some(Arc::new(ZnsGateway::new(
                client.clone(),
                zalo,
                tokens.clone(),
            )));
            gateways.zalo_oa = Some(Arc::new(ZaloOaGateway::new(client.clone(), zalo, tokens)));
        }
        if let Some(esms) = &settings.esms {
            gateways.sms = Some(Arc::new(EsmsGateway::new(client, esms)));
        }
        Ok(gateways)
    }

    /// Every channel on the console.
    pub fn console_only() -> Self {
        Self {
            zns: None,
            zalo_oa: None,
            sms: None,
            console: ConsoleOutbox::default(),
        }
    }

    /// Replaces the gateway of `gateway.channel()`, for tests and fakes.
    pub fn with(mut self, gateway: Arc<dyn Gateway>) -> Self {
        let channel = gateway.channel();
        *self.slot(channel) = Some(gateway);
        self
    }

    /// The gateway for `channel`: the configured provider, or the console.
    pub fn get(&self, channel: Channel) -> Arc<dyn Gateway> {
        let configured = match channel {
            Channel::ZaloZns => &self.zns,
            Channel::ZaloOa => &self.zalo_oa,
            Channel::Sms => &self.sms,
        };
        match configured {
            Some(gateway) => gateway.clone(),
            None => Arc::new(ConsoleGateway::new(channel, self.console.clone())),
        }
    }

    /// Whether a real provider serves `channel`.
    pub fn is_configured(&self, channel: Channel) -> bool {
        match channel {
            Channel::ZaloZns => self.zns.is_some(),
            Channel::ZaloOa => self.zalo_oa.is_some(),
            Channel::Sms => self.sms.is_some(),
        }
    }

    /// Whether any real provider is configured (otherwise the console sink stands in for all).
    pub fn any_configured(&self) -> bool {
        self.zns.is_some() || self.zalo_oa.is_some() || self.sms.is_some()
    }

    /// What the console sinks have sent.
    pub fn console(&self) -> &ConsoleOutbox {
        &self.console
    }

    fn slot(&mut self, channel: Channel) -> &mut Option<Arc<dyn Gateway>> {
        match channel {
            Channel::ZaloZns => &mut self.zns,
            Channel::ZaloOa => &mut self.zalo_oa,
            Channel::Sms => &mut self.sms,
        }
    }
}

/// The one log line per send: message id, channel and class, plus the class's reason,
/// which the classifiers build from fixed strings and provider codes only.
fn log_outcome(channel: Channel, message_id: Uuid, class: &OutcomeClass) {
    let label = class.outcome().as_str();
    let reason = class.reason();
    let reason = reason.as_str();
    if matches!(class, OutcomeClass::ChannelUnavailable { .. }) {
        tracing::warn!(%message_id, ?channel, class = label, reason, "gateway send");
    } else {
        tracing::info!(%message_id, ?channel, class = label, reason, "gateway send");
    }
}
