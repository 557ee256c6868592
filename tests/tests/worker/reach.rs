//! Reaching a person at the lowest cost (issue 13, item 2): what ZNS and the OA teach about a
//! client is remembered on the client, so later messages skip the channel that cannot reach
//! them until a recheck (ZNS) or the person's next interaction (OA); and the cheaper of ZNS and
//! SMS at the prices in force goes first.

use chrono::Duration;
use entities::client;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use store::settings::SenderSettings;
use test_support::gateways::OA_PATH;
use tests::{TestApp, db_tests};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};
use worker::gateways::GatewaySettings;

use crate::support::{
    ESMS_PATH, ZNS_PATH, attempts, client_row, drain, esms, fake_gateways, pairs, reload,
    reminder_due, sender, sender_with, zns_error, zns_ok,
};

db_tests!(
    reach_a_number_not_on_zalo_goes_straight_to_sms_until_the_recheck,
    reach_an_oa_refusal_skips_oa_until_the_person_writes_again,
    reach_sms_goes_first_when_the_prices_make_it_cheaper,
    reach_a_long_name_gets_the_short_sms_in_one_segment,
);

const SET_PRICE: &str = "mutation($input: SetChannelPriceInput!) { setChannelPrice(input: $input) { price { priceVnd } } }";

async fn requests_on(fake: &MockServer, p: &str) -> usize {
    fake.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

async fn sms_accepts(fake: &MockServer) {
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms("100", "sms-1"))
        .mount(fake)
        .await;
}

async fn reach_a_number_not_on_zalo_goes_straight_to_sms_until_the_recheck(app: TestApp) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    // ZNS says "not on Zalo" once; after that (the person installed Zalo) it accepts.
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_error(-118))
        .up_to_n_times(1)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_ok("zns-later"))
        .mount(&fake)
        .await;
    sms_accepts(&fake).await;
    let settings = SenderSettings {
        zns_recheck: Duration::days(10),
        ..SenderSettings::default()
    };
    let gateways = GatewaySettings::for_tests(&fake.uri(), &fake.uri());
    let sender = sender_with(&app, gateways.clone(), settings.clone());

    // First reminder: ZNS -118, then SMS. The lesson is kept with its reason and recheck time.
    let first = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender).await;
    assert_eq!(
        attempts(&app, first.id).await,
        pairs(&[("zalo_zns", "recipient_unreachable"), ("sms", "accepted")])
    );
    let c = client_row(&app, &w.client_a).await;
    assert_eq!(
        c.zns_unreachable_until,
        Some(app.clock_now() + Duration::days(10))
    );
    assert_eq!(
        c.zns_unreachable_reason.as_deref(),
        Some("zns -118: phone not on zalo")
    );

    // Two days later: straight to SMS, ZNS is not called.
    app.clock.advance(Duration::days(2));
    let second = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender_with(&app, gateways.clone(), settings.clone())).await;
    assert_eq!(
        attempts(&app, second.id).await,
        pairs(&[("sms", "accepted")])
    );
    assert_eq!(requests_on(&fake, ZNS_PATH).await, 1);

    // After the recheck time ZNS is tried again; it reaches the person, which clears the lesson.
    app.clock.advance(Duration::days(9));
    let third = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender_with(&app, gateways, settings)).await;
    assert_eq!(
        attempts(&app, third.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    let c = client_row(&app, &w.client_a).await;
    assert_eq!(c.zns_unreachable_until, None);
    assert_eq!(c.zns_unreachable_reason, None);
    assert_eq!(requests_on(&fake, ESMS_PATH).await, 2);
}

async fn reach_an_oa_refusal_skips_oa_until_the_person_writes_again(app: TestApp) {
    let w = app.world().await;
    let id = api::graphql::ids::decode("Client", "id", &w.client_a.clone().into()).unwrap();
    // A follower who wrote yesterday by our records; Zalo counts otherwise (-230).
    client::ActiveModel {
        id: Set(id),
        zalo_user_id: Set(Some("7001".into())),
        zalo_last_interaction_at: Set(Some(app.clock_now() - Duration::days(1))),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .respond_with(zns_error(-230))
        .up_to_n_times(1)
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "error": 0, "message": "Success", "data": { "message_id": "oa-2" } }),
        ))
        .mount(&fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_ok("zns-1"))
        .mount(&fake)
        .await;

    let first = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, first.id).await,
        pairs(&[
            ("zalo_oa", "recipient_unreachable"),
            ("zalo_zns", "accepted")
        ])
    );
    let c = client_row(&app, &w.client_a).await;
    assert_eq!(c.oa_refused_at, Some(app.clock_now()));

    // The next message does not try the OA again.
    app.clock.advance(Duration::hours(4));
    let second = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, second.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    assert_eq!(requests_on(&fake, OA_PATH).await, 1);

    // The person writes to the OA: the window is open again, and the free OA goes first.
    app.clock.advance(Duration::hours(4));
    api::schedules::check_ins::record_reply(
        &app.db,
        api::schedules::check_ins::ReplySender::ZaloUser("7001".into()),
        "chào cán bộ",
        app.clock_now(),
        &app.planning.escalation_defaults,
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    app.clock.advance(Duration::minutes(1));
    let third = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, third.id).await,
        pairs(&[("zalo_oa", "accepted")])
    );
    let c = client_row(&app, &w.client_a).await;
    assert_eq!(c.oa_refused_at, None, "an OA success clears the refusal");
    let row = reload(&app, third.id).await;
    assert_eq!(row.channel.as_deref(), Some("zalo_oa"));
}

async fn reach_sms_goes_first_when_the_prices_make_it_cheaper(app: TestApp) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_ok("zns-1"))
        .mount(&fake)
        .await;
    sms_accepts(&fake).await;
    // At the seeded prices (ZNS 300 đ, SMS 1,000 đ a segment) ZNS goes first.
    let first = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, first.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    // An SMS segment at 250 đ from today: a one-segment reminder is now cheaper by SMS.
    let today = domain::messaging::pricing::price_day(app.clock_now()).to_string();
    app.ok(
        &app.admin_token,
        SET_PRICE,
        json!({ "input": { "provider": "ESMS", "channel": "SMS", "unit": "SMS_SEGMENT", "priceVnd": 250, "effectiveFrom": today } }),
    )
    .await;
    app.clock.advance(Duration::hours(4));
    let second = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, second.id).await,
        pairs(&[("sms", "accepted")])
    );
    assert_eq!(requests_on(&fake, ZNS_PATH).await, 1);
}

async fn reach_a_long_name_gets_the_short_sms_in_one_segment(app: TestApp) {
    let w = app.world().await;
    // A real long name, and SMS only.
    let m = "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }";
    app.ok(
        &w.officer_a_token,
        m,
        json!({ "i": { "id": w.client_a, "fullName": "Công Tằng Tôn Nữ Thị Phương Thảo Nguyên", "zaloConsent": null } }),
    )
    .await;
    let fake = fake_gateways().await;
    sms_accepts(&fake).await;
    let reminder = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    let starts = domain::messaging::format_local(reminder.expires_at.unwrap());
    // The full wording would take two segments folded.
    let full = domain::messaging::fold_to_ascii(&format!(
        "Chào Công Tằng Tôn Nữ Thị Phương Thảo Nguyên, anh/chị có hẹn với cán bộ xã lúc {starts} \
         tại Trụ sở UBND phường, phòng 2. Ngừng nhận tin: TU CHOI"
    ));
    assert_eq!(domain::messaging::segments(&full).segments, 2, "{full}");
    drain(&sender(&app, &fake)).await;
    let sms = crate::support::bodies(&fake, ESMS_PATH).await;
    assert_eq!(sms.len(), 1);
    let content = sms[0]["Content"].as_str().unwrap();
    assert_eq!(
        content,
        domain::messaging::fold_to_ascii(&format!(
            "Chào Nguyên, hẹn cán bộ xã {starts} tại Trụ sở UBND phường, phòng 2. Ngừng: TU CHOI"
        ))
    );
    assert!(content.len() <= 160, "{content}");
    // Billed as one segment.
    let attempt = entities::outbox_attempt::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.message_id == reminder.id)
        .unwrap();
    assert_eq!(attempt.segments, Some(1));
    assert_eq!(attempt.billed_vnd, Some(1000));
}
