//! Zalo Notification Service: a template registered with Zalo, sent to a phone number.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::messaging::channel::Channel;
use domain::messaging::outcome::{OutcomeClass, classify_zns};
use domain::messaging::templates::{TemplateKey, zns_template_data};
use serde_json::json;

use super::{Gateway, OutgoingMessage, http, log_outcome, zalo_auth};
use crate::zalo_tokens::ZaloTokenStore;
use store::settings::gateways::ZaloSettings;

/// Sends ZNS template messages. ZNS does not deduplicate (`tracking_id` is only echoed in
/// receipts), so an `Ambiguous` answer must be reconciled before any resend.
pub struct ZnsGateway {
    http: reqwest::Client,
    url: String,
    tokens: Arc<ZaloTokenStore>,
    templates: HashMap<TemplateKey, String>,
}

impl ZnsGateway {
    /// A ZNS gateway using the shared client and token store.
    pub fn new(
        http: reqwest::Client,
        settings: &ZaloSettings,
        tokens: Arc<ZaloTokenStore>,
    ) -> Self {
        Self {
            http,
            url: format!("{}/message/template", settings.zns_base_url),
            tokens,
            templates: settings.zns_templates.clone(),
        }
    }

    async fn attempt(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass {
        let Some(phone) = &message.phone else {
            return OutcomeClass::RecipientUnreachable {
                reason: "zns: no phone number".into(),
            };
        };
        let template_data = match zns_template_data(message.template, &message.vars) {
            Ok(data) => data,
            Err(e) => {
                return OutcomeClass::Permanent {
                    reason: format!("zns: {e}"),
                };
            }
        };
        let Some(template_id) = self.templates.get(&message.template) else {
            return OutcomeClass::ChannelUnavailable {
                reason: format!("zns: no template id configured for {:?}", message.template),
            };
        };
        let body = json!({
            "phone": phone.canonical(),
            "template_id": template_id,
            "template_data": template_data,
            // 32 hex characters: within ZNS's 48, and parses back to our outbox id.
            "tracking_id": message.message_id.simple().to_string(),
        });
        zalo_auth::with_access_token(&self.tokens, |token| {
            let request = self
                .http
                .post(&self.url)
                .header("access_token", token)
                .json(&body);
            async move {
                match http::execute(request, now).await {
                    Ok(a) => classify_zns(a.status, &a.body, a.retry_after, now),
                    Err(class) => class,
                }
            }
        })
        .await
    }
}

#[async_trait::async_trait]
impl Gateway for ZnsGateway {
    fn channel(&self) -> Channel {
        Channel::ZaloZns
    }

    fn provider(&self) -> &'static str {
        "zalo"
    }

    async fn send(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass {
        let class = self.attempt(message, now).await;
        log_outcome(Channel::ZaloZns, message.message_id, &class);
        class
    }
}
