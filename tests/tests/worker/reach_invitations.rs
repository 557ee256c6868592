//! Moving people to the free OA (issue 13, item 5), through the real path: an officer's
//! `inviteClientToZalo` queues one invitation (sent by ZNS), the person follows the OA and
//! sends "DK <code>" (a signed Zalo webhook), their account is linked with consent, and the
//! next messages go by the OA (the fake OA receives them; ZNS and SMS do not). A client who
//! checks in by link is shown the invitation on the page, for free.

use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use test_support::gateways::OA_PATH;
use tests::{
    TestApp, db_tests,
    webhooks::{post_signed, zalo_event, zalo_text as text_from},
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{
    ESMS_PATH, ZNS_PATH, attempts, bodies, client_row, drain, esms, fake_gateways, pairs,
    reminder_due, sender, zns_ok,
};

db_tests!(
    reach_an_invitation_links_the_follower_and_the_next_messages_go_by_the_free_oa,
    reach_invitations_are_refused_by_field_and_codes_cannot_be_guessed,
    reach_the_check_in_page_shows_an_invitation_whose_code_records_zalo_consent,
);

const INVITE: &str = "mutation($input: InviteClientToZaloInput!) { inviteClientToZalo(input: $input) { invitation { code followUrl qrPayload expiresAt } messageQueued } }";
const CLIENT: &str =
    "query($c: ID!) { client(id: $c) { zaloUserId zaloConsent { method givenAt } } }";
const FOLLOW_URL: &str = "https://zalo.me/579745863508352884";

async fn every_gateway_accepts(fake: &MockServer) {
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns_ok("zns-1"))
        .mount(fake)
        .await;
    Mock::given(method("POST"))
        .and(path(OA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "error": 0, "message": "Success", "data": { "message_id": "oa-1" } }),
        ))
        .mount(fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(esms("100", "sms-1"))
        .mount(fake)
        .await;
}

async fn invite(app: &TestApp, token: &str, client: &str) -> Value {
    app.ok(token, INVITE, json!({ "input": { "clientId": client } }))
        .await["inviteClientToZalo"]
        .clone()
}

async fn messages_of(app: &TestApp, template: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq(template))
        .all(&app.db)
        .await
        .unwrap()
}

async fn reach_an_invitation_links_the_follower_and_the_next_messages_go_by_the_free_oa(
    app: TestApp,
) {
    let w = app.world().await;
    let fake = fake_gateways().await;
    every_gateway_accepts(&fake).await;

    // The officer invites client A: one message, one code; asking again reuses both.
    let invited = invite(&app, &w.officer_a_token, &w.client_a).await;
    assert_eq!(invited["messageQueued"], true);
    let code = invited["invitation"]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert_eq!(invited["invitation"]["followUrl"], FOLLOW_URL);
    assert_eq!(invited["invitation"]["qrPayload"], FOLLOW_URL);
    let again = invite(&app, &w.officer_a_token, &w.client_a).await;
    assert_eq!(again["messageQueued"], false);
    assert_eq!(again["invitation"]["code"], code.as_str());

    // The invitation goes by ZNS (A consented to Zalo, is not a follower), with the code.
    drain(&sender(&app, &fake)).await;
    let invitation = messages_of(&app, "zalo_invitation").await;
    assert_eq!(invitation.len(), 1);
    assert_eq!(
        attempts(&app, invitation[0].id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    let zns = bodies(&fake, ZNS_PATH).await;
    assert_eq!(zns.len(), 1);
    assert_eq!(zns[0]["template_id"], "zns-zalo_invitation");
    assert_eq!(zns[0]["template_data"]["invitation_code"], code.as_str());
    assert_eq!(zns[0]["template_data"]["follow_link"], FOLLOW_URL);

    // The person follows (nothing is linked on a follow alone) and sends the code.
    let follow = zalo_event(&app, "follow", json!({ "follower": { "id": "9001" } }));
    assert_eq!(post_signed(&app, &follow).await, 200);
    assert_eq!(client_row(&app, &w.client_a).await.zalo_user_id, None);
    let dk = text_from(&app, "9001", &format!("dk {}", code.to_lowercase()));
    assert_eq!(post_signed(&app, &dk).await, 200);
    let c = client_row(&app, &w.client_a).await;
    assert_eq!(c.zalo_user_id.as_deref(), Some("9001"));
    assert_eq!(c.zalo_last_interaction_at, Some(app.clock_now()));
    // A's earlier consent stands as recorded.
    assert_eq!(c.zalo_consent_method.as_deref(), Some("in_person_signed"));
    // Zalo retries: the same event again changes nothing and queues nothing more.
    assert_eq!(post_signed(&app, &dk).await, 200);
    assert_eq!(messages_of(&app, "zalo_linked").await.len(), 1);

    // The confirmation goes by the OA to the linked account; ZNS and SMS are not called.
    drain(&sender(&app, &fake)).await;
    let linked = messages_of(&app, "zalo_linked").await;
    assert_eq!(
        attempts(&app, linked[0].id).await,
        pairs(&[("zalo_oa", "accepted")])
    );
    let oa = bodies(&fake, OA_PATH).await;
    assert_eq!(oa.len(), 1);
    assert_eq!(oa[0]["recipient"]["user_id"], "9001");
    assert!(
        oa[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("qua Zalo"),
        "{}",
        oa[0]
    );

    // The next message, an appointment reminder, goes by the free OA too.
    let reminder = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, reminder.id).await,
        pairs(&[("zalo_oa", "accepted")])
    );
    assert_eq!(
        bodies(&fake, ZNS_PATH).await.len(),
        1,
        "only the invitation"
    );
    assert!(bodies(&fake, ESMS_PATH).await.is_empty());
    // The person leaves the OA: the next message goes by ZNS without trying the OA; following
    // again brings the OA back.
    let oa_before = bodies(&fake, OA_PATH).await.len();
    let unfollow = zalo_event(&app, "unfollow", json!({ "follower": { "id": "9001" } }));
    assert_eq!(post_signed(&app, &unfollow).await, 200);
    app.clock.advance(chrono::Duration::hours(4));
    let after_leaving = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, after_leaving.id).await,
        pairs(&[("zalo_zns", "accepted")])
    );
    assert_eq!(bodies(&fake, OA_PATH).await.len(), oa_before);
    app.clock.advance(chrono::Duration::minutes(1));
    let follow = zalo_event(&app, "follow", json!({ "follower": { "id": "9001" } }));
    assert_eq!(post_signed(&app, &follow).await, 200);
    app.clock.advance(chrono::Duration::hours(4));
    let back = reminder_due(&app, &w.officer_a_token, &w.client_a).await;
    drain(&sender(&app, &fake)).await;
    assert_eq!(
        attempts(&app, back.id).await,
        pairs(&[("zalo_oa", "accepted")])
    );
    // The code is used: another account sending it links nothing.
    let stolen = text_from(&app, "9002", &format!("DK {code}"));
    assert_eq!(post_signed(&app, &stolen).await, 200);
    let c = client_row(&app, &w.client_a).await;
    assert_eq!(c.zalo_user_id.as_deref(), Some("9001"));
    assert!(bodies(&fake, ESMS_PATH).await.is_empty(), "no SMS at all");
    // Invited again once linked: refused, naming the field.
    let body = app
        .graphql(
            Some(&w.officer_a_token),
            INVITE,
            json!({ "input": { "clientId": w.client_a } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "clientId");
}

async fn reach_invitations_are_refused_by_field_and_codes_cannot_be_guessed(app: TestApp) {
    let w = app.world().await;
    // Another commune's officer: not found (scope before existence).
    let officer_b = app.officer_token(&w.officer_b).await;
    let body = app
        .graphql(
            Some(&officer_b),
            INVITE,
            json!({ "input": { "clientId": w.client_a } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    // A bad id names its field.
    let body = app
        .graphql(
            Some(&w.officer_a_token),
            INVITE,
            json!({ "input": { "clientId": "nope" } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "clientId");
    // No Zalo consent: refused, nothing written.
    let m = "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }";
    app.ok(
        &w.officer_a_token,
        m,
        json!({ "i": { "id": w.client_a, "zaloConsent": null } }),
    )
    .await;
    let body = app
        .graphql(
            Some(&w.officer_a_token),
            INVITE,
            json!({ "input": { "clientId": w.client_a } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "clientId");
    assert_eq!(app.count("zalo_invitations").await, 0);
    assert_eq!(app.count("outbox_messages").await, 0);
    // An officer cannot claim the invitation's consent method for the person.
    let body = app
        .graphql(
            Some(&w.officer_a_token),
            m,
            json!({ "i": { "id": w.client_a, "zaloConsent": { "givenAt": "2026-11-20T02:00:00Z", "method": "ZALO_INVITATION" } } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "zaloConsent");

    // Client B's code is live; an account that sent five wrong codes is no longer heard.
    let invited = invite(&app, &officer_b, &w.client_b).await;
    let code = invited["invitation"]["code"].as_str().unwrap().to_owned();
    for wrong in ["23456789", "3456789A", "456789AB", "56789ABC", "6789ABCD"] {
        let e = text_from(&app, "6666", &format!("DK {wrong}"));
        assert_eq!(post_signed(&app, &e).await, 200);
    }
    let right = text_from(&app, "6666", &format!("DK {code}"));
    assert_eq!(post_signed(&app, &right).await, 200);
    assert_eq!(client_row(&app, &w.client_b).await.zalo_user_id, None);
    // Another account with the right code links.
    let right = text_from(&app, "7777", &format!("DK {code}"));
    assert_eq!(post_signed(&app, &right).await, 200);
    assert_eq!(
        client_row(&app, &w.client_b).await.zalo_user_id.as_deref(),
        Some("7777")
    );
}

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const UPCOMING: &str = "query($c: ID!) { client(id: $c) { upcomingCheckIns(first: 1) { id } } }";
const LINK: &str = "mutation($o: ID!) { checkInLink(occurrenceId: $o) { url } }";

async fn reach_the_check_in_page_shows_an_invitation_whose_code_records_zalo_consent(app: TestApp) {
    let w = app.world().await;
    // Client A consented to SMS only.
    let m = "mutation($i: UpdateClientInput!) { updateClient(input: $i) { client { id } } }";
    app.ok(
        &w.officer_a_token,
        m,
        json!({ "i": { "id": w.client_a, "zaloConsent": null } }),
    )
    .await;
    let input = json!({ "orderId": w.order_a, "rule": { "weekly": { "weekdays": ["MON", "THU"] } }, "opensAt": "08:00", "windowMinutes": 240 });
    app.ok(&w.officer_a_token, CREATE_PLAN, json!({ "input": input }))
        .await;
    let data = app
        .ok(&w.officer_a_token, UPCOMING, json!({ "c": w.client_a }))
        .await;
    let occurrence = data["client"]["upcomingCheckIns"][0]["id"].clone();
    let data = app.ok(&w.key_a, LINK, json!({ "o": occurrence })).await;
    let token = data["checkInLink"]["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let url = format!("{}/c/{token}", app.address);
    // The GET changes nothing and shows no invitation; the POST checks in and shows one.
    let page = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("DK "), "{page}");
    assert_eq!(app.count("zalo_invitations").await, 0);
    let r = app.http.post(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Nhận tin miễn phí qua Zalo"), "{page}");
    assert!(page.contains(FOLLOW_URL), "{page}");
    let code = page
        .split("<b>DK ")
        .nth(1)
        .and_then(|rest| rest.split("</b>").next())
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 8, "{page}");
    assert!(!page.contains("Nguyễn"), "no name on the page");

    // Sending the code is the person's consent to Zalo, recorded with its source.
    let dk = text_from(&app, "9100", &format!("Đăng ký {code}"));
    assert_eq!(post_signed(&app, &dk).await, 200);
    let data = app
        .ok(&w.officer_a_token, CLIENT, json!({ "c": w.client_a }))
        .await;
    assert_eq!(data["client"]["zaloUserId"], "9100");
    assert_eq!(data["client"]["zaloConsent"]["method"], "ZALO_INVITATION");
    assert_eq!(
        data["client"]["zaloConsent"]["givenAt"],
        app.clock_now().to_rfc3339()
    );
    // The confirmation queued goes by the OA.
    let fake = fake_gateways().await;
    every_gateway_accepts(&fake).await;
    drain(&sender(&app, &fake)).await;
    let linked = messages_of(&app, "zalo_linked").await;
    assert_eq!(
        attempts(&app, linked[0].id).await,
        pairs(&[("zalo_oa", "accepted")])
    );
}
