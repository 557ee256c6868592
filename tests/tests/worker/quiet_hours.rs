//! Quiet hours (default 21:00–07:00 in Hà Nội): a client's message due at night waits until
//! morning, deferred and not dropped; an urgent alert to an officer goes at once. A reminder
//! that could only arrive after its appointment began is cancelled, never sent late.

use chrono::{DateTime, TimeZone, Utc};
use domain::messaging::templates::{TemplateKey, Vars};
use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::outbox::{self, DedupeKey, NewMessage, Recipient};
use tests::{TestApp, db_tests, world::COMMUNE_A};

use crate::support::{
    attempts, book, client_a_reminder_due, drain, esms, fake_gateways, pairs, reload, sender,
    sms_to, zns_ok, zns_to_client_a,
};

db_tests!(
    a_reminder_due_at_night_waits_until_seven_in_the_morning,
    an_urgent_officer_alert_passes_quiet_hours,
    a_reminder_that_quiet_hours_would_make_late_is_cancelled,
    a_reminder_still_unsent_when_the_appointment_begins_is_cancelled,
);

/// 05:30 on Tuesday 1 December 2026 in Hà Nội, still quiet hours.
fn before_dawn() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 22, 30, 0).unwrap()
}

/// 07:00 on Tuesday 1 December 2026 in Hà Nội.
fn seven_am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

/// 07:30 on Tuesday in Hà Nội: the two-hour reminder is due at 05:30, before quiet hours end.
fn half_past_seven() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 30, 0).unwrap()
}

async fn a_reminder_due_at_night_waits_until_seven_in_the_morning(app: TestApp) {
    let w = app.world().await;
    let reminders = book(&app, &w.officer_a_token, &w.client_a, half_past_seven()).await;
    assert_eq!(reminders.len(), 1);
    let reminder = reminders[0].clone();
    assert_eq!(reminder.due_at, before_dawn());
    let fake = fake_gateways().await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-morning"))
        .expect(1)
        .mount(&fake)
        .await;
    let sender = sender(&app, &fake);

    app.clock.set(before_dawn());
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "deferred");
    assert_eq!(row.next_attempt_at, seven_am());
    assert_eq!(row.last_reason.as_deref(), Some("quiet hours"));
    assert_eq!(row.attempts, 0, "deferral is not an attempt");
    assert!(attempts(&app, reminder.id).await.is_empty());
    assert!(fake.received_requests().await.unwrap().is_empty());

    app.clock.set(seven_am() - chrono::Duration::minutes(1));
    assert_eq!(sender.run_once().await.unwrap(), 0, "still night");

    app.clock.set(seven_am());
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "sent");
    assert_eq!(row.sent_at, Some(seven_am()));
    assert_eq!(row.attempts, 1);
    fake.verify().await;
}

async fn a_reminder_that_quiet_hours_would_make_late_is_cancelled(app: TestApp) {
    let w = app.world().await;
    // 06:30 on Tuesday in Hà Nội: its two-hour reminder falls at 04:30, in quiet hours that
    // end at 07:00, after the appointment began.
    let half_past_six = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
    let reminders = book(&app, &w.officer_a_token, &w.client_a, half_past_six).await;
    let reminder = reminders.last().unwrap().clone();
    assert_eq!(reminder.expires_at, Some(half_past_six));
    let fake = fake_gateways().await;
    let sender = sender(&app, &fake);

    app.clock.set(reminder.due_at);
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "cancelled");
    assert_eq!(row.last_outcome.as_deref(), Some("expired"));
    assert_eq!(
        row.last_reason.as_deref(),
        Some("not sent: quiet hours last until it is no longer useful")
    );
    assert_eq!(row.attempts, 0);
    app.clock.set(seven_am());
    assert_eq!(
        sender.run_once().await.unwrap(),
        0,
        "nothing waits for the morning"
    );
    assert!(fake.received_requests().await.unwrap().is_empty());
}

async fn a_reminder_still_unsent_when_the_appointment_begins_is_cancelled(app: TestApp) {
    let (_, reminder, fake) = client_a_reminder_due(&app).await;
    let sender = sender(&app, &fake);
    // The workers were down from the reminder's time until the appointment began.
    app.clock.set(reminder.expires_at.unwrap());
    assert_eq!(sender.run_once().await.unwrap(), 1);
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "cancelled");
    assert_eq!(
        row.last_reason.as_deref(),
        Some("not sent: its time has passed")
    );
    assert!(attempts(&app, reminder.id).await.is_empty());
    assert!(fake.received_requests().await.unwrap().is_empty());
}

async fn an_urgent_officer_alert_passes_quiet_hours(app: TestApp) {
    let w = app.world().await;
    let reminder = book(&app, &w.officer_a_token, &w.client_a, half_past_seven()).await[0].clone();

    // At 05:30 a client asks for help: the case officer's alert is urgent.
    app.clock.set(before_dawn());
    let officer = api::graphql::ids::decode("Officer", "id", &w.officer_a.clone().into()).unwrap();
    let vars = Vars::new()
        .with("name", "Nguyễn Văn An 1")
        .with("case", "0A629A")
        .with("time", "05:30 thứ Ba, 01/12/2026")
        .with("link", "https://donghanh.example/o/1");
    let alert = NewMessage {
        dedupe_key: DedupeKey::test_row("quiet-hours"),
        recipient: Recipient::Officer(officer),
        commune_code: COMMUNE_A.into(),
        template: TemplateKey::OfficerHelpRequested,
        vars,
        due_at: before_dawn(),
        expires_at: None,
        urgent: true,
        source_type: "check_in",
        source_id: None,
    };
    assert!(
        outbox::enqueue(&app.db, alert, before_dawn())
            .await
            .unwrap()
    );
    let alert = outbox_message::Entity::find()
        .filter(outbox_message::Column::DedupeKey.eq(DedupeKey::test_row("quiet-hours").as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();

    let fake = fake_gateways().await;
    // Officers are reached on their work phone (0987 654 321 in the test world); officer
    // alerts have no ZNS template, so SMS carries them.
    sms_to("0987654321", &alert)
        .respond_with(esms("100", "sms-alert"))
        .expect(1)
        .mount(&fake)
        .await;
    zns_to_client_a(&reminder)
        .respond_with(zns_ok("zns-never"))
        .expect(0)
        .mount(&fake)
        .await;

    drain(&sender(&app, &fake)).await;

    let row = reload(&app, alert.id).await;
    assert_eq!(row.status, "sent", "{:?}", row.last_reason);
    assert_eq!(row.sent_at, Some(before_dawn()));
    assert_eq!(
        attempts(&app, alert.id).await,
        pairs(&[("sms", "accepted")])
    );
    let row = reload(&app, reminder.id).await;
    assert_eq!(row.status, "deferred", "the client's reminder waits");
    assert_eq!(row.next_attempt_at, seven_am());
    fake.verify().await;
}
