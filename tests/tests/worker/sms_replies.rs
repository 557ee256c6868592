//! Replies by SMS to the two-way number (issue 13, item 4): the provider's callback over real
//! HTTP, the same reply handling as Zalo (check-in, help, opt-out, opt-in, note; an officer's
//! `XN <code>`), the confirmations sent by the worker through the fake gateways, and forged,
//! stale, replayed and unknown-sender calls refused without effect.

use chrono::Duration;
use entities::{check_in, client, escalation, outbox_message, reply_note};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use tests::{
    TestApp, db_tests, db_tests_with,
    webhooks::{SMS_SECRET, inbound_sms, post_signed_sms, post_sms, sign_sms},
};
use uuid::Uuid;
use wiremock::{
    Mock,
    matchers::{method, path},
};

use crate::{
    escalation::{escalated, one_miss_opens},
    support::{
        CLIENT_A_SMS_PHONE, ESMS_PATH, ZNS_PATH, bodies, check_in_prompt_due, drain, esms,
        fake_gateways, sender, zns_ok,
    },
};

db_tests!(
    sms_replies_with_and_without_diacritics_become_the_right_action,
    forged_stale_replayed_and_unknown_sender_sms_change_nothing,
);

db_tests_with!(one_miss_opens =>
    an_officers_sms_with_the_code_acknowledges_the_escalation,
);

/// A fresh provider message id.
fn mo_id() -> String {
    format!("mo-{}", Uuid::new_v4().simple())
}

/// Client A texts `text` to the two-way number; the call is accepted.
async fn client_a_texts(app: &TestApp, text: &str) {
    let sms = inbound_sms(app, &mo_id(), CLIENT_A_SMS_PHONE, text);
    assert_eq!(post_signed_sms(app, &sms).await, 200, "{text}");
}

async fn client_a(app: &TestApp) -> client::Model {
    client::Entity::find()
        .filter(client::Column::Phone.eq("84912000001"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("client A")
}

/// `(method, wellbeing)` of every check-in, oldest first.
async fn check_ins(app: &TestApp) -> Vec<(String, Option<String>)> {
    check_in::Entity::find()
        .order_by_asc(check_in::Column::CheckedInAt)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.method, c.wellbeing))
        .collect()
}

async fn with_template(app: &TestApp, template: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq(template))
        .all(&app.db)
        .await
        .unwrap()
}

async fn sms_replies_with_and_without_diacritics_become_the_right_action(app: TestApp) {
    let w = app.world().await;
    check_in_prompt_due(&app, &w).await;
    // Four windows (Monday, Thursday, Monday, Thursday 08:00–12:00), one reply in each: with
    // and without diacritics, "checked in" and "need help".
    let replies = [
        ("Có ạ", None),
        ("co", None),
        ("Cần giúp", Some("need_help")),
        ("can giup", Some("need_help")),
    ];
    for (i, (text, _)) in replies.iter().enumerate() {
        if i > 0 {
            app.clock
                .advance(Duration::days(if i % 2 == 1 { 3 } else { 4 }));
            app.tick().await;
        }
        client_a_texts(&app, text).await;
    }
    let expected: Vec<_> = replies
        .iter()
        .map(|(_, w)| ("sms_reply".to_owned(), w.map(str::to_owned)))
        .collect();
    assert_eq!(check_ins(&app).await, expected);
    assert_eq!(with_template(&app, "check_in_confirmed").await.len(), 4);
    // "Need help" alerts the case officer (no escalation is open), once per request.
    assert_eq!(with_template(&app, "officer_help_requested").await.len(), 2);

    // Opt-out with and without diacritics, and back in: honoured at once, confirmed once per
    // opt-out.
    app.clock.advance(Duration::hours(1));
    let out_at = app.clock_now();
    client_a_texts(&app, "tu choi").await;
    assert_eq!(client_a(&app).await.opted_out_at, Some(out_at));
    app.clock.advance(Duration::minutes(1));
    client_a_texts(&app, "TỪ CHỐI").await;
    assert_eq!(
        client_a(&app).await.opted_out_at,
        Some(out_at),
        "first kept"
    );
    assert_eq!(with_template(&app, "opt_out_confirmed").await.len(), 1);
    app.clock.advance(Duration::minutes(1));
    client_a_texts(&app, "Đồng ý").await;
    assert_eq!(client_a(&app).await.opted_out_at, None);
    app.clock.advance(Duration::minutes(1));
    client_a_texts(&app, "HUY").await;
    assert!(client_a(&app).await.opted_out_at.is_some());
    assert_eq!(with_template(&app, "opt_out_confirmed").await.len(), 2);
    app.clock.advance(Duration::minutes(1));
    client_a_texts(&app, "dong y").await;
    assert_eq!(client_a(&app).await.opted_out_at, None);

    // Anything else is a note for the officer, kept as written, marked as an SMS.
    client_a_texts(&app, "Mai tôi bận, xin hẹn lại").await;
    let notes: Vec<_> = reply_note::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.channel, n.text))
        .collect();
    assert_eq!(
        notes,
        vec![("sms".to_owned(), "Mai tôi bận, xin hẹn lại".to_owned())]
    );

    // The worker delivers the confirmations through the gateways like any message.
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_ok("zns-1"))
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms("100", "sms-1"))
        .mount(&fake)
        .await;
    drain(&sender(&app, &fake)).await;
    for template in ["check_in_confirmed", "opt_out_confirmed"] {
        for m in with_template(&app, template).await {
            assert_eq!(m.status, "sent", "{template}");
        }
    }
    let calls = bodies(&fake, ZNS_PATH).await.len() + bodies(&fake, ESMS_PATH).await.len();
    assert!(calls >= 6, "{calls} gateway calls");
}

async fn forged_stale_replayed_and_unknown_sender_sms_change_nothing(app: TestApp) {
    let w = app.world().await;
    check_in_prompt_due(&app, &w).await;
    let outbox_before = app.count("outbox_messages").await;
    let (body, ts) = inbound_sms(&app, &mo_id(), CLIENT_A_SMS_PHONE, "STOP");

    // Forged: the wrong path secret (as if there were no such route), no signature, a garbled
    // one, one made with another key, one for another body.
    let good = sign_sms(&body, &ts);
    assert_eq!(
        post_sms(&app, "guessed-secret-0123", &body, Some(&good))
            .await
            .0,
        404
    );
    assert_eq!(post_sms(&app, SMS_SECRET, &body, None).await.0, 401);
    assert_eq!(
        post_sms(&app, SMS_SECRET, &body, Some("sha256=zz")).await.0,
        401
    );
    let wrong_key = api::http::webhooks::sms_signature("guess", &ts, body.as_bytes());
    assert_eq!(
        post_sms(&app, SMS_SECRET, &body, Some(&wrong_key)).await.0,
        401
    );
    let (other, other_ts) = inbound_sms(&app, &mo_id(), CLIENT_A_SMS_PHONE, "co");
    assert_eq!(
        post_sms(&app, SMS_SECRET, &body, Some(&sign_sms(&other, &other_ts)))
            .await
            .0,
        401
    );
    assert_eq!(app.count("webhook_events").await, 0, "nothing written");
    assert!(client_a(&app).await.opted_out_at.is_none());

    // Stale: correctly signed, sixteen minutes old.
    let stale = (body.clone(), ts.clone());
    app.clock.advance(Duration::minutes(16));
    assert_eq!(post_signed_sms(&app, &stale).await, 401);
    assert_eq!(app.count("webhook_events").await, 0);
    assert!(client_a(&app).await.opted_out_at.is_none());

    // Replayed: the provider's retry of the same call, and the same message id in a new,
    // correctly signed call, are processed once.
    let id = mo_id();
    let check_in = inbound_sms(&app, &id, CLIENT_A_SMS_PHONE, "co");
    assert_eq!(post_signed_sms(&app, &check_in).await, 200);
    app.clock.advance(Duration::seconds(30));
    assert_eq!(post_signed_sms(&app, &check_in).await, 200);
    let again = inbound_sms(&app, &id, CLIENT_A_SMS_PHONE, "co");
    assert_ne!(again.0, check_in.0, "a new timestamp");
    assert_eq!(post_signed_sms(&app, &again).await, 200);
    assert_eq!(app.count("webhook_events").await, 1);
    assert_eq!(check_ins(&app).await.len(), 1);
    assert_eq!(with_template(&app, "check_in_confirmed").await.len(), 1);
    let outbox_after_check_in = app.count("outbox_messages").await;
    assert_eq!(outbox_after_check_in, outbox_before + 1);

    // Unknown senders (a number no client or officer has, something that is not a number):
    // the same answer as a known sender, and nothing but the id is kept.
    let known = inbound_sms(&app, &mo_id(), CLIENT_A_SMS_PHONE, "Xin chào cán bộ");
    let known_answer = post_sms(
        &app,
        SMS_SECRET,
        &known.0,
        Some(&sign_sms(&known.0, &known.1)),
    )
    .await;
    for from in ["0909 999 999", "BANK", "+84 912 000 001 99"] {
        for text in ["TU CHOI", "Xin chào cán bộ", "co"] {
            let sms = inbound_sms(&app, &mo_id(), from, text);
            let answer = post_sms(&app, SMS_SECRET, &sms.0, Some(&sign_sms(&sms.0, &sms.1))).await;
            assert_eq!(answer, known_answer, "{from}: {text}");
        }
    }
    assert_eq!(app.count("reply_notes").await, 1, "only the known sender's");
    assert_eq!(app.count("outbox_messages").await, outbox_after_check_in);
    assert_eq!(check_ins(&app).await.len(), 1);
    assert!(client_a(&app).await.opted_out_at.is_none());
    assert_eq!(app.count("webhook_events").await, 1 + 1 + 9);

    // A message for another number is not ours: ignored, not even remembered.
    let mut elsewhere: Value =
        serde_json::from_str(&inbound_sms(&app, &mo_id(), CLIENT_A_SMS_PHONE, "TU CHOI").0)
            .unwrap();
    elsewhere["to"] = "8088".into();
    let body = elsewhere.to_string();
    let ts = elsewhere["timestamp"].to_string();
    assert_eq!(
        post_sms(&app, SMS_SECRET, &body, Some(&sign_sms(&body, &ts)))
            .await
            .0,
        200
    );
    assert_eq!(app.count("webhook_events").await, 11);
    assert!(client_a(&app).await.opted_out_at.is_none());
}

async fn an_officers_sms_with_the_code_acknowledges_the_escalation(app: TestApp) {
    let s = escalated(&app).await;
    let alert = with_template(&app, "officer_escalation_alert").await;
    let vars: Value = serde_json::from_str(&alert[0].vars).unwrap();
    let code = vars["code"].as_str().unwrap().to_owned();
    // Every officer of the world shares the phone 0987 654 321 (a duty phone); officer B
    // belongs to another commune and may not act, officer A (the case officer) may.
    let current = |id| {
        let db = app.db.clone();
        async move {
            escalation::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    // A wrong code: refused, counted against the sender.
    let sms = inbound_sms(&app, &mo_id(), "0987654321", "XN 222222");
    assert_eq!(post_signed_sms(&app, &sms).await, 200);
    assert_eq!(current(s.escalation.id).await.status, "open");
    assert_eq!(app.count("escalation_ack_failures").await, 1);
    // The right code, without diacritics and in lower case: acknowledged by officer A.
    let sms = inbound_sms(
        &app,
        &mo_id(),
        "+84 987 654 321",
        &format!("xac nhan {}", code.to_lowercase()),
    );
    assert_eq!(post_signed_sms(&app, &sms).await, 200);
    let taken = current(s.escalation.id).await;
    assert_eq!(taken.status, "acknowledged");
    assert_eq!(taken.acknowledged_by, Some(s.officer_a));
    assert_eq!(taken.ack_method.as_deref(), Some("reply_code"));
    // Nothing was taken for a client: no note, no check-in.
    assert_eq!(app.count("reply_notes").await, 0);
    assert_eq!(app.count("check_ins").await, 0);
    // The climb has stopped: four hours later nobody is alerted at level 2.
    app.clock.advance(Duration::hours(5));
    let report = app.tick().await.escalations;
    assert_eq!((report.raised, report.alerts), (0, 0), "{report:?}");
    let _ = (s.chief, s.client, s.occurrence, s.world);
}
