//! Delivery discipline: server errors are retried with backoff and bounded, then handed to the
//! client's next channel; rate limits wait
//! for the gateway's window without counting as failures; a timeout after the request left
//! is not resent on Zalo (which does not deduplicate); a repeat that eSMS already has counts.

use std::time::Duration as StdDuration;

use chrono::Duration;
use domain::messaging::backoff::RetryPolicy;
use entities::outbox_message;
use store::settings::{GatewaySettings, SenderSettings};
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, World, client_input},
};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::{
    ESMS_PATH, attempts, bodies, client_a_reminder_due, drain, esms, fake_gateways, pairs, reload,
    reminder_due, sender, sender_with, sms_to, zns_error, zns_ok, zns_then_sms, zns_to,
    zns_to_client_a,
};

db_tests!(
    server_errors_are_retried_with_backoff_until_sent,
    a_failing_zalo_hands_the_message_to_sms,
    retries_stop_after_the_last_attempt,
    rate_limits_reschedule_without_counting_an_attempt,
    a_zns_timeout_is_unconfirmed_and_not_resent_at_once,
    an_unconfirmed_zns_send_with_no_channel_left_rests,
    sms_timeouts_are_resent_under_the_same_request_id_and_bounded,
    a_request_id_esms_already_has_counts_as_sent,
);

/// Gateways on `fake` that stop waiting after 300 ms, so a slow answer is a timeout.
fn impatient_gateways(fake: &MockServer) -> GatewaySettings {
    let mut gateways = GatewaySettings::for_tests(&fake.uri(), &fake.uri());
    gateways.timeout = StdDuration::from_millis(300);
    gateways
}

/// Two attempts per channel, a second apart.
fn two_attempts_a_second_apart() -> SenderSettings {
    SenderSettings {
        retry: RetryPolicy {
            base: StdDuration::from_secs(1),
            cap: StdDuration::from_secs(1),
            max_attempts: 2,
        },
        ..SenderSettings::default()
    }
}

/// A client numbered `n` in commune A who consented to one channel only (`without` names the
/// consent left out), with their two-hour reminder due now; returns the test world, the
/// client's id and the reminder.
async fn one_channel_reminder_due(
    app: &TestApp,
    n: u32,
    without: &str,
) -> (World, String, outbox_message::Model) {
    let w = app.world().await;
    let mut input = client_input(COMMUNE_A, n);
    input.as_object_mut().unwrap().remove(without);
    let client = app.create_client(&app.admin_token, input).await;
    let reminder = reminder_due(app, &w.officer_a_token, &client).await;
    (w, client, reminder)
}

async fn server_errors_are_retried_with_backoff_until_sent(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    zns_to_client_a(&reminder)
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .expect(2)
        .mount(&fake)
        .await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-3"))
        .expect(1)
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);
    let base = Duration::from_std(RetryPolicy::default().base).unwrap();

    // First failure: retried within the first backoff ceiling, on the same channel.
    let t0 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "queued");
    assert_eq!(row.last_outcome.as_deref(), Some("retryable"));
    assert_eq!(row.last_reason.as_deref(), Some("zns http 500"));
    assert_eq!(row.attempts, 1);
    assert!(row.next_attempt_at > t0 && row.next_attempt_at <= t0 + base);
    assert_eq!(sender.run_once().await.unwrap(), 0, "not before its time");

    // Second failure: the ceiling doubles.
    let t1 = row.next_attempt_at;
    app.clock.set(t1);
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "queued");
    assert_eq!(row.attempts, 2);
    assert!(row.next_attempt_at > t1 && row.next_attempt_at <= t1 + base * 2);

    // Third time lucky.
    app.clock.set(row.next_attempt_at);
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("zalo_zns"));
    assert_eq!(row.attempts, 3);
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[
            ("zalo_zns", "retryable"),
            ("zalo_zns", "retryable"),
            ("zalo_zns", "accepted"),
        ])
    );
    fake.verify().await;
}

async fn a_failing_zalo_hands_the_message_to_sms(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    zns_then_sms(
        &fake,
        &reminder,
        (ResponseTemplate::new(503), 3),
        (esms("100", "sms-1"), 1),
    )
    .await;
    let sender = sender(&app, &fake);

    // Three transient failures on ZNS (the default `fallback_after_attempts`), each after its
    // backoff; the third moves the reminder to SMS at once instead of waiting longer.
    for round in 1..=3 {
        assert_eq!(sender.run_once().await.unwrap(), 1, "round {round}");
        let row = reload(&app, reminder.id).await;
        app.clock.set(row.next_attempt_at);
    }
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "queued");
    assert_eq!(row.channel_index, 1);
    assert_eq!(
        row.last_reason.as_deref(),
        Some("zns http 503; 3 attempts, trying next channel")
    );
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("sms"));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[
            ("zalo_zns", "retryable"),
            ("zalo_zns", "retryable"),
            ("zalo_zns", "retryable"),
            ("sms", "accepted"),
        ])
    );
    fake.verify().await;
}

async fn retries_stop_after_the_last_attempt(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    zns_then_sms(
        &fake,
        &reminder,
        (ResponseTemplate::new(503), 2),
        (ResponseTemplate::new(503), 2),
    )
    .await;
    let sender = sender_with(
        &app,
        GatewaySettings::for_tests(&fake.uri(), &fake.uri()),
        two_attempts_a_second_apart(),
    );

    // Two attempts on ZNS spend its retries: SMS gets the message at once, and its two
    // attempts are the last.
    for _ in 0..2 {
        assert_eq!(sender.run_once().await.unwrap(), 1);
        app.clock.advance(Duration::seconds(1));
    }
    assert_eq!(reload(&app, reminder.id).await.channel_index, 1);
    for _ in 0..2 {
        assert_eq!(sender.run_once().await.unwrap(), 1);
        app.clock.advance(Duration::seconds(1));
    }

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "failed");
    assert_eq!(row.last_outcome.as_deref(), Some("retryable"));
    assert_eq!(
        row.last_reason.as_deref(),
        Some("gave up after 2 attempts: esms http 503")
    );
    app.clock.advance(Duration::hours(1));
    // The case officer's alert about it may go out; the failed reminder is never claimed again.
    sender.run_once().await.unwrap();
    assert_eq!(reload(&app, reminder.id).await, row);
    fake.verify().await;
}

async fn rate_limits_reschedule_without_counting_an_attempt(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    zns_to_client_a(&reminder)
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&fake)
        .await;
    // -115: the OA's daily quota is spent; no window given.
    zns_to_client_a(&reminder)
        .respond_with(zns_error(-115))
        .up_to_n_times(1)
        .expect(1)
        .mount(&fake)
        .await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-4"))
        .expect(1)
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);

    let t0 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "deferred");
    assert_eq!(
        row.next_attempt_at,
        t0 + Duration::seconds(120),
        "Retry-After honoured"
    );
    assert_eq!(row.attempts, 0, "a rate limit is not a failed attempt");
    assert_eq!(row.last_reason.as_deref(), Some("zns http 429"));
    app.clock.advance(Duration::seconds(119));
    assert_eq!(sender.run_once().await.unwrap(), 0);

    app.clock.set(t0 + Duration::seconds(120));
    let t1 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "deferred");
    assert_eq!(row.attempts, 0);
    assert_eq!(row.last_reason.as_deref(), Some("zns -115: quota exceeded"));
    assert!(row.next_attempt_at > t1, "waits for the quota");

    app.clock.set(row.next_attempt_at);
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 1);
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[
            ("zalo_zns", "reschedule"),
            ("zalo_zns", "reschedule"),
            ("zalo_zns", "accepted"),
        ])
    );
    fake.verify().await;
}

async fn a_zns_timeout_is_unconfirmed_and_not_resent_at_once(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    // The request reaches Zalo, which answers after the gateway has stopped waiting.
    zns_then_sms(
        &fake,
        &reminder,
        (zns_ok("zns-late").set_delay(StdDuration::from_secs(3)), 1),
        (esms("100", "sms-5"), 1),
    )
    .await;
    let settings = SenderSettings::default();
    let reconcile = settings.reconcile_after;
    let sender = sender_with(&app, impatient_gateways(&fake), settings);

    let t0 = app.clock_now();
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "unconfirmed");
    assert_eq!(row.last_outcome.as_deref(), Some("ambiguous"));
    assert_eq!(row.next_attempt_at, t0 + reconcile);
    assert_eq!(sender.run_once().await.unwrap(), 0, "not resent at once");
    app.clock.set(t0 + reconcile - Duration::seconds(1));
    assert_eq!(sender.run_once().await.unwrap(), 0, "waits for a receipt");

    // No receipt came: ZNS cannot deduplicate, so the next channel carries it, never ZNS.
    app.clock.set(t0 + reconcile);
    drain(&sender).await;
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("sms"));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "ambiguous"), ("sms", "accepted")])
    );
    fake.verify().await;
}

async fn sms_timeouts_are_resent_under_the_same_request_id_and_bounded(app: TestApp) {
    let (_, _, reminder) = one_channel_reminder_due(&app, 6, "zaloConsent").await;
    let fake = fake_gateways().await;
    // eSMS answers after the gateway stopped waiting, every time. It deduplicates RequestId,
    // so resending is safe; it is still bounded by the retry policy.
    sms_to("0912000006", &reminder)
        .respond_with(esms("100", "sms-late").set_delay(StdDuration::from_secs(3)))
        .expect(2)
        .mount(&fake)
        .await;
    let sender = sender_with(
        &app,
        impatient_gateways(&fake),
        two_attempts_a_second_apart(),
    );

    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(
        row.status, "queued",
        "retried, not parked: eSMS deduplicates"
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "failed");
    assert!(
        row.last_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("gave up after 2 attempts")),
        "{:?}",
        row.last_reason
    );
    app.clock.advance(Duration::hours(1));
    assert_eq!(sender.run_once().await.unwrap(), 0);
    let ids: std::collections::HashSet<_> = bodies(&fake, ESMS_PATH)
        .await
        .iter()
        .map(|b| b["RequestId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "one RequestId for both sends");
    fake.verify().await;
}

async fn an_unconfirmed_zns_send_with_no_channel_left_rests(app: TestApp) {
    let (w, client, reminder) = one_channel_reminder_due(&app, 5, "smsConsent").await;
    let fake = fake_gateways().await;
    zns_to("84912000005", &reminder)
        .respond_with(zns_ok("zns-late").set_delay(StdDuration::from_secs(3)))
        .expect(1)
        .mount(&fake)
        .await;
    let settings = SenderSettings::default();
    let reconcile = settings.reconcile_after;
    let sender = sender_with(&app, impatient_gateways(&fake), settings);

    assert_eq!(sender.run_once().await.unwrap(), 1);
    app.clock.advance(reconcile);
    assert_eq!(sender.run_once().await.unwrap(), 1, "reconciled once");
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "unconfirmed");
    assert_eq!(
        row.last_reason.as_deref(),
        Some("no receipt; not resent to avoid a duplicate")
    );
    // It rests for an officer to see (or for a late receipt): no worker claims it again.
    assert_eq!(sender.run_once().await.unwrap(), 0);
    app.clock.advance(Duration::days(2));
    assert_eq!(sender.run_once().await.unwrap(), 0);
    let rested = reload(&app, reminder.id).await;
    assert_eq!(rested.attempts, row.attempts);
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "ambiguous")])
    );
    let q = "query($c: ID!) { messages(filter: { clientId: $c }) { edges { node { status nextAttemptAt lastReason } } } }";
    let data = app
        .ok(&w.officer_a_token, q, serde_json::json!({ "c": client }))
        .await;
    let node = &data["messages"]["edges"][0]["node"];
    assert_eq!(node["status"], "UNCONFIRMED");
    assert_eq!(node["nextAttemptAt"], serde_json::Value::Null);
    fake.verify().await;
}

async fn a_request_id_esms_already_has_counts_as_sent(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    // 124: this RequestId was accepted before (a retry after a crash); nothing is sent again.
    zns_then_sms(
        &fake,
        &reminder,
        (zns_error(-118), 1),
        (esms("124", "sms-earlier"), 1),
    )
    .await;

    drain(&sender(&app, &fake)).await;

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("sms"));
    assert_eq!(row.provider_message_id.as_deref(), Some("sms-earlier"));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "recipient_unreachable"), ("sms", "duplicate")])
    );
    fake.verify().await;
}
