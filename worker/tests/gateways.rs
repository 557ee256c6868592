//! Gateway clients against a fake provider over real HTTP (wiremock), with the Zalo token
//! pair in a real database: a temporary SQLite file, and PostgreSQL for the refresh race
//! when `TEST_DATABASE_URL` is set.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use domain::messaging::channel::Channel;
use domain::messaging::outcome::OutcomeClass;
use domain::messaging::templates::{TemplateKey, Vars, render, render_sms};
use domain::{Phone, SystemClock};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use store::settings::gateways::GatewaySettings;
use test_support::databases::ScratchSqlite;
use test_support::gateways::{
    ESMS_PATH, OA_PATH, OAUTH_PATH, ZNS_PATH, esms as esms_answer, oauth_ok, zalo_error, zns_ok,
};
use uuid::Uuid;
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use worker::gateways::{Gateways, OutgoingMessage};
use worker::zalo_tokens::ZaloTokenStore;

/// What a case of a classification table expects.
type Expect = fn(&OutcomeClass) -> bool;

/// A fake provider, a migrated SQLite database and gateways pointed at the fake.
struct Harness {
    server: MockServer,
    db: DatabaseConnection,
    gateways: Gateways,
    _sqlite: ScratchSqlite,
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

async fn harness_with(adjust: impl FnOnce(&mut GatewaySettings)) -> Harness {
    let server = MockServer::start().await;
    let dir = ScratchSqlite::create();
    let db = migrated(&dir.url).await;
    let mut settings = GatewaySettings::for_tests(&server.uri(), &server.uri());
    adjust(&mut settings);
    let gateways =
        Gateways::from_settings(&settings, db.clone(), Arc::new(SystemClock)).expect("gateways");
    Harness {
        server,
        db,
        gateways,
        _sqlite: dir,
    }
}

async fn migrated(url: &str) -> DatabaseConnection {
    let db = store::db::connect(url, 5).await.expect("connect");
    store::db::migrate(&db).await.expect("migrate");
    db
}

/// 10:00 in Hà Nội, a Monday: no night rule applies.
fn daytime() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0)
        .single()
        .expect("valid time")
}

fn appointment_vars() -> Vars {
    Vars::new()
        .with("name", "Nguyễn Văn Đức")
        .with("time", "08:00 thứ Hai, 30/11/2026")
        .with("place", "trụ sở Ủy ban nhân dân xã")
}

fn appointment() -> OutgoingMessage {
    OutgoingMessage {
        message_id: Uuid::new_v4(),
        phone: Some(Phone::parse("0912 345 678").expect("valid phone")),
        zalo_user_id: Some("u-8123".into()),
        template: TemplateKey::AppointmentReminder,
        vars: appointment_vars(),
    }
}

/// Matches the refresh request Zalo's OAuth v4 expects for `refresh_token`.
fn oauth_refresh(refresh_token: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(OAUTH_PATH))
        .and(header("secret_key", "test-app-secret"))
        .and(body_string_contains("app_id=test-app"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(format!(
            "refresh_token={refresh_token}"
        )))
}

async fn send(h: &Harness, channel: Channel, message: &OutgoingMessage) -> OutcomeClass {
    h.gateways.get(channel).send(message, daytime()).await
}

// ---------------------------------------------------------------- ZNS

#[tokio::test]
async fn zns_sends_the_template_to_the_canonical_phone_with_our_tracking_id() {
    let h = harness().await;
    let message = appointment();
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .and(header("access_token", "access-1"))
        .and(body_partial_json(json!({
            "phone": "84912345678",
            "template_id": "zns-appointment_reminder",
            "tracking_id": message.message_id.simple().to_string(),
            "template_data": {
                "customer_name": "Nguyễn Văn Đức",
                "appointment_time": "08:00 thứ Hai, 30/11/2026",
                "location": "trụ sở Ủy ban nhân dân xã"
            }
        })))
        .respond_with(zns_ok("zns-msg-1"))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloZns, &message).await;

    assert_eq!(
        class,
        OutcomeClass::Accepted {
            provider_id: "zns-msg-1".into()
        }
    );
}

#[tokio::test]
async fn zns_expired_token_is_refreshed_once_and_the_send_retried() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .and(header("access_token", "access-1"))
        .respond_with(zalo_error(-124))
        .expect(1)
        .mount(&h.server)
        .await;
    oauth_refresh("refresh-1")
        .respond_with(oauth_ok("access-2", "refresh-2"))
        .expect(1)
        .mount(&h.server)
        .await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .and(header("access_token", "access-2"))
        .respond_with(zns_ok("zns-msg-2"))
        .expect(2)
        .mount(&h.server)
        .await;

    let first = send(&h, Channel::ZaloZns, &appointment()).await;
    // The next send uses the stored new token without refreshing again.
    let second = send(&h, Channel::ZaloZns, &appointment()).await;

    let accepted = OutcomeClass::Accepted {
        provider_id: "zns-msg-2".into(),
    };
    assert_eq!((first, second), (accepted.clone(), accepted));
    let row = entities::zalo_token::Entity::find_by_id(1)
        .one(&h.db)
        .await
        .expect("read tokens")
        .expect("row");
    assert_eq!(
        (row.access_token.as_str(), row.refresh_token.as_str()),
        ("access-2", "refresh-2")
    );
    assert!(row.access_expires_at > Utc::now() + chrono::TimeDelta::hours(24));
}

#[tokio::test]
async fn zns_refusing_a_fresh_token_makes_the_channel_unavailable() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zalo_error(-124))
        .expect(2)
        .mount(&h.server)
        .await;
    oauth_refresh("refresh-1")
        .respond_with(oauth_ok("access-2", "refresh-2"))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloZns, &appointment()).await;

    assert!(
        matches!(class, OutcomeClass::ChannelUnavailable { .. }),
        "{class:?}"
    );
}

#[tokio::test]
async fn zns_refused_refresh_makes_the_channel_unavailable() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zalo_error(-124))
        .expect(1)
        .mount(&h.server)
        .await;
    oauth_refresh("refresh-1")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "error": -14014, "error_name": "Invalid refresh token" })),
        )
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloZns, &appointment()).await;

    assert!(
        matches!(class, OutcomeClass::ChannelUnavailable { .. }),
        "{class:?}"
    );
}

#[tokio::test]
async fn zns_errors_inside_http_200_are_classified() {
    let h = harness().await;
    let cases: [(i64, Expect); 4] = [
        (-118, |c| {
            matches!(c, OutcomeClass::RecipientUnreachable { .. })
        }),
        (-115, |c| matches!(c, OutcomeClass::Reschedule { .. })),
        (-131, |c| {
            matches!(c, OutcomeClass::ChannelUnavailable { .. })
        }),
        (-108, |c| matches!(c, OutcomeClass::Permanent { .. })),
    ];
    for (code, expected) in cases {
        h.server.reset().await;
        Mock::given(method("POST"))
            .and(path(ZNS_PATH))
            .respond_with(zalo_error(code))
            .expect(1)
            .mount(&h.server)
            .await;

        let class = send(&h, Channel::ZaloZns, &appointment()).await;

        assert!(expected(&class), "ZNS {code} gave {class:?}");
        h.server.verify().await;
    }
}

#[tokio::test]
async fn zns_night_refusal_waits_until_six_in_the_morning() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zalo_error(-133))
        .expect(1)
        .mount(&h.server)
        .await;
    // 23:00 in Hà Nội.
    let late = Utc
        .with_ymd_and_hms(2026, 11, 30, 16, 0, 0)
        .single()
        .expect("valid time");

    let class = h
        .gateways
        .get(Channel::ZaloZns)
        .send(&appointment(), late)
        .await;

    match class {
        OutcomeClass::Reschedule { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7 * 3600)));
        }
        other => panic!("expected Reschedule, got {other:?}"),
    }
}

#[tokio::test]
async fn zns_server_error_is_retryable() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloZns, &appointment()).await;

    assert!(matches!(class, OutcomeClass::Retryable { .. }), "{class:?}");
}

#[tokio::test]
async fn zns_answer_slower_than_the_timeout_is_ambiguous() {
    let h = harness_with(|s| s.timeout = Duration::from_millis(300)).await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_ok("late").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloZns, &appointment()).await;

    assert!(matches!(class, OutcomeClass::Ambiguous { .. }), "{class:?}");
}

#[tokio::test]
async fn refused_connection_is_retryable_on_every_channel() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    let dir = ScratchSqlite::create();
    let db = migrated(&dir.url).await;
    let settings = GatewaySettings::for_tests(&closed, &closed);
    let gateways = Gateways::from_settings(&settings, db, Arc::new(SystemClock)).expect("gateways");

    for channel in [Channel::ZaloZns, Channel::ZaloOa, Channel::Sms] {
        let class = gateways.get(channel).send(&appointment(), daytime()).await;
        assert!(
            matches!(class, OutcomeClass::Retryable { .. }),
            "{channel:?}: {class:?}"
        );
    }
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloZns, &appointment()).await;

    match class {
        OutcomeClass::Reschedule { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected Reschedule, got {other:?}"),
    }
}

#[tokio::test]
async fn zns_is_not_used_for_templates_zalo_never_approved() {
    let h = harness().await;
    let message = OutgoingMessage {
        template: TemplateKey::OfficerHelpRequested,
        vars: Vars::new()
            .with("name", "Trần Thị Hương")
            .with("case", "HS-12")
            .with("time", "08:00")
            .with("link", "https://dh.example.vn/x"),
        ..appointment()
    };

    let class = send(&h, Channel::ZaloZns, &message).await;

    assert!(matches!(class, OutcomeClass::Permanent { .. }), "{class:?}");
    assert!(
        h.server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

// ---------------------------------------------------------------- Zalo OA

#[tokio::test]
async fn oa_sends_the_rendered_text_to_the_follower() {
    let h = harness().await;
    let message = appointment();
    let text = render(message.template, &message.vars).expect("renders");
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .and(header("access_token", "access-1"))
        .and(body_partial_json(json!({
            "recipient": { "user_id": "u-8123" },
            "message": { "text": text }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "error": 0,
            "message": "Success",
            "data": { "message_id": "oa-msg-1", "user_id": "u-8123" }
        })))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloOa, &message).await;

    assert_eq!(
        class,
        OutcomeClass::Accepted {
            provider_id: "oa-msg-1".into()
        }
    );
}

#[tokio::test]
async fn oa_outside_the_interaction_window_is_unreachable() {
    let h = harness().await;
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .respond_with(zalo_error(-230))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::ZaloOa, &appointment()).await;

    assert!(
        matches!(class, OutcomeClass::RecipientUnreachable { .. }),
        "{class:?}"
    );
}

// ---------------------------------------------------------------- eSMS

#[tokio::test]
async fn esms_sends_ascii_content_with_our_message_id_as_request_id() {
    let h = harness().await;
    let message = appointment();
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .and(body_partial_json(json!({
            "ApiKey": "test-api-key",
            "SecretKey": "test-secret-key",
            "Phone": "0912345678",
            "Brandname": "DONGHANH",
            "SmsType": "2",
            "IsUnicode": "0",
            "RequestId": message.message_id.to_string(),
            "Sandbox": "0"
        })))
        .respond_with(esms_answer("100", "sms-1"))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::Sms, &message).await;

    assert_eq!(
        class,
        OutcomeClass::Accepted {
            provider_id: "sms-1".into()
        }
    );
    let requests = h.server.received_requests().await.unwrap_or_default();
    let body: Value = requests[0].body_json().expect("json body");
    let content = body["Content"].as_str().expect("Content");
    assert!(content.is_ascii(), "{content}");
    assert!(content.starts_with("Chao Nguyen Van Duc,"), "{content}");
    let expected = render_sms(message.template, &message.vars).expect("renders");
    assert_eq!(content, expected.text);
    assert!(body.get("CallbackUrl").is_none());
}

#[tokio::test]
async fn esms_passes_the_callback_url_when_configured() {
    let h = harness_with(|s| {
        if let Some(esms) = s.esms.as_mut() {
            esms.callback_url = Some(store::settings::gateways::Secret::new(
                "https://dh.example.vn/hooks/esms/s3cret",
            ));
        }
    })
    .await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .and(body_partial_json(
            json!({ "CallbackUrl": "https://dh.example.vn/hooks/esms/s3cret" }),
        ))
        .respond_with(esms_answer("100", "sms-2"))
        .expect(1)
        .mount(&h.server)
        .await;

    let class = send(&h, Channel::Sms, &appointment()).await;

    assert!(matches!(class, OutcomeClass::Accepted { .. }), "{class:?}");
}

#[tokio::test]
async fn esms_codes_are_classified() {
    let h = harness().await;
    let cases: [(&str, Expect); 3] = [
        ("124", |c| {
            *c == OutcomeClass::Duplicate {
                provider_id: Some("sms-9".into()),
            }
        }),
        ("101", |c| {
            matches!(c, OutcomeClass::ChannelUnavailable { .. })
        }),
        ("108", |c| matches!(c, OutcomeClass::Permanent { .. })),
    ];
    for (code, expected) in cases {
        h.server.reset().await;
        Mock::given(method("POST"))
            .and(path(ESMS_PATH))
            .respond_with(esms_answer(code, "sms-9"))
            .expect(1)
            .mount(&h.server)
            .await;

        let class = send(&h, Channel::Sms, &appointment()).await;

        assert!(expected(&class), "eSMS {code} gave {class:?}");
        h.server.verify().await;
    }
}

// ---------------------------------------------------------------- console

#[tokio::test]
async fn unconfigured_channels_go_to_the_console_with_a_masked_recipient() {
    let gateways = Gateways::console_only();
    let message = appointment();

    let class = gateways.get(Channel::Sms).send(&message, daytime()).await;

    assert!(!gateways.is_configured(Channel::Sms));
    assert_eq!(
        class,
        OutcomeClass::Accepted {
            provider_id: format!("console-{}", message.message_id)
        }
    );
    let records = gateways.console().records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].message_id, message.message_id);
    assert_eq!(records[0].channel, Channel::Sms);
    assert_eq!(records[0].recipient, "84*******78");
    assert!(records[0].text.contains("Nguyễn Văn Đức"));
}

// ---------------------------------------------------------------- token refresh race

/// Two stores on two connection pools (two workers) refresh the same stale token at once.
/// Returns both results; the OAuth mock allows exactly one call.
async fn refresh_race(server: &MockServer, url: &str) -> (String, String) {
    oauth_refresh("refresh-1")
        .respond_with(oauth_ok("access-2", "refresh-2").set_delay(Duration::from_millis(500)))
        .expect(1)
        .mount(server)
        .await;
    let settings = GatewaySettings::for_tests(&server.uri(), &server.uri());
    let zalo = settings.zalo.expect("zalo configured");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let db_a = migrated(url).await;
    let db_b = store::db::connect(url, 5).await.expect("connect");
    let a = Arc::new(ZaloTokenStore::new(
        db_a.clone(),
        http.clone(),
        &zalo,
        Arc::new(SystemClock),
    ));
    let b = Arc::new(ZaloTokenStore::new(
        db_b.clone(),
        http,
        &zalo,
        Arc::new(SystemClock),
    ));

    let (ra, rb) = tokio::join!(a.refresh("access-1"), b.refresh("access-1"));

    let after = a.access_token().await.expect("token after the race");
    assert_eq!(after, "access-2");
    let _ = db_a.close().await;
    let _ = db_b.close().await;
    (ra.expect("first refresh"), rb.expect("second refresh"))
}

#[tokio::test]
async fn concurrent_refreshes_call_zalo_once_on_sqlite() {
    let server = MockServer::start().await;
    let dir = ScratchSqlite::create();

    let (a, b) = refresh_race(&server, &dir.url).await;

    assert_eq!((a.as_str(), b.as_str()), ("access-2", "access-2"));
    server.verify().await;
}

#[tokio::test]
async fn concurrent_refreshes_call_zalo_once_on_postgres() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL refresh race skipped");
        return;
    };
    let server = MockServer::start().await;
    let name = format!("gw_{}", Uuid::new_v4().simple());
    let admin = store::db::connect(&admin_url, 1)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let mut url = reqwest::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));

    let result = tokio::spawn({
        let server_uri = url.to_string();
        async move {
            let server = server;
            let tokens = refresh_race(&server, &server_uri).await;
            server.verify().await;
            tokens
        }
    })
    .await;

    let dropped = admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await;
    let (a, b) = result.expect("race ran without panicking");
    assert_eq!((a.as_str(), b.as_str()), ("access-2", "access-2"));
    dropped.expect("drop database");
}
