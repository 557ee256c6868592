//! Channel choice and fallback: Zalo first for a client who prefers it, SMS when Zalo cannot
//! reach the person or refuses the template, and a failure recorded with its reason when no
//! channel is left.

use serde_json::json;
use tests::{TestApp, db_tests};

use crate::support::{
    CLIENT_A_ZNS_PHONE, assert_sms_ascii, attempts, check_in_prompt_due, client_a_reminder_due,
    drain, esms, fake_gateways, pairs, reload, sender, sms_to_client_a, zns_error, zns_ok,
    zns_then_sms, zns_to_client_a,
};

db_tests!(
    a_client_preferring_zalo_gets_the_prompt_through_zns,
    not_a_zalo_user_falls_back_to_sms,
    a_rejected_zns_template_falls_back_to_sms,
    a_failure_on_the_last_channel_is_recorded_with_its_reason,
    a_client_who_wrote_to_the_oa_this_week_gets_a_free_oa_message,
);

async fn a_client_preferring_zalo_gets_the_prompt_through_zns(app: TestApp) {
    let w = app.world().await;
    let prompt = check_in_prompt_due(&app, &w).await;
    let fake = fake_gateways().await;
    zns_to_client_a(&prompt)
        .and(wiremock::matchers::header("access_token", "access-1"))
        .and(wiremock::matchers::body_partial_json(json!({
            "phone": CLIENT_A_ZNS_PHONE,
            "template_id": "zns-check_in_prompt",
        })))
        .respond_with(zns_ok("zns-msg-1"))
        .expect(1)
        .mount(&fake)
        .await;
    sms_to_client_a(&prompt)
        .respond_with(esms("100", "sms-1"))
        .expect(0)
        .mount(&fake)
        .await;

    assert_eq!(sender(&app, &fake).run_once().await.unwrap(), 1);

    let row = reload(&app, prompt.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("zalo_zns"));
    assert_eq!(row.provider_message_id.as_deref(), Some("zns-msg-1"));
    assert_eq!(row.sent_at, Some(app.clock_now()));
    assert_eq!(row.attempts, 1);
    assert_eq!(
        attempts(&app, prompt.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    assert_eq!(
        sender(&app, &fake).run_once().await.unwrap(),
        0,
        "a sent message is never claimed again"
    );
    fake.verify().await;
}

async fn not_a_zalo_user_falls_back_to_sms(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    // ZNS answers failures inside HTTP 200: -118 is "phone not on Zalo".
    zns_then_sms(
        &fake,
        &reminder,
        (zns_error(-118), 1),
        (esms("100", "sms-1"), 1),
    )
    .await;

    drain(&sender(&app, &fake)).await;

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("sms"));
    assert_eq!(row.provider_message_id.as_deref(), Some("sms-1"));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "recipient_unreachable"), ("sms", "accepted")])
    );
    assert_sms_ascii(&fake).await;
    fake.verify().await;
}

async fn a_rejected_zns_template_falls_back_to_sms(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    // -131: the template or the OA configuration was rejected; an operator must act.
    zns_then_sms(
        &fake,
        &reminder,
        (zns_error(-131), 1),
        (esms("100", "sms-2"), 1),
    )
    .await;

    drain(&sender(&app, &fake)).await;

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.channel.as_deref(), Some("sms"));
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "channel_unavailable"), ("sms", "accepted")])
    );
    assert_sms_ascii(&fake).await;
    fake.verify().await;
}

async fn a_failure_on_the_last_channel_is_recorded_with_its_reason(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    // eSMS 108: malformed phone, permanent for this message.
    zns_then_sms(&fake, &reminder, (zns_error(-118), 1), (esms("108", ""), 1)).await;

    let sender = sender(&app, &fake);
    drain(&sender).await;

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "failed");
    assert_eq!(row.last_outcome.as_deref(), Some("permanent"));
    assert_eq!(
        row.last_reason.as_deref(),
        Some("esms 108: malformed phone")
    );
    assert_eq!(row.sent_at, None);
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_zns", "recipient_unreachable"), ("sms", "permanent")])
    );
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(sender.run_once().await.unwrap(), 0, "a failure is final");
    fake.verify().await;
}

async fn a_client_who_wrote_to_the_oa_this_week_gets_a_free_oa_message(app: TestApp) {
    let w = app.world().await;
    let m = "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }";
    app.ok(
        &app.admin_token,
        m,
        json!({ "i": { "id": w.client_a, "zaloUserId": "1234567890" } }),
    )
    .await;
    let prompt = check_in_prompt_due(&app, &w).await;
    // The client writes to the OA (a note, not a keyword): the 7-day OA window opens.
    let sender_id = api::schedules::check_ins::ReplySender::ZaloUser("1234567890".into());
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
    let fake = fake_gateways().await;
    wiremock::Mock::given(wiremock::matchers::path("/v3.0/oa/message/cs"))
        .and(wiremock::matchers::body_partial_json(
            json!({ "recipient": { "user_id": "1234567890" } }),
        ))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(
            json!({ "error": 0, "message": "Success", "data": { "message_id": "oa-1" } }),
        ))
        .expect(1)
        .mount(&fake)
        .await;
    zns_to_client_a(&prompt)
        .respond_with(zns_ok("zns-1"))
        .expect(0)
        .mount(&fake)
        .await;
    assert_eq!(sender(&app, &fake).run_once().await.unwrap(), 1);
    let row = reload(&app, prompt.id).await;
    assert_eq!(
        (row.status.as_str(), row.channel.as_deref()),
        ("sent", Some("zalo_oa"))
    );
    fake.verify().await;
}
