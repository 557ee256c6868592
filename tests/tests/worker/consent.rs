//! Consent and opt-out: no channel is used without consent, and nothing at all goes to a
//! person who replied TU CHOI. The message is kept as `suppressed`, with the reason.

use serde_json::Value;
use tests::{
    TestApp, db_tests,
    world::{COMMUNE_A, client_input},
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{
    ESMS_PATH, ZNS_PATH, attempts, drain, fake_gateways, reload, reminder_due, sender, zns_then_sms,
};

db_tests!(
    a_client_without_any_consent_is_suppressed,
    an_opted_out_client_is_suppressed,
);

async fn a_client_without_any_consent_is_suppressed(app: TestApp) {
    let w = app.world().await;
    let mut input = client_input(COMMUNE_A, 3);
    let fields = input.as_object_mut().unwrap();
    for field in ["smsConsent", "zaloConsent", "preferredChannel"] {
        fields.remove(field);
    }
    let client = app.create_client(&app.admin_token, input).await;
    let reminder = reminder_due(&app, &w.officer_a_token, &client).await;
    let fake = fake_gateways().await;
    for p in [ZNS_PATH, ESMS_PATH] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount(&fake)
            .await;
    }

    drain(&sender(&app, &fake)).await;

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "suppressed");
    assert_eq!(row.last_reason.as_deref(), Some("no consented channel"));
    assert!(attempts(&app, reminder.id).await.is_empty());
    fake.verify().await;
}

async fn an_opted_out_client_is_suppressed(app: TestApp) {
    let w = app.world().await;
    let outcome = api::schedules::check_ins::record_reply(
        &app.db,
        api::schedules::check_ins::ReplySender::Phone(
            domain::Phone::parse("0912 000 001").unwrap(),
        ),
        "TU CHOI",
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    assert_eq!(outcome, api::schedules::check_ins::ReplyOutcome::OptedOut);
    let reminder = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    let fake = fake_gateways().await;
    zns_then_sms(
        &fake,
        &reminder,
        (ResponseTemplate::new(500), 0),
        (ResponseTemplate::new(500), 0),
    )
    .await;

    drain(&sender(&app, &fake)).await;

    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "suppressed");
    assert_eq!(row.last_reason.as_deref(), Some("opted out"));
    assert!(attempts(&app, reminder.id).await.is_empty());
    // The history shows it too, without the text.
    let q = "query($c: ID!) { messages(filter: { clientId: $c, status: SUPPRESSED }) { totalCount edges { node { lastReason } } } }";
    let data: Value = app
        .ok(
            &w.officer_a_token,
            q,
            serde_json::json!({ "c": w.client_a }),
        )
        .await;
    assert_eq!(data["messages"]["totalCount"], 1);
    assert_eq!(
        data["messages"]["edges"][0]["node"]["lastReason"],
        "opted out"
    );
    fake.verify().await;
}
