//! Zalo Official Account: a free-text "cs" message to a follower.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::messaging::channel::Channel;
use domain::messaging::outcome::{OutcomeClass, classify_zalo_oa};
use domain::messaging::templates::render;
use serde_json::json;

use super::{Gateway, OutgoingMessage, http, log_outcome, zalo_auth};
use crate::zalo_tokens::ZaloTokenStore;
use store::settings::gateways::ZaloSettings;

/// Sends OA messages. Zalo allows them only within 7 days of the person's last
/// interaction (error -230 outside it, which the classifier makes `RecipientUnreachable`).
pub struct ZaloOaGateway {
    http: reqwest::Client,
    url: String,
    tokens: Arc<ZaloTokenStore>,
}

impl ZaloOaGateway {
    /// An OA gateway using the shared client and token store.
    pub fn new(
        http: reqwest::Client,
        settings: &ZaloSettings,
        tokens: Arc<ZaloTokenStore>,
    ) -> Self {
        Self {
            http,
            url: format!("{}/v3.0/oa/message/cs", settings.oa_base_url),
            tokens,
        }
    }

    async fn attempt(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass {
        let Some(user_id) = &message.zalo_user_id else {
            return OutcomeClass::RecipientUnreachable {
                reason: "zalo oa: no zalo user id".into(),
            };
        };
        let text = match render(message.template, &message.vars) {
            Ok(text) => text,
            Err(e) => {
                return OutcomeClass::Permanent {
                    reason: format!("zalo oa: {e}"),
                };
            }
        };
        let body = json!({
            "recipient": { "user_id": user_id },
            "message": { "text": text },
        });
        zalo_auth::with_access_token(&self.tokens, |token| {
            let request = self
                .http
                .post(&self.url)
                .header("access_token", token)
                .json(&body);
            async move {
                match http::execute(request, now).await {
                    Ok(a) => classify_zalo_oa(a.status, &a.body, a.retry_after),
                    Err(class) => class,
                }
            }
        })
        .await
    }
}

#[async_trait::async_trait]
impl Gateway for ZaloOaGateway {
    fn channel(&self) -> Channel {
        Channel::ZaloOa
    }

    fn provider(&self) -> &'static str {
        "zalo"
    }

    async fn send(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass {
        let class = self.attempt(message, now).await;
        log_outcome(Channel::ZaloOa, message.message_id, &class);
        class
    }
}
