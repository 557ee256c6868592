//! Each escalation level chooses its channels (issue 11): the alerts of a level go only on the
//! channels it names, in its order or all at once, through the real sender and fake Zalo OA
//! and eSMS gateways. Officers A and the chief both follow the OA, so a level that leaves Zalo
//! out shows it by never calling it.

use chrono::Duration;
use domain::messaging::channel::Channel;
use entities::{outbox_attempt, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use test_support::gateways::{OA_PATH, zalo_error};
use tests::{TestApp, db_tests_with};
use uuid::Uuid;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::{
    escalation::{Escalated, escalated, one_miss_opens},
    support::{ESMS_PATH, bodies, drain, esms, fake_gateways, sender},
};

db_tests_with!(zalo_then_sms_per_level =>
    level_one_on_zalo_only_and_level_two_on_sms_only,
);
db_tests_with!(zalo_only =>
    a_zalo_only_level_never_falls_back_to_sms,
);
db_tests_with!(one_miss_opens =>
    the_default_tries_zalo_then_sms_when_zalo_cannot_deliver,
);
db_tests_with!(both_at_once =>
    a_level_at_once_sends_one_message_per_channel,
);

const UPDATE_OFFICER: &str =
    "mutation($input: UpdateOfficerInput!) { updateOfficer(input: $input) { officer { id } } }";
const ZALO_A: &str = "8421000000000000201";
const ZALO_CHIEF: &str = "8421000000000000202";

/// Level 1 (the case officers) on Zalo OA only; level 2 (the chief) on SMS only.
fn zalo_then_sms_per_level(settings: &mut api::settings::Settings) {
    one_miss_opens(settings);
    settings.worker.escalation.levels[0].channels = vec![Channel::ZaloOa];
    settings.worker.escalation.levels[1].channels = vec![Channel::Sms];
}

/// Level 1 on Zalo OA only.
fn zalo_only(settings: &mut api::settings::Settings) {
    one_miss_opens(settings);
    settings.worker.escalation.levels[0].channels = vec![Channel::ZaloOa];
}

/// Level 1 on SMS and Zalo OA at once.
fn both_at_once(settings: &mut api::settings::Settings) {
    one_miss_opens(settings);
    settings.worker.escalation.levels[0].channels = vec![Channel::Sms, Channel::ZaloOa];
    settings.worker.escalation.levels[0].channels_at_once = true;
}

/// Client A's miss escalated; officer A and the chief follow the OA.
async fn escalated_to_zalo_followers(app: &TestApp) -> Escalated {
    let s = escalated(app).await;
    for (officer, zalo) in [(s.officer_a, ZALO_A), (s.chief, ZALO_CHIEF)] {
        let id = api::graphql::ids::encode("Officer", officer);
        let input = json!({ "input": { "id": id, "zaloUserId": zalo } });
        app.ok(&app.admin_token, UPDATE_OFFICER, input).await;
    }
    s
}

/// Zalo OA accepts every message; eSMS too.
async fn gateways_accepting() -> MockServer {
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "error": 0, "message": "Success", "data": { "message_id": "oa-1" } }),
        ))
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms("100", "sms-officer"))
        .mount(&fake)
        .await;
    fake
}

/// The Zalo user ids the fake OA was called for.
async fn oa_recipients(fake: &MockServer) -> Vec<String> {
    bodies(fake, OA_PATH)
        .await
        .iter()
        .map(|b| b["recipient"]["user_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Each escalation message to `officer`: its template, its stored channel list, its status
/// and the channels of its attempts in order.
async fn deliveries_to(
    app: &TestApp,
    officer: Uuid,
) -> Vec<(String, Option<String>, String, Vec<String>)> {
    let messages = outbox_message::Entity::find()
        .filter(outbox_message::Column::OfficerId.eq(officer))
        .filter(outbox_message::Column::Template.starts_with("officer_escalation"))
        .order_by_asc(outbox_message::Column::CreatedAt)
        .order_by_asc(outbox_message::Column::Channels)
        .all(&app.db)
        .await
        .unwrap();
    let mut out = Vec::new();
    for m in messages {
        let attempts = outbox_attempt::Entity::find()
            .filter(outbox_attempt::Column::MessageId.eq(m.id))
            .order_by_asc(outbox_attempt::Column::AttemptedAt)
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.channel)
            .collect();
        out.push((m.template, m.channels, m.status, attempts));
    }
    out
}

fn row(
    template: &str,
    channels: &str,
    status: &str,
    attempts: &[&str],
) -> (String, Option<String>, String, Vec<String>) {
    (
        template.to_owned(),
        Some(channels.to_owned()),
        status.to_owned(),
        attempts.iter().map(|a| (*a).to_owned()).collect(),
    )
}

async fn level_one_on_zalo_only_and_level_two_on_sms_only(app: TestApp) {
    let s = escalated_to_zalo_followers(&app).await;
    let fake = gateways_accepting().await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(oa_recipients(&fake).await, [ZALO_A]);
    assert!(
        bodies(&fake, ESMS_PATH).await.is_empty(),
        "level 1 sent no SMS"
    );

    // Nobody acknowledges: level 2 alerts the chief by SMS only, though the chief follows
    // the OA; officer A hears that it moved up on level 1's channel.
    app.clock.advance(Duration::hours(4));
    assert_eq!(app.tick().await.escalations.raised, 1);
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        deliveries_to(&app, s.chief).await,
        [row("officer_escalation_alert", "sms", "sent", &["sms"])]
    );
    assert_eq!(
        deliveries_to(&app, s.officer_a).await,
        [
            row("officer_escalation_alert", "zalo_oa", "sent", &["zalo_oa"]),
            row("officer_escalation_raised", "zalo_oa", "sent", &["zalo_oa"]),
        ]
    );
    assert_eq!(
        oa_recipients(&fake).await,
        [ZALO_A, ZALO_A],
        "Zalo never called for the chief"
    );
    assert_eq!(
        bodies(&fake, ESMS_PATH).await.len(),
        1,
        "one SMS: the chief's alert"
    );
}

async fn a_zalo_only_level_never_falls_back_to_sms(app: TestApp) {
    let s = escalated_to_zalo_followers(&app).await;
    let fake = fake_gateways().await;
    // Officer A has not written to the OA for more than 7 days: Zalo refuses (-230).
    Mock::given(path(OA_PATH))
        .respond_with(zalo_error(-230))
        .mount(&fake)
        .await;
    Mock::given(path(ESMS_PATH))
        .respond_with(esms("100", "sms-officer"))
        .expect(0)
        .mount(&fake)
        .await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        deliveries_to(&app, s.officer_a).await,
        [row(
            "officer_escalation_alert",
            "zalo_oa",
            "failed",
            &["zalo_oa"]
        )]
    );
}

async fn the_default_tries_zalo_then_sms_when_zalo_cannot_deliver(app: TestApp) {
    let s = escalated_to_zalo_followers(&app).await;
    let fake = fake_gateways().await;
    Mock::given(path(OA_PATH))
        .respond_with(zalo_error(-230))
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(path(ESMS_PATH))
        .respond_with(esms("100", "sms-officer"))
        .expect(1)
        .mount(&fake)
        .await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        deliveries_to(&app, s.officer_a).await,
        [row(
            "officer_escalation_alert",
            "zalo_oa,sms",
            "sent",
            &["zalo_oa", "sms"]
        )]
    );
}

async fn a_level_at_once_sends_one_message_per_channel(app: TestApp) {
    let s = escalated_to_zalo_followers(&app).await;
    let fake = gateways_accepting().await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        deliveries_to(&app, s.officer_a).await,
        [
            row("officer_escalation_alert", "sms", "sent", &["sms"]),
            row("officer_escalation_alert", "zalo_oa", "sent", &["zalo_oa"]),
        ]
    );
    assert_eq!(oa_recipients(&fake).await, [ZALO_A]);
    assert_eq!(bodies(&fake, ESMS_PATH).await.len(), 1);
    // A second tick adds no third copy.
    assert_eq!(app.tick().await.escalations, Default::default());
}
