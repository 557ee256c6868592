//! Sends in doubt: a Zalo call that timed out after the request left, or that a worker never
//! finished (it stopped mid-call). Zalo does not deduplicate, so such a message waits for a
//! receipt and then moves on to the next channel, once; a receipt shows the attempt that
//! reached the person and when it was made.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entities::outbox_message;
use serde_json::{Value, json};
use store::settings::{GatewaySettings, SenderSettings};
use tests::{
    TestApp, db_tests,
    webhooks::{post_signed, zalo_receipt},
    world::World,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, path},
};

use crate::support::{
    attempts, client_a_reminder_due, drain, fake_gateways, pairs, reload, reminder_due, sender,
    sender_with, sms_to_client_a, zns_ok, zns_to_client_a,
};

db_tests!(
    an_oa_timeout_moves_on_to_zns_once_after_the_reconcile_window,
    a_call_cut_off_mid_send_is_recorded_and_awaits_its_receipt,
    a_receipt_after_an_oa_timeout_shows_the_attempt_and_its_times,
);

const OA_PATH: &str = "/v3.0/oa/message/cs";
const ZALO_USER: &str = "1234567890";
const HISTORY: &str = "query($c: ID!) { messages(filter: { clientId: $c }) { edges { node { status channel sentAt deliveredAt lastOutcome lastReason attempts { channel attemptedAt deliveredAt outcome reason } } } } }";

/// Gateways on `fake` that stop waiting after 300 ms, so a slow answer is a timeout.
fn impatient_gateways(fake: &MockServer) -> GatewaySettings {
    let mut gateways = GatewaySettings::for_tests(&fake.uri(), &fake.uri());
    gateways.timeout = StdDuration::from_millis(300);
    gateways
}

/// Client A follows the OA and wrote to it just now (the free OA window is open), with the
/// two-hour reminder of an appointment due: its plan is OA, then ZNS, then SMS.
async fn oa_follower_reminder_due(app: &TestApp) -> (World, outbox_message::Model) {
    let w = app.world().await;
    let m = "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }";
    app.ok(
        &app.admin_token,
        m,
        json!({ "i": { "id": w.client_a, "zaloUserId": ZALO_USER } }),
    )
    .await;
    let sender_id = api::schedules::check_ins::ReplySender::ZaloUser(ZALO_USER.into());
    api::schedules::check_ins::record_reply(
        &app.db,
        sender_id,
        "chào cán bộ",
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    let reminder = reminder_due(app, &w.officer_a_token, &w.client_a).await;
    (w, reminder)
}

/// An OA message to client A that Zalo answers only after the gateway stopped waiting.
async fn oa_times_out(fake: &MockServer) {
    Mock::given(path(OA_PATH))
        .and(body_partial_json(json!({ "recipient": { "user_id": ZALO_USER } })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "error": 0, "message": "Success", "data": { "message_id": "oa-late" } }))
                .set_delay(StdDuration::from_secs(3)),
        )
        .expect(1)
        .mount(fake)
        .await;
}

/// Client A's message history as the officer reads it; the one message's node.
/// ZNS attempts and their cost in commune A's report of `month`.
async fn zns_costs(app: &TestApp, w: &World, month: &str) -> (u64, i64) {
    let q = "query($c: String!, $m: String!) { messagingCosts(communeCode: $c, month: $m) { channels { channel attempts costVnd } } }";
    let data = app
        .ok(
            &w.officer_a_token,
            q,
            json!({ "c": tests::world::COMMUNE_A, "m": month }),
        )
        .await;
    let channels = data["messagingCosts"]["channels"].as_array().unwrap();
    let zns = channels
        .iter()
        .find(|c| c["channel"] == "ZALO_ZNS")
        .unwrap();
    (
        zns["attempts"].as_u64().unwrap(),
        zns["costVnd"].as_i64().unwrap(),
    )
}

async fn history_of_client_a(app: &TestApp, w: &World) -> Value {
    let data = app
        .ok(&w.officer_a_token, HISTORY, json!({ "c": w.client_a }))
        .await;
    data["messages"]["edges"][0]["node"].clone()
}

/// A GraphQL `DateTime` as an instant (null: `None`).
fn instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().map(|s| s.parse().expect("an RFC 3339 instant"))
}

async fn an_oa_timeout_moves_on_to_zns_once_after_the_reconcile_window(app: TestApp) {
    let (_, reminder) = oa_follower_reminder_due(&app).await;
    let fake = fake_gateways().await;
    oa_times_out(&fake).await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-after-oa"))
        .expect(1)
        .mount(&fake)
        .await;
    sms_to_client_a(&reminder)
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&fake)
        .await;
    let settings = SenderSettings::default();
    let reconcile = settings.reconcile_after;
    let sender = sender_with(&app, impatient_gateways(&fake), settings);

    let t0 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(
        (row.status.as_str(), row.next_attempt_at),
        ("unconfirmed", t0 + reconcile)
    );

    // No receipt within the window: ZNS gets it at once, and only once; it is not parked a
    // second time as if a worker had stopped mid-send.
    app.clock.set(t0 + reconcile);
    drain(&sender).await;
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent", "{:?}", row.last_reason);
    assert_eq!(row.channel.as_deref(), Some("zalo_zns"));
    assert_eq!(row.sent_at, Some(t0 + reconcile));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_oa", "ambiguous"), ("zalo_zns", "accepted")])
    );
    fake.verify().await;
}

async fn a_call_cut_off_mid_send_is_recorded_and_awaits_its_receipt(app: TestApp) {
    let (w, reminder, fake) = client_a_reminder_due(&app).await;
    // ZNS takes its time; the worker is gone before the answer (its future is dropped
    // mid-call, as a killed process leaves the database).
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-slow").set_delay(StdDuration::from_secs(5)))
        .expect(1..)
        .mount(&fake)
        .await;
    sms_to_client_a(&reminder)
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&fake)
        .await;
    let settings = SenderSettings::default();
    let (lease, reconcile) = (settings.lease, settings.reconcile_after);
    let sender = sender(&app, &fake);
    let t0 = app.clock_now();
    let cut = tokio::time::timeout(StdDuration::from_millis(800), sender.run_once()).await;
    assert!(cut.is_err(), "the call was cut off");
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sending");
    assert_eq!(
        row.channel.as_deref(),
        Some("zalo_zns"),
        "recorded before the call"
    );
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "in_flight")])
    );
    // The call is in its commune's report from its start, billed nothing yet.
    let month = domain::messaging::budget::month_key(t0);
    assert_eq!(zns_costs(&app, &w, &month).await, (1, 0));

    // The lease expires; the next worker finds the call recorded as started and unanswered.
    // ZNS may have delivered it, so it waits for a receipt instead of sending again.
    app.clock.set(t0 + lease + Duration::seconds(1));
    let t1 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "unconfirmed");
    assert_eq!(row.next_attempt_at, t1 + reconcile);
    assert_eq!(
        row.last_reason.as_deref(),
        Some("worker stopped mid-send; awaiting receipt")
    );
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "ambiguous")])
    );
    // It may have gone out: billed as any ambiguous answer, at the seeded ZNS price.
    assert_eq!(zns_costs(&app, &w, &month).await, (1, 300));

    // The receipt arrives (ZNS echoes our id as tracking_id): the history shows the channel,
    // the attempt that reached the phone and the real times.
    app.clock.advance(Duration::minutes(3));
    let received_at = app.clock_now();
    let receipt = zalo_receipt(
        &app,
        "user_received_message",
        "8421000000000000001",
        json!({ "msg_id": "zns-slow", "tracking_id": reminder.id.simple().to_string() }),
    );
    assert_eq!(post_signed(&app, &receipt).await, 200);
    let node = history_of_client_a(&app, &w).await;
    assert_eq!(node["status"], "DELIVERED");
    assert_eq!(node["channel"], "ZALO_ZNS");
    assert_eq!(instant(&node["sentAt"]), Some(t0));
    assert_eq!(instant(&node["deliveredAt"]), Some(received_at));
    assert_eq!(node["lastReason"], Value::Null);
    let attempts = node["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0]["channel"], "ZALO_ZNS");
    assert_eq!(attempts[0]["outcome"], "AMBIGUOUS");
    assert_eq!(attempts[0]["reason"], "worker stopped mid-send");
    assert_eq!(instant(&attempts[0]["attemptedAt"]), Some(t0));
    assert_eq!(instant(&attempts[0]["deliveredAt"]), Some(received_at));
    // Settled: nothing is sent again, on any channel.
    app.clock.advance(reconcile * 2);
    assert_eq!(sender.run_once().await.unwrap(), 0);
}

async fn a_receipt_after_an_oa_timeout_shows_the_attempt_and_its_times(app: TestApp) {
    let (w, reminder) = oa_follower_reminder_due(&app).await;
    let fake = fake_gateways().await;
    oa_times_out(&fake).await;
    let sender = sender_with(&app, impatient_gateways(&fake), SenderSettings::default());
    let t0 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    assert_eq!(reload(&app, reminder.id).await.status, "unconfirmed");

    app.clock.advance(Duration::minutes(10));
    let received_at = app.clock_now();
    let receipt = zalo_receipt(
        &app,
        "user_received_message",
        ZALO_USER,
        json!({ "msg_id": "oa-late", "tracking_id": reminder.id.simple().to_string() }),
    );
    assert_eq!(post_signed(&app, &receipt).await, 200);

    let node = history_of_client_a(&app, &w).await;
    assert_eq!(node["status"], "DELIVERED");
    assert_eq!(node["channel"], "ZALO_OA");
    assert_eq!(
        instant(&node["sentAt"]),
        Some(t0),
        "the send, not the receipt"
    );
    assert_eq!(instant(&node["deliveredAt"]), Some(received_at));
    assert_eq!(node["lastOutcome"], "delivered");
    let attempts = node["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0]["channel"], "ZALO_OA");
    assert_eq!(attempts[0]["outcome"], "AMBIGUOUS");
    assert_eq!(instant(&attempts[0]["attemptedAt"]), Some(t0));
    assert_eq!(instant(&attempts[0]["deliveredAt"]), Some(received_at));
    fake.verify().await;
}
