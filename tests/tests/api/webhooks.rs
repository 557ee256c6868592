//! Inbound webhooks over real HTTP: signed Zalo OA events become check-ins and opt-outs,
//! eSMS and Zalo receipts mark messages delivered, and forged, stale or replayed requests
//! change nothing.
//!
//! Out-of-order receipts: a receipt that arrives while the message is still `sending` (the
//! gateway answered, the worker has not written `sent` yet) is accepted when it names the
//! message (provider id or ZNS `tracking_id` = our id); one for a message still `queued` or
//! `deferred` was not sent by us and is ignored; `delivered`, `failed` and `cancelled` never
//! change.

use chrono::Duration;
use domain::messaging::templates::{TemplateKey, Vars};
use entities::{client, outbox_message};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use store::outbox::{self, MessageStatus, NewMessage, Recipient};
use tests::{
    Backend, TestApp, db_tests, spawn_app_with,
    webhooks::{
        APP_ID, post_signed, post_zalo, sign, zalo_event, zalo_receipt, zalo_text as text_from,
    },
};
use uuid::Uuid;

db_tests!(
    zalo_replies_check_in_and_opt_out_with_one_confirmation_each,
    forged_stale_and_replayed_zalo_events_change_nothing,
    remembered_events_are_forgotten_after_a_day,
    esms_callbacks_mark_delivery_once_and_only_for_known_ids,
    zalo_receipts_move_messages_forward_only,
);

const ESMS_SECRET: &str = "test-esms-secret";
const ZALO_USER: &str = "8421000000000000001";

const UPDATE_CLIENT: &str =
    "mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id } } }";
const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";

async fn esms_callback(app: &TestApp, secret: &str, query: &str) -> u16 {
    let url = format!("{}/webhooks/esms/{secret}?{query}", app.address);
    app.http.get(url).send().await.unwrap().status().as_u16()
}

async fn count_sql(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn queued_with_template(app: &TestApp, template: &str) -> i64 {
    count_sql(
        app,
        &format!("SELECT COUNT(*) AS n FROM outbox_messages WHERE template = '{template}'"),
    )
    .await
}

/// Client A of the world, as a database row.
async fn client_a(app: &TestApp) -> client::Model {
    client::Entity::find()
        .filter(client::Column::Phone.eq("84912000001"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("client A")
}

/// Builds the world, links client A to a Zalo id and gives them a plan whose window is open
/// now (Monday 08:00–12:00 local).
async fn client_a_on_zalo_with_open_window(app: &TestApp) {
    let w = app.world().await;
    let input = json!({ "id": w.client_a, "zaloUserId": ZALO_USER });
    app.ok(&w.officer_a_token, UPDATE_CLIENT, json!({ "input": input }))
        .await;
    let plan = json!({ "orderId": w.order_a, "rule": { "weekly": { "weekdays": ["MON", "THU"] } }, "opensAt": "08:00", "windowMinutes": 240 });
    app.ok(&w.officer_a_token, CREATE_PLAN, json!({ "input": plan }))
        .await;
}

async fn zalo_replies_check_in_and_opt_out_with_one_confirmation_each(app: TestApp) {
    client_a_on_zalo_with_open_window(&app).await;
    // A follow is acknowledged and nothing about the follower is kept.
    let follow = zalo_event(
        &app,
        "follow",
        json!({ "follower": { "id": "new-follower" } }),
    );
    assert_eq!(post_signed(&app, &follow).await, 200);
    let linked = "SELECT COUNT(*) AS n FROM clients WHERE zalo_user_id IS NOT NULL";
    assert_eq!(count_sql(&app, linked).await, 1);

    assert_eq!(
        post_signed(&app, &text_from(&app, ZALO_USER, "co")).await,
        200
    );
    let by_zalo = "SELECT COUNT(*) AS n FROM check_ins WHERE method = 'zalo_reply' AND NOT late";
    assert_eq!(count_sql(&app, by_zalo).await, 1);
    assert_eq!(queued_with_template(&app, "check_in_confirmed").await, 1);
    // Another "có" finds the window already checked in: no second check-in, no second thanks.
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        post_signed(&app, &text_from(&app, ZALO_USER, "Có ạ")).await,
        200
    );
    assert_eq!(count_sql(&app, by_zalo).await, 1);
    assert_eq!(queued_with_template(&app, "check_in_confirmed").await, 1);

    // An unknown Zalo user is answered 200 and changes nothing.
    assert_eq!(
        post_signed(&app, &text_from(&app, "someone-else", "TU CHOI")).await,
        200
    );
    assert!(client_a(&app).await.opted_out_at.is_none());

    app.clock.advance(Duration::minutes(1));
    let at = app.clock_now();
    assert_eq!(
        post_signed(&app, &text_from(&app, ZALO_USER, "TU CHOI")).await,
        200
    );
    let c = client_a(&app).await;
    assert_eq!(c.opted_out_at, Some(at), "honoured at once");
    assert_eq!(queued_with_template(&app, "opt_out_confirmed").await, 1);
    let confirmation = outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("opt_out_confirmed"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(confirmation.client_id, Some(c.id));
    assert_eq!(confirmation.status, MessageStatus::Queued.as_str());

    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        post_signed(&app, &text_from(&app, ZALO_USER, "STOP")).await,
        200
    );
    assert_eq!(
        client_a(&app).await.opted_out_at,
        Some(at),
        "first instant kept"
    );
    assert_eq!(
        queued_with_template(&app, "opt_out_confirmed").await,
        1,
        "confirmed once"
    );
}

async fn forged_stale_and_replayed_zalo_events_change_nothing(app: TestApp) {
    client_a_on_zalo_with_open_window(&app).await;
    let outbox_before = app.count("outbox_messages").await;
    let event = text_from(&app, ZALO_USER, "STOP");

    // Forged: signed with another secret, with no signature, with a garbled one, or signed
    // for a different body.
    let (body, ts) = &event;
    let wrong_key = api::http::webhooks::zalo_signature(APP_ID, body.as_bytes(), ts, "guess");
    assert_eq!(post_zalo(&app, body, Some(&wrong_key)).await, 401);
    assert_eq!(post_zalo(&app, body, None).await, 401);
    assert_eq!(post_zalo(&app, body, Some("mac=not-hex")).await, 401);
    let other = text_from(&app, ZALO_USER, "co");
    assert_eq!(
        post_zalo(&app, body, Some(&sign(&other.0, &other.1))).await,
        401
    );
    assert_eq!(app.count("webhook_events").await, 0, "nothing written");
    assert_eq!(app.count("check_ins").await, 0);
    assert_eq!(app.count("outbox_messages").await, outbox_before);
    assert!(client_a(&app).await.opted_out_at.is_none());

    // Stale: correctly signed, but six minutes old.
    let stale = event.clone();
    app.clock.advance(Duration::minutes(6));
    assert_eq!(post_signed(&app, &stale).await, 401);
    assert_eq!(app.count("webhook_events").await, 0);
    assert!(client_a(&app).await.opted_out_at.is_none());

    // Replayed: the same signed event twice (Zalo retries) is processed once.
    let check_in = text_from(&app, ZALO_USER, "co");
    assert_eq!(post_signed(&app, &check_in).await, 200);
    app.clock.advance(Duration::seconds(30));
    assert_eq!(post_signed(&app, &check_in).await, 200);
    assert_eq!(app.count("webhook_events").await, 1);
    assert_eq!(app.count("check_ins").await, 1);
    assert_eq!(queued_with_template(&app, "check_in_confirmed").await, 1);
    // And once the window has passed, the replay is stale.
    app.clock.advance(Duration::minutes(5));
    assert_eq!(post_signed(&app, &check_in).await, 401);
    assert_eq!(app.count("webhook_events").await, 1);
}

/// Adds a message to client A and moves it to `status` with `provider_id`; returns its id.
async fn message(
    app: &TestApp,
    key: &str,
    status: MessageStatus,
    provider_id: Option<&str>,
) -> Uuid {
    let c = client_a(app).await;
    let now = app.clock_now();
    let new = NewMessage {
        dedupe_key: store::outbox::DedupeKey::test_row(key),
        recipient: Recipient::Client(c.id),
        commune_code: c.commune_code,
        template: TemplateKey::CheckInConfirmed,
        vars: Vars::new().with("name", c.full_name),
        due_at: now,
        expires_at: None,
        urgent: false,
        source_type: "client",
        source_id: Some(c.id),
    };
    assert!(outbox::enqueue(&app.db, new, now).await.unwrap());
    let row = outbox_message::Entity::find()
        .filter(outbox_message::Column::DedupeKey.eq(format!("test:{key}")))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id = row.id;
    let mut m: outbox_message::ActiveModel = row.into();
    m.status = Set(status.as_str().to_owned());
    m.provider_message_id = Set(provider_id.map(str::to_owned));
    if status == MessageStatus::Sending {
        m.lease_token = Set(Some(Uuid::now_v7()));
        m.lease_until = Set(Some(now + Duration::minutes(2)));
    } else if status != MessageStatus::Queued {
        m.sent_at = Set(Some(now));
    }
    m.update(&app.db).await.unwrap();
    id
}

async fn load(app: &TestApp, id: Uuid) -> outbox_message::Model {
    outbox_message::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

fn status_of(m: &outbox_message::Model) -> MessageStatus {
    MessageStatus::from_stored(&m.status).unwrap()
}

async fn esms_callbacks_mark_delivery_once_and_only_for_known_ids(app: TestApp) {
    app.world().await;
    let sent = message(&app, "sent", MessageStatus::Sent, Some("esms-sms-1")).await;
    let rejected = message(&app, "rejected", MessageStatus::Sent, Some("esms-sms-2")).await;
    let delivered_at = app.clock_now();
    // eSMS adds fields we do not use (and must not store): they are ignored.
    let delivered = "SMSID=esms-sms-1&SendStatus=5&SendSuccess=1&SendFailed=0&TotalSent=1\
                     &RequestId=x&TypeId=2&telcoid=1&phonenumber=84912000001";

    assert_eq!(
        esms_callback(&app, "wrong-secret-0000", delivered).await,
        404
    );
    assert_eq!(esms_callback(&app, "test-esms-secre", delivered).await, 404);
    assert_eq!(status_of(&load(&app, sent).await), MessageStatus::Sent);
    assert_eq!(app.count("webhook_events").await, 0);

    assert_eq!(esms_callback(&app, ESMS_SECRET, delivered).await, 200);
    let m = load(&app, sent).await;
    assert_eq!(status_of(&m), MessageStatus::Delivered);
    assert_eq!(m.delivered_at, Some(delivered_at));

    // Duplicated callback, later: harmless.
    app.clock.advance(Duration::minutes(3));
    assert_eq!(esms_callback(&app, ESMS_SECRET, delivered).await, 200);
    assert_eq!(load(&app, sent).await, m);
    // A late failure report never takes delivery back.
    let late_failure = "SMSID=esms-sms-1&SendStatus=4";
    assert_eq!(esms_callback(&app, ESMS_SECRET, late_failure).await, 200);
    assert_eq!(load(&app, sent).await, m);

    // Unknown SMSID: answered, ignored, nothing written.
    let events = app.count("webhook_events").await;
    let before = load(&app, rejected).await;
    assert_eq!(
        esms_callback(&app, ESMS_SECRET, "SMSID=nobody&SendStatus=5").await,
        200
    );
    assert_eq!(app.count("webhook_events").await, events);
    assert_eq!(load(&app, rejected).await, before);
    // Without an SMSID there is nothing to match.
    assert_eq!(esms_callback(&app, ESMS_SECRET, "SendStatus=5").await, 400);

    // "Waiting for the carrier's report" (7) changes nothing; "rejected" (4) fails it.
    assert_eq!(
        esms_callback(&app, ESMS_SECRET, "SMSID=esms-sms-2&SendStatus=7").await,
        200
    );
    assert_eq!(status_of(&load(&app, rejected).await), MessageStatus::Sent);
    assert_eq!(
        esms_callback(&app, ESMS_SECRET, "SMSID=esms-sms-2&SendStatus=4").await,
        200
    );
    let m = load(&app, rejected).await;
    assert_eq!(status_of(&m), MessageStatus::Failed);
    assert_eq!(m.last_reason.as_deref(), Some("esms status 4"));
    assert_eq!(m.delivered_at, None);
    // A delivery report after the failure does not resurrect it.
    assert_eq!(
        esms_callback(&app, ESMS_SECRET, "SMSID=esms-sms-2&SendStatus=5").await,
        200
    );
    assert_eq!(
        status_of(&load(&app, rejected).await),
        MessageStatus::Failed
    );
}

fn receipt(app: &TestApp, name: &str, message: Value) -> (String, String) {
    zalo_receipt(app, name, ZALO_USER, message)
}

async fn zalo_receipts_move_messages_forward_only(app: TestApp) {
    app.world().await;
    let sent = message(&app, "sent", MessageStatus::Sent, Some("zns-msg-1")).await;
    let delivered_at = app.clock_now();
    let received = receipt(
        &app,
        "user_received_message",
        json!({ "msg_id": "zns-msg-1", "delivery_time": "1764464400000" }),
    );
    assert_eq!(post_signed(&app, &received).await, 200);
    let m = load(&app, sent).await;
    assert_eq!(status_of(&m), MessageStatus::Delivered);
    assert_eq!(m.delivered_at, Some(delivered_at));

    // Late "seen" after delivery: stays delivered, at the first instant.
    app.clock.advance(Duration::minutes(2));
    let seen = receipt(
        &app,
        "user_seen_message",
        json!({ "msg_ids": ["zns-msg-1"] }),
    );
    assert_eq!(post_signed(&app, &seen).await, 200);
    assert_eq!(load(&app, sent).await, m);

    // Out of order: the receipt beats the worker's `sent` (still `sending`, leased). Matched
    // by the ZNS tracking id (our id, as sent), it is delivered and the lease released, so the
    // worker's late write cannot turn it back into `sent`.
    let in_flight = message(&app, "in-flight", MessageStatus::Sending, None).await;
    let receipt_first = receipt(
        &app,
        "user_received_message",
        json!({ "msg_id": "zns-msg-2", "tracking_id": in_flight.simple().to_string() }),
    );
    assert_eq!(post_signed(&app, &receipt_first).await, 200);
    let m = load(&app, in_flight).await;
    assert_eq!(status_of(&m), MessageStatus::Delivered);
    assert_eq!(m.lease_token, None);
    assert_eq!(m.provider_message_id.as_deref(), Some("zns-msg-2"));
    assert!(m.sent_at.is_some());

    // Unconfirmed (ambiguous send) is settled by its receipt.
    let unconfirmed = message(
        &app,
        "unconfirmed",
        MessageStatus::Unconfirmed,
        Some("zns-msg-3"),
    )
    .await;
    let r = receipt(
        &app,
        "user_received_message",
        json!({ "msg_id": "zns-msg-3" }),
    );
    assert_eq!(post_signed(&app, &r).await, 200);
    assert_eq!(
        status_of(&load(&app, unconfirmed).await),
        MessageStatus::Delivered
    );

    // Not sent by us (queued), or finished otherwise (failed, cancelled): untouched.
    for (key, status) in [
        ("queued", MessageStatus::Queued),
        ("failed", MessageStatus::Failed),
        ("cancelled", MessageStatus::Cancelled),
    ] {
        let provider = format!("zns-{key}");
        let id = message(&app, key, status, Some(&provider)).await;
        let before = load(&app, id).await;
        let r = receipt(
            &app,
            "user_received_message",
            json!({ "msg_id": provider, "tracking_id": id.simple().to_string() }),
        );
        assert_eq!(post_signed(&app, &r).await, 200);
        assert_eq!(load(&app, id).await, before, "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_without_their_secret_answer_404() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.webhooks.zalo = None;
        s.webhooks.esms_callback_secret = None;
        s.webhooks.sms_inbound = None;
    })
    .await
    .expect("sqlite app");
    let event = zalo_event(&app, "follow", json!({ "follower": { "id": ZALO_USER } }));
    assert_eq!(post_signed(&app, &event).await, 404);
    assert_eq!(
        esms_callback(&app, ESMS_SECRET, "SMSID=x&SendStatus=5").await,
        404
    );
    let sms = tests::webhooks::inbound_sms(&app, "mo-1", "0912000001", "co");
    assert_eq!(tests::webhooks::post_signed_sms(&app, &sms).await, 404);
    assert_eq!(app.count("webhook_events").await, 0);
}

async fn remembered_events_are_forgotten_after_a_day(app: TestApp) {
    use sea_orm::{EntityTrait, Set};
    entities::webhook_event::Entity::insert(entities::webhook_event::ActiveModel {
        id: Set("digest-1".into()),
        source: Set("zalo".into()),
        received_at: Set(app.clock_now()),
    })
    .exec(&app.db)
    .await
    .unwrap();
    assert_eq!(
        app.tick().await.webhook_events_pruned,
        0,
        "a fresh event is remembered"
    );
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(app.tick().await.webhook_events_pruned, 1);
    assert_eq!(app.count("webhook_events").await, 0);
}
