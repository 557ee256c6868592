//! Signed Zalo OA events posted to the running app, as Zalo sends them (the test secrets of
//! `WebhookSettings::for_tests`).

use serde_json::{Value, json};

use crate::TestApp;

/// The test Zalo app id.
pub const APP_ID: &str = "test-app";
/// The test OA secret key.
pub const OA_SECRET: &str = "test-oa-secret";
/// The OA's id in events.
pub const OA_ID: &str = "579745863508352884";

/// A Zalo event of `name` at the app's current instant, with `fields` merged in; returns the
/// body and its timestamp.
pub fn zalo_event(app: &TestApp, name: &str, fields: Value) -> (String, String) {
    let timestamp = app.clock_now().timestamp_millis().to_string();
    let mut event = json!({
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "user_id_by_app": "552177279717587730",
        "event_name": name,
        "timestamp": timestamp,
    });
    if let (Value::Object(e), Value::Object(f)) = (&mut event, fields) {
        e.extend(f);
    }
    (event.to_string(), timestamp)
}

/// A delivery receipt (`user_received_message`, `user_seen_message`) to `user` about
/// `message` (`msg_id`, `msg_ids`, `tracking_id`).
pub fn zalo_receipt(app: &TestApp, name: &str, user: &str, message: Value) -> (String, String) {
    zalo_event(
        app,
        name,
        json!({ "sender": { "id": OA_ID }, "recipient": { "id": user }, "message": message }),
    )
}

/// A `user_send_text`: `user` wrote `text` to the OA (a fresh `msg_id` each time).
pub fn zalo_text(app: &TestApp, user: &str, text: &str) -> (String, String) {
    zalo_event(
        app,
        "user_send_text",
        json!({
            "sender": { "id": user },
            "recipient": { "id": OA_ID },
            "message": { "text": text, "msg_id": uuid::Uuid::new_v4().simple().to_string() },
        }),
    )
}

/// The signature Zalo puts in `X-ZEvent-Signature`.
pub fn sign(body: &str, timestamp: &str) -> String {
    api::http::webhooks::zalo_signature(APP_ID, body.as_bytes(), timestamp, OA_SECRET)
}

/// Posts `body` to the Zalo webhook with this signature header (none if `None`); returns the
/// HTTP status.
pub async fn post_zalo(app: &TestApp, body: &str, signature: Option<&str>) -> u16 {
    let mut req = app
        .http
        .post(format!("{}/webhooks/zalo", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("X-ZEvent-Signature", s);
    }
    req.send().await.unwrap().status().as_u16()
}

/// Posts a correctly signed event.
pub async fn post_signed(app: &TestApp, (body, timestamp): &(String, String)) -> u16 {
    post_zalo(app, body, Some(&sign(body, timestamp))).await
}

/// The test two-way SMS number.
pub const SMS_NUMBER: &str = "8079";
/// The test path secret of the inbound SMS webhook.
pub const SMS_SECRET: &str = "test-sms-inbound-secret";
/// The test signing key of the inbound SMS provider.
pub const SMS_SIGNING_KEY: &str = "test-sms-signing-key";

/// An inbound SMS with provider id `id` from `from` to the two-way number, stamped with the
/// app's current instant (Unix seconds); returns the body and its timestamp.
pub fn inbound_sms(app: &TestApp, id: &str, from: &str, text: &str) -> (String, String) {
    let timestamp = app.clock_now().timestamp().to_string();
    let body = json!({
        "id": id,
        "from": from,
        "to": SMS_NUMBER,
        "text": text,
        "timestamp": timestamp.parse::<i64>().expect("seconds"),
        "keyword": "",
    });
    (body.to_string(), timestamp)
}

/// The signature the provider puts in `X-Signature`.
pub fn sign_sms(body: &str, timestamp: &str) -> String {
    api::http::webhooks::sms_signature(SMS_SIGNING_KEY, timestamp, body.as_bytes())
}

/// Posts `body` to `/webhooks/sms/{secret}` with this signature (none if `None`); returns the
/// HTTP status and the response body.
pub async fn post_sms(
    app: &TestApp,
    secret: &str,
    body: &str,
    signature: Option<&str>,
) -> (u16, String) {
    let mut req = app
        .http
        .post(format!("{}/webhooks/sms/{secret}", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("X-Signature", s);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Posts a correctly signed inbound SMS to the right URL; returns the HTTP status.
pub async fn post_signed_sms(app: &TestApp, (body, timestamp): &(String, String)) -> u16 {
    post_sms(app, SMS_SECRET, body, Some(&sign_sms(body, timestamp)))
        .await
        .0
}
