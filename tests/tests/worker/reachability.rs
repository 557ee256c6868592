//! The reachability watch (issue 13, item 3): a client whom no channel reaches is shown as
//! unreachable on `Client.reachability` and in `messagingCosts`, and the case officer is told
//! once per episode — through the real sender, the fake gateways refusing and then accepting.

use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use store::settings::SenderSettings;
use tests::{TestApp, db_tests, world::World};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};
use worker::gateways::GatewaySettings;

use crate::support::{
    CLIENT_A_SMS_PHONE, CLIENT_A_ZNS_PHONE, ESMS_PATH, book, drain, esms, fake_gateways, reload,
    reminder_due, sender, sender_with, sms_to, zns_and_sms_answer, zns_error, zns_ok, zns_then_sms,
    zns_to,
};

db_tests!(
    the_unreachable_alert_fires_once_per_episode_and_clears_when_a_message_gets_through,
    a_client_is_unreachable_after_n_failed_messages_in_a_row,
    two_workers_failing_the_same_client_at_once_alert_once,
);

const REACHABILITY: &str = "query($id: ID!) { client(id: $id) { reachability { unreachable unreachableSince consecutiveFailures reasons { channel outcome reason at } } } }";
const REPORT: &str = "query($c: String!, $m: String!) { messagingCosts(communeCode: $c, month: $m) { unreachablePeople } }";

async fn unreachable_alerts(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("officer_client_unreachable"))
        .all(&app.db)
        .await
        .unwrap()
}

async fn reachability(app: &TestApp, w: &World) -> Value {
    let data = app
        .ok(
            &w.officer_a_token,
            REACHABILITY,
            json!({ "id": w.client_a }),
        )
        .await;
    data["client"]["reachability"].clone()
}

async fn unreachable_people(app: &TestApp, w: &World) -> i64 {
    let data = app
        .ok(
            &w.officer_a_token,
            REPORT,
            json!({ "c": tests::world::COMMUNE_A, "m": "2026-11" }),
        )
        .await;
    data["messagingCosts"]["unreachablePeople"]
        .as_i64()
        .unwrap()
}

/// Officer A's phone answers every alert.
async fn officer_phone_accepts(fake: &MockServer) {
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .and(body_partial_json(json!({ "Phone": "0987654321" })))
        .respond_with(esms("100", "sms-officer"))
        .mount(fake)
        .await;
}

/// Client A's next reminder is refused on every channel for good: not on Zalo (ZNS -118) and
/// a malformed number for eSMS (108). `zns_calls` is 0 once ZNS taught that the number is not
/// on Zalo (the sender then skips ZNS until the recheck).
async fn next_reminder_refused(
    app: &TestApp,
    w: &World,
    fake: &MockServer,
    (zns_phone, sms_phone): (&str, &str),
    zns_calls: u64,
) -> outbox_message::Model {
    let m = reminder_due(app, &w.officer_a_token, &w.client_a).await;
    zns_to(zns_phone, &m)
        .respond_with(zns_error(-118))
        .expect(zns_calls)
        .mount(fake)
        .await;
    sms_to(sms_phone, &m)
        .respond_with(esms("108", ""))
        .expect(1)
        .mount(fake)
        .await;
    m
}

const OLD_NUMBER: (&str, &str) = (CLIENT_A_ZNS_PHONE, CLIENT_A_SMS_PHONE);
const NEW_NUMBER: (&str, &str) = ("84912000099", "0912000099");

async fn the_unreachable_alert_fires_once_per_episode_and_clears_when_a_message_gets_through(
    app: TestApp,
) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    officer_phone_accepts(&fake).await;
    let sender = sender(&app, &fake);

    // Episode 1 starts at the first failure: every channel refused the person for good.
    let first = next_reminder_refused(&app, &w, &fake, OLD_NUMBER, 1).await;
    drain(&sender).await;
    assert_eq!(reload(&app, first.id).await.status, "failed");
    let alerts = unreachable_alerts(&app).await;
    assert_eq!(alerts.len(), 1, "one alert, to the one case officer");
    assert_eq!(alerts[0].status, "sent", "the alert went out");
    let r = reachability(&app, &w).await;
    assert_eq!(r["unreachable"], true);
    assert_eq!(r["consecutiveFailures"], 1);
    assert!(r["unreachableSince"].is_string());
    let reasons: Vec<(String, String)> = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["channel"].as_str().unwrap().to_owned(),
                x["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("SMS".to_owned(), "PERMANENT".to_owned()),
            ("ZALO_ZNS".to_owned(), "RECIPIENT_UNREACHABLE".to_owned()),
        ]
    );
    assert_eq!(unreachable_people(&app, &w).await, 1);

    // A second failure in the same episode: counted, no second alert.
    // ZNS is not asked again: it said the number is not on Zalo.
    let second = next_reminder_refused(&app, &w, &fake, OLD_NUMBER, 0).await;
    drain(&sender).await;
    assert_eq!(reload(&app, second.id).await.status, "failed");
    assert_eq!(unreachable_alerts(&app).await.len(), 1, "once per episode");
    assert_eq!(reachability(&app, &w).await["consecutiveFailures"], 2);

    // The officer records the person's new number, which is on Zalo: what ZNS taught about
    // the old one is forgotten, the message gets through, the episode ends.
    let update = "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }";
    app.ok(
        &w.officer_a_token,
        update,
        json!({ "i": { "id": w.client_a, "phone": NEW_NUMBER.1 } }),
    )
    .await;
    let third = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    zns_to(NEW_NUMBER.0, &third)
        .respond_with(zns_ok("zns-3"))
        .expect(1)
        .mount(&fake)
        .await;
    drain(&sender).await;
    assert_eq!(reload(&app, third.id).await.status, "sent");
    let r = reachability(&app, &w).await;
    assert_eq!(r["unreachable"], false);
    assert_eq!(r["consecutiveFailures"], 0);
    assert_eq!(r["unreachableSince"], Value::Null);
    assert_eq!(r["reasons"], json!([]));
    assert_eq!(unreachable_people(&app, &w).await, 0);

    // Lost again later: a new episode, a new alert.
    let fourth = next_reminder_refused(&app, &w, &fake, NEW_NUMBER, 1).await;
    drain(&sender).await;
    assert_eq!(reload(&app, fourth.id).await.status, "failed");
    assert_eq!(
        unreachable_alerts(&app).await.len(),
        2,
        "a new episode alerts again"
    );
    assert_eq!(reachability(&app, &w).await["unreachable"], true);
    fake.verify().await;
}

/// Failures that may pass (the gateways answer 500 and the retries are spent) make a client
/// unreachable only after `UNREACHABLE_AFTER_MESSAGES` (3) messages in a row.
async fn a_client_is_unreachable_after_n_failed_messages_in_a_row(app: TestApp) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    officer_phone_accepts(&fake).await;
    let settings = SenderSettings {
        retry: domain::messaging::RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        },
        ..SenderSettings::default()
    };
    let sender = sender_with(
        &app,
        GatewaySettings::for_tests(&fake.uri(), &fake.uri()),
        settings,
    );
    for n in 1..=3 {
        let m = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
        zns_then_sms(
            &fake,
            &m,
            (ResponseTemplate::new(500), 1),
            (ResponseTemplate::new(500), 1),
        )
        .await;
        drain(&sender).await;
        assert_eq!(reload(&app, m.id).await.status, "failed", "message {n}");
        let r = reachability(&app, &w).await;
        assert_eq!(r["consecutiveFailures"], n);
        assert_eq!(r["unreachable"], n == 3, "message {n}");
        assert_eq!(
            unreachable_alerts(&app).await.len(),
            usize::from(n == 3),
            "the alert comes with the third failure, not before"
        );
    }
    let r = reachability(&app, &w).await;
    let channels: Vec<&str> = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, vec!["SMS", "ZALO_ZNS"]);
    fake.verify().await;
}

/// Two workers record the failures of two messages to the same client at the same moment:
/// both count, and the episode (with its alert) starts once — the guarded update decides.
async fn two_workers_failing_the_same_client_at_once_alert_once(app: TestApp) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    officer_phone_accepts(&fake).await;
    zns_and_sms_answer(&fake, zns_error(-118), esms("108", "")).await;
    // Two appointments at the same hour: two reminders due at once.
    let starts = app.clock_now() + chrono::Duration::hours(3);
    let first = book(&app, &w.officer_a_token, &w.client_a, starts).await;
    let second = book(&app, &w.officer_a_token, &w.client_a, starts).await;
    let (first, second) = (first[0].clone(), second[0].clone());
    app.clock.set(first.due_at);
    let one = sender(&app, &fake);
    let two = sender(&app, &fake);
    // Each message is delivered to the end (ZNS refused, then SMS refused) by its own worker,
    // both workers at once.
    for _ in 0..2 {
        let dispatch = uuid::Uuid::now_v7();
        let claimed = one.claim_due(dispatch).await.unwrap();
        let ids: Vec<_> = claimed.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), 2, "both messages are due");
        let (a, b) = tokio::join!(one.deliver(ids[0], dispatch), two.deliver(ids[1], dispatch));
        assert!(a.unwrap() && b.unwrap());
    }
    assert_eq!(reload(&app, first.id).await.status, "failed");
    assert_eq!(reload(&app, second.id).await.status, "failed");
    let r = reachability(&app, &w).await;
    assert_eq!(r["consecutiveFailures"], 2, "both failures count");
    assert_eq!(r["unreachable"], true);
    assert_eq!(
        unreachable_alerts(&app).await.len(),
        1,
        "one episode, one alert"
    );
}
