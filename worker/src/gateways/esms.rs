//! eSMS.vn brandname SMS.

use chrono::{DateTime, Utc};
use domain::messaging::channel::Channel;
use domain::messaging::outcome::{OutcomeClass, classify_esms};
use domain::messaging::templates::render_sms;
use serde_json::{Value, json};

use super::{Gateway, OutgoingMessage, http, log_outcome};
use store::settings::gateways::EsmsSettings;

/// Sends brandname SMS through eSMS. `RequestId` is our message id, which eSMS
/// deduplicates for 24 hours (code 124): a retry after a crash or a timeout cannot double
/// a message.
pub struct EsmsGateway {
    http: reqwest::Client,
    url: String,
    settings: EsmsSettings,
}

impl EsmsGateway {
    /// An eSMS gateway using the shared client.
    pub fn new(http: reqwest::Client, settings: &EsmsSettings) -> Self {
        Self {
            http,
            url: format!(
                "{}/MainService.svc/json/SendMultipleMessage_V4_post_json/",
                settings.base_url
            ),
            settings: settings.clone(),
        }
    }

    async fn attempt(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass {
        let Some(phone) = &message.phone else {
            return OutcomeClass::RecipientUnreachable {
                reason: "esms: no phone number".into(),
            };
        };
        // Folded to ASCII and checked against the template's segment budget.
        let sms = match render_sms(message.template, &message.vars) {
            Ok(sms) => sms,
            Err(e) => {
                return OutcomeClass::Permanent {
                    reason: format!("esms: {e}"),
                };
            }
        };
        let s = &self.settings;
        let mut body = json!({
            "ApiKey": s.api_key.expose(),
            "SecretKey": s.secret_key.expose(),
            "Phone": phone.national(),
            "Content": sms.text,
            "Brandname": s.brandname,
            "SmsType": s.sms_type.to_string(),
            "IsUnicode": "0",
            "RequestId": message.message_id.to_string(),
            "Sandbox": if s.sandbox { "1" } else { "0" },
        });
        if let (Some(callback), Value::Object(fields)) = (&s.callback_url, &mut body) {
            fields.insert("CallbackUrl".into(), callback.expose().into());
        }
        let request = self.http.post(&self.url).json(&body);
        match http::execute(request, now).await {
            Ok(a) => classify_esms(a.status, &a.body, a.retry_after),
            Err(class) => class,
        }
    }
}

#[async_trait::async_trait]
impl Gateway for EsmsGateway {
    /// eSMS answers code 124 to a repeated `RequestId` (our message id) and sends nothing.
    fn deduplicates(&self) -> bool {
        true
    }

    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn provider(&self) -> &'static str {
        "esms"
    }

    async fn send(&self, message: &OutgoingMessage, now: DateTime<Utc>) -> OutcomeClass {
        let class = self.attempt(message, now).await;
        log_outcome(Channel::Sms, message.message_id, &class);
        class
    }
}
