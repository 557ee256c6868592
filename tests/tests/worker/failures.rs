//! A message that fails for good is not only recorded: when every channel refused the person
//! for good, the client's case officer is told at once by the reachability watch's alert
//! (once per episode, see `reachability.rs`), queued in the transaction that records the
//! failure.

use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::{TestApp, db_tests};
use wiremock::{
    Mock,
    matchers::{body_partial_json, method, path},
};

use crate::support::{
    ESMS_PATH, bodies, client_a_reminder_due, drain, esms, reload, reminder_due, sender, zns_error,
    zns_then_sms,
};

db_tests!(a_permanent_failure_alerts_the_case_officer_once_per_client);

const FAILED: &str = "query($c: ID!) { messages(filter: { clientId: $c, status: FAILED }) { totalCount edges { node { lastReason } } } }";

async fn delivery_alerts(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("officer_client_unreachable"))
        .all(&app.db)
        .await
        .unwrap()
}

/// Issue 14.2: every reminder for a place with a forbidden word failed permanently and nobody
/// was told. Whatever the cause (here: not on Zalo, and eSMS refuses the number), the case
/// officer now receives one alert for the client, however many messages fail in a row.
async fn a_permanent_failure_alerts_the_case_officer_once_per_client(app: TestApp) {
    let (w, reminder, fake) = client_a_reminder_due(&app).await;
    // eSMS 108: malformed phone, permanent for this message.
    zns_then_sms(&fake, &reminder, (zns_error(-118), 1), (esms("108", ""), 1)).await;
    // Officer A (0987 654 321, not on Zalo) gets the alert by SMS, once.
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .and(body_partial_json(json!({ "Phone": "0987654321" })))
        .respond_with(esms("100", "sms-officer"))
        .expect(1)
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);
    drain(&sender).await;
    assert_eq!(reload(&app, reminder.id).await.status, "failed");
    let alerts = delivery_alerts(&app).await;
    assert_eq!(alerts.len(), 1, "one alert, to the one case officer");
    let officer_a =
        api::graphql::ids::decode("Officer", "id", &w.officer_a.clone().into()).unwrap();
    assert_eq!(alerts[0].officer_id, Some(officer_a));
    assert_eq!(
        alerts[0].source_id,
        Some(reminder.id),
        "points at the failed message"
    );
    assert_eq!(alerts[0].status, "sent");
    let sms = bodies(&fake, ESMS_PATH).await;
    let to_officer = sms.iter().find(|b| b["Phone"] == "0987654321").unwrap();
    let text = to_officer["Content"].as_str().unwrap();
    assert!(
        text.contains("khong lien lac duoc voi Nguyen Van An 1"),
        "{text}"
    );

    // A second failure for the same client: recorded, visible in the history, no new alert.
    let second = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    // ZNS is not asked again: the first -118 is remembered until its recheck time.
    zns_then_sms(&fake, &second, (zns_error(-118), 0), (esms("108", ""), 1)).await;
    drain(&sender).await;
    assert_eq!(reload(&app, second.id).await.status, "failed");
    assert_eq!(delivery_alerts(&app).await.len(), 1, "once per episode");
    let data = app
        .ok(&w.officer_a_token, FAILED, json!({ "c": w.client_a }))
        .await;
    assert_eq!(data["messages"]["totalCount"], 2);
    assert_eq!(
        data["messages"]["edges"][0]["node"]["lastReason"],
        "esms 108: malformed phone"
    );
    fake.verify().await;
}
