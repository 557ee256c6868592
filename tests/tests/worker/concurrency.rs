//! Two workers on one PostgreSQL database: claims skip the rows the other worker holds, so the
//! gateway sees each message exactly once. (SQLite has one writer and one worker.)

use std::{collections::HashMap, time::Duration as StdDuration};

use chrono::Duration;
use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::{
    Backend, spawn_app,
    world::{COMMUNE_A, client_input},
};
use wiremock::{
    Mock,
    matchers::{method, path},
};
use worker::{
    gateways::GatewaySettings,
    sender::{Sender, SenderSettings},
};

use crate::support::{ESMS_PATH, bodies, book, esms, fake_gateways, sender_with};

/// Runs rounds until this worker finds nothing left to claim; returns how many it processed.
async fn work(sender: Sender) -> usize {
    let mut total = 0;
    loop {
        match sender.run_once().await.expect("sender round") {
            0 => return total,
            n => total += n,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_send_each_of_200_messages_exactly_once() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    let w = app.world().await;
    // An SMS-only client: every message goes to the one fake that deduplicates nothing here.
    let mut input = client_input(COMMUNE_A, 4);
    let fields = input.as_object_mut().unwrap();
    fields.remove("zaloConsent");
    fields.insert("preferredChannel".into(), json!("SMS"));
    let client = app.create_client(&app.admin_token, input).await;
    // 100 appointments over three days, two reminders each, written through the API.
    let start = app.clock_now();
    let mut ids = Vec::new();
    for i in 0..100 {
        let at = start + Duration::hours(25) + Duration::minutes(30 * i);
        let reminders = book(&app, &w.officer_a_token, &client, at).await;
        assert_eq!(reminders.len(), 2);
        ids.extend(reminders.iter().map(|r| r.id));
    }
    // Thursday 09:00 in Hà Nội: every reminder is due, none in quiet hours.
    app.clock.set(start + Duration::hours(73));

    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms("100", "sms").set_delay(StdDuration::from_millis(5)))
        .mount(&fake)
        .await;
    let settings = SenderSettings {
        batch: 20,
        concurrency: 4,
        ..SenderSettings::default()
    };
    let gateways = GatewaySettings::for_tests(&fake.uri(), &fake.uri());
    let one = tokio::spawn(work(sender_with(&app, gateways.clone(), settings.clone())));
    let two = tokio::spawn(work(sender_with(&app, gateways, settings)));
    let (one, two) = (one.await.unwrap(), two.await.unwrap());
    eprintln!("worker one processed {one}, worker two {two}");

    let mut seen: HashMap<String, usize> = HashMap::new();
    for body in bodies(&fake, ESMS_PATH).await {
        *seen
            .entry(body["RequestId"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(seen.len(), 200, "every message reached the gateway");
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "sent more than once: {repeated:?}");
    for id in &ids {
        assert_eq!(seen.get(&id.to_string()), Some(&1));
    }
    assert_eq!(one + two, 200, "each message was claimed once");
    let sent = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(ids.clone()))
        .filter(outbox_message::Column::Status.eq("sent"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 200, "all rows sent");
}
