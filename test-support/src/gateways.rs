//! The fake providers' side of `shared/gateways.md`: the paths Zalo and eSMS are called on and
//! the answers they give, for wiremock servers standing in for them over real HTTP.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::{Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// Where ZNS template messages are posted.
pub const ZNS_PATH: &str = "/message/template";
/// Where Zalo OA customer-service messages are posted.
pub const OA_PATH: &str = "/v3.0/oa/message/cs";
/// Where Zalo's OAuth v4 refreshes tokens.
pub const OAUTH_PATH: &str = "/v4/oa/access_token";
/// Where eSMS brandname messages are posted.
pub const ESMS_PATH: &str = "/MainService.svc/json/SendMultipleMessage_V4_post_json/";

/// Zalo and eSMS both faked on one loopback server (their paths differ).
pub async fn fake_gateways() -> MockServer {
    MockServer::start().await
}

/// ZNS accepted the message.
pub fn zns_ok(msg_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "error": 0,
        "message": "Success",
        "data": { "msg_id": msg_id, "sent_time": "1764471600000", "quota": {} }
    }))
}

/// A Zalo failure (ZNS or OA): HTTP 200 with `error ≠ 0`, as Zalo answers.
pub fn zalo_error(code: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "error": code, "message": "error" }))
}

/// An eSMS answer with this `CodeResult`.
pub fn esms(code: &str, sms_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "CodeResult": code, "SMSID": sms_id }))
}

/// Zalo's OAuth answer with a new token pair.
pub fn oauth_ok(access: &str, refresh: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": "90000"
    }))
}

/// An eSMS that deduplicates `RequestId` like the real one: the first request with an id is
/// accepted (code 100), a repeat answered 124 and not sent. `requests` counts the requests
/// per `RequestId`, so its keys are the ids accepted.
#[derive(Clone, Default)]
pub struct DedupingEsms {
    /// Requests received per `RequestId`.
    pub requests: Arc<Mutex<HashMap<String, u32>>>,
    /// Delay before answering.
    pub delay: Duration,
}

impl Respond for DedupingEsms {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let id = body["RequestId"].as_str().unwrap_or_default().to_owned();
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let count = requests.entry(id.clone()).or_insert(0);
        *count += 1;
        let answer = if *count == 1 {
            json!({ "CodeResult": "100", "SMSID": format!("sms-{id}") })
        } else {
            json!({ "CodeResult": "124", "ErrorMessage": "duplicate RequestId" })
        };
        ResponseTemplate::new(200)
            .set_body_json(answer)
            .set_delay(self.delay)
    }
}
