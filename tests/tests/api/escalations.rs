//! Escalations through HTTP (issue 11): the officers' queue and its scope, acknowledging by
//! mutation, by signed link and by Zalo reply code, resolving, and the codes' binding.

use chrono::Duration;
use entities::{check_in_occurrence, escalation, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{
    TestApp, db_tests_with,
    webhooks::{post_signed, zalo_event},
    world::{COMMUNE_A, World},
};
use uuid::Uuid;

db_tests_with!(one_miss_opens =>
    officers_of_another_commune_cannot_see_acknowledge_or_resolve,
    the_case_officer_acknowledges_by_mutation_and_resolves,
    an_officer_acknowledges_by_the_signed_link,
    a_zalo_reply_with_the_code_acknowledges_and_a_leaked_code_does_not,
    the_policy_is_bounded_and_only_chiefs_and_administrators_set_it,
    each_level_chooses_its_channels_and_bad_lists_are_refused_by_field,
    the_queue_shows_client_owner_and_last_events,
);

fn one_miss_opens(settings: &mut api::settings::Settings) {
    settings.worker.escalation.consecutive_misses_to_open = 1;
    settings.worker.escalation.grace_minutes = 60;
}

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const QUEUE: &str = "query($f: EscalationFilter) { escalations(filter: $f) { totalCount edges { node { id status level misses ackMethod outcome note events { kind level detail } } } } }";
const ACK: &str =
    "mutation($id: ID!) { acknowledgeEscalation(id: $id) { status ackMethod acknowledgedAt } }";
const RESOLVE: &str = "mutation($input: ResolveEscalationInput!) { resolveEscalation(input: $input) { status outcome note } }";
const UPDATE_OFFICER: &str =
    "mutation($input: UpdateOfficerInput!) { updateOfficer(input: $input) { officer { id } } }";

/// Client A misses Monday's window; an hour later the tick opens an escalation at level 1.
async fn escalated(app: &TestApp) -> (World, escalation::Model) {
    let w = app.world().await;
    let input = json!({
        "orderId": w.order_a,
        "rule": { "weekly": { "weekdays": ["MON", "THU"] } },
        "opensAt": "08:00",
        "windowMinutes": 240
    });
    app.ok(&w.officer_a_token, CREATE_PLAN, json!({ "input": input }))
        .await;
    let occ = check_in_occurrence::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.clock.set(occ.closes_at + Duration::hours(1));
    assert_eq!(app.tick().await.escalations.opened, 1);
    let e = escalation::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (w, e)
}

fn gid(e: &escalation::Model) -> String {
    api::graphql::ids::encode("Escalation", e.id).to_string()
}

async fn current(app: &TestApp, id: Uuid) -> escalation::Model {
    escalation::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The alert's variables (code, link) sent to `officer`.
async fn alert_vars(app: &TestApp, officer: Uuid) -> Value {
    let m = outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("officer_escalation_alert"))
        .filter(outbox_message::Column::OfficerId.eq(officer))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an alert to the officer");
    serde_json::from_str(&m.vars).unwrap()
}

fn officer_id(w_id: &str) -> Uuid {
    api::graphql::ids::decode("Officer", "id", &w_id.to_owned().into()).unwrap()
}

async fn officers_of_another_commune_cannot_see_acknowledge_or_resolve(app: TestApp) {
    let (w, e) = escalated(&app).await;
    let token_b = app.officer_token(&w.officer_b).await;
    let seen = app.ok(&token_b, QUEUE, json!({})).await;
    assert_eq!(seen["escalations"]["totalCount"], 0);
    let seen = app
        .ok(
            &token_b,
            QUEUE,
            json!({ "f": { "communeCode": COMMUNE_A } }),
        )
        .await;
    assert_eq!(seen["escalations"]["totalCount"], 0);
    assert_eq!(
        app.error_code(&token_b, ACK, json!({ "id": gid(&e) }))
            .await,
        "NOT_FOUND"
    );
    let resolve = json!({ "input": { "id": gid(&e), "outcome": "HOME_VISIT" } });
    assert_eq!(
        app.error_code(&token_b, RESOLVE, resolve).await,
        "NOT_FOUND"
    );
    // A partner key of commune A reads the queue but never acts: authority before existence.
    let seen = app.ok(&w.key_a, QUEUE, json!({})).await;
    assert_eq!(seen["escalations"]["totalCount"], 1);
    assert_eq!(
        app.error_code(&w.key_a, ACK, json!({ "id": gid(&e) }))
            .await,
        "FORBIDDEN"
    );
    let unknown = api::graphql::ids::encode("Escalation", Uuid::now_v7()).to_string();
    assert_eq!(
        app.error_code(&w.key_a, ACK, json!({ "id": unknown }))
            .await,
        "FORBIDDEN"
    );
    // An officer of commune A not alerted at level 1 (a volunteer-free chairman) may not act yet.
    let chairman = app
        .create_officer(COMMUNE_A, "Hoàng Thị Chủ", "COMMUNE_CHAIRMAN")
        .await;
    let chairman_token = app.officer_token(&chairman).await;
    assert_eq!(
        app.error_code(&chairman_token, ACK, json!({ "id": gid(&e) }))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(current(&app, e.id).await.status, "open", "nothing changed");
}

async fn the_case_officer_acknowledges_by_mutation_and_resolves(app: TestApp) {
    let (w, e) = escalated(&app).await;
    let data = app
        .ok(&w.officer_a_token, ACK, json!({ "id": gid(&e) }))
        .await;
    assert_eq!(data["acknowledgeEscalation"]["status"], "ACKNOWLEDGED");
    assert_eq!(data["acknowledgeEscalation"]["ackMethod"], "MUTATION");
    assert_eq!(
        app.error_code(&w.officer_a_token, ACK, json!({ "id": gid(&e) }))
            .await,
        "CONFLICT"
    );
    // No level 2 after the timeout.
    app.clock.advance(Duration::hours(5));
    assert_eq!(app.tick().await.escalations.raised, 0);
    let other = json!({ "input": { "id": gid(&e), "outcome": "OTHER" } });
    assert_eq!(
        app.error_code(&w.officer_a_token, RESOLVE, other).await,
        "BAD_USER_INPUT"
    );
    let long =
        json!({ "input": { "id": gid(&e), "outcome": "HOME_VISIT", "note": "x".repeat(2001) } });
    assert_eq!(
        app.error_code(&w.officer_a_token, RESOLVE, long).await,
        "BAD_USER_INPUT"
    );
    let input = json!({ "input": { "id": gid(&e), "outcome": "HOME_VISIT", "note": "Đã đến nhà, gia đình cho biết đi làm xa" } });
    let data = app.ok(&w.officer_a_token, RESOLVE, input.clone()).await;
    assert_eq!(data["resolveEscalation"]["status"], "RESOLVED");
    assert_eq!(data["resolveEscalation"]["outcome"], "HOME_VISIT");
    assert_eq!(
        app.error_code(&w.officer_a_token, RESOLVE, input).await,
        "CONFLICT"
    );
    let history = app
        .ok(
            &w.officer_a_token,
            QUEUE,
            json!({ "f": { "clientId": w.client_a } }),
        )
        .await;
    let kinds: Vec<&str> = history["escalations"]["edges"][0]["node"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opened", "missed", "acknowledged", "resolved"]);
    let on_client = app
        .ok(
            &w.officer_a_token,
            "query($id: ID!) { client(id: $id) { escalations { totalCount edges { node { status outcome } } } } }",
            json!({ "id": w.client_a }),
        )
        .await;
    assert_eq!(on_client["client"]["escalations"]["totalCount"], 1);
    assert_eq!(
        on_client["client"]["escalations"]["edges"][0]["node"]["outcome"],
        "HOME_VISIT"
    );
    // A new miss after resolution opens a new escalation.
    app.clock.advance(Duration::days(3));
    assert_eq!(app.tick().await.escalations.opened, 1);
    assert_eq!(app.count("escalations").await, 2);
}

async fn an_officer_acknowledges_by_the_signed_link(app: TestApp) {
    let (w, e) = escalated(&app).await;
    let vars = alert_vars(&app, officer_id(&w.officer_a)).await;
    let link = vars["link"].as_str().unwrap();
    let path = &link[link.find("/e/").unwrap()..];
    let url = format!("{}{path}", app.address);
    let page = app.http.get(&url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("Tôi nhận xử lý"));
    assert_eq!(
        current(&app, e.id).await.status,
        "open",
        "GET changes nothing"
    );
    let done = app.http.post(&url).send().await.unwrap();
    assert_eq!(done.status().as_u16(), 200);
    let taken = current(&app, e.id).await;
    assert_eq!(taken.status, "acknowledged");
    assert_eq!(taken.ack_method.as_deref(), Some("link"));
    assert_eq!(taken.acknowledged_by, Some(officer_id(&w.officer_a)));
    let again = app.http.post(&url).send().await.unwrap();
    assert!(again.text().await.unwrap().contains("Đã có người nhận"));
    let forged = format!("{}/e/AAAAAAAAAAAAAAAA", app.address);
    assert_eq!(
        app.http
            .post(&forged)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
}

async fn reply(app: &TestApp, zalo_user: &str, text: &str) {
    let msg_id = Uuid::new_v4().simple().to_string();
    let event = zalo_event(
        app,
        "user_send_text",
        json!({
            "sender": { "id": zalo_user },
            "recipient": { "id": "579745863508352884" },
            "message": { "text": text, "msg_id": msg_id },
        }),
    );
    assert_eq!(post_signed(app, &event).await, 200);
}

async fn a_zalo_reply_with_the_code_acknowledges_and_a_leaked_code_does_not(app: TestApp) {
    let (w, e) = escalated(&app).await;
    let code = alert_vars(&app, officer_id(&w.officer_a)).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for (officer, zalo) in [
        (&w.officer_a, "8421000000000000101"),
        (&w.officer_b, "8421000000000000102"),
    ] {
        let input = json!({ "input": { "id": officer, "zaloUserId": zalo } });
        app.ok(&app.admin_token, UPDATE_OFFICER, input).await;
    }
    // Officer B (another commune) replies with A's leaked code: refused, nothing changes.
    reply(&app, "8421000000000000102", &format!("XN {code}")).await;
    assert_eq!(current(&app, e.id).await.status, "open");
    // A wrong code from officer A: refused.
    reply(&app, "8421000000000000101", "XN 222222").await;
    assert_eq!(current(&app, e.id).await.status, "open");
    assert_eq!(app.count("escalation_ack_failures").await, 2);
    // The right code from officer A: acknowledged by reply.
    reply(
        &app,
        "8421000000000000101",
        &format!("xác nhận {}", code.to_lowercase()),
    )
    .await;
    let taken = current(&app, e.id).await;
    assert_eq!(taken.status, "acknowledged");
    assert_eq!(taken.ack_method.as_deref(), Some("reply_code"));
    // Resolved: the code is dead.
    let input = json!({ "input": { "id": gid(&e), "outcome": "REACHED_BY_PHONE" } });
    app.ok(&w.officer_a_token, RESOLVE, input).await;
    reply(&app, "8421000000000000101", &format!("XN {code}")).await;
    assert_eq!(current(&app, e.id).await.status, "resolved");
    assert_eq!(app.count("escalation_ack_failures").await, 3);
}

const SET_POLICY: &str = "mutation($input: SetEscalationPolicyInput!) { setEscalationPolicy(input: $input) { isOwn graceMinutes levels { caseOfficers roles ackTimeoutMinutes } } }";
const GET_POLICY: &str = "query($c: String!) { escalationPolicy(communeCode: $c) { isOwn graceMinutes levels { ackTimeoutMinutes } } }";

fn policy_input(timeout: u32) -> Value {
    json!({ "input": {
        "communeCode": COMMUNE_A,
        "missesToOpen": 2, "consecutiveMissesToOpen": 1, "lookbackDays": 14, "graceMinutes": 30,
        "levels": [
            { "caseOfficers": true, "roles": [], "officerIds": [], "ackTimeoutMinutes": timeout },
            { "caseOfficers": false, "roles": ["COMMUNE_POLICE_CHIEF"], "officerIds": [], "ackTimeoutMinutes": 60 }
        ],
        "urgent": true, "attachMissedAppointments": false, "attachHelpRequests": true
    }})
}

async fn the_policy_is_bounded_and_only_chiefs_and_administrators_set_it(app: TestApp) {
    let w = app.world().await;
    let data = app
        .ok(&w.officer_a_token, GET_POLICY, json!({ "c": COMMUNE_A }))
        .await;
    assert_eq!(data["escalationPolicy"]["isOwn"], false);
    assert_eq!(
        app.error_code(&w.officer_a_token, SET_POLICY, policy_input(30))
            .await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(&app.admin_token, SET_POLICY, policy_input(1))
            .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(app.count("escalation_policies").await, 0);
    let data = app.ok(&app.admin_token, SET_POLICY, policy_input(30)).await;
    assert_eq!(data["setEscalationPolicy"]["isOwn"], true);
    let data = app
        .ok(&w.officer_a_token, GET_POLICY, json!({ "c": COMMUNE_A }))
        .await;
    assert_eq!(data["escalationPolicy"]["graceMinutes"], 30);
    assert_eq!(
        data["escalationPolicy"]["levels"][0]["ackTimeoutMinutes"],
        30
    );
}

const CHANNELS_POLICY: &str = "mutation($input: SetEscalationPolicyInput!) { setEscalationPolicy(input: $input) { levels { channels channelsAtOnce } } }";

/// [`policy_input`] with level 2's channels (and `channelsAtOnce`) given.
fn with_level_two_channels(channels: Value, at_once: bool) -> Value {
    let mut input = policy_input(30);
    input["input"]["levels"][1]["channels"] = channels;
    input["input"]["levels"][1]["channelsAtOnce"] = json!(at_once);
    input
}

async fn each_level_chooses_its_channels_and_bad_lists_are_refused_by_field(app: TestApp) {
    let w = app.world().await;
    // The deployment default, and a level given without channels: Zalo OA, then SMS.
    let data = app
        .ok(
            &w.officer_a_token,
            "query($c: String!) { escalationPolicy(communeCode: $c) { levels { channels channelsAtOnce } } }",
            json!({ "c": COMMUNE_A }),
        )
        .await;
    for level in data["escalationPolicy"]["levels"].as_array().unwrap() {
        assert_eq!(level["channels"], json!(["ZALO_OA", "SMS"]));
        assert_eq!(level["channelsAtOnce"], false);
    }
    for (channels, why) in [
        (json!([]), "at least one channel"),
        (json!(["SMS", "SMS"]), "twice"),
        (json!(["ZALO_ZNS"]), "no ZNS template"),
        (json!(["SMS", "ZALO_OA", "SMS"]), "at most one of each"),
    ] {
        let body = app
            .graphql(
                Some(&app.admin_token),
                CHANNELS_POLICY,
                with_level_two_channels(channels.clone(), false),
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
        assert_eq!(error["extensions"]["field"], "levels.channels", "{body:#}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("levels[1]") && message.contains(why),
            "{message}"
        );
    }
    // An unknown channel never reaches the service: the enum refuses it, naming the field.
    let body = app
        .graphql(
            Some(&app.admin_token),
            CHANNELS_POLICY,
            with_level_two_channels(json!(["FAX"]), false),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(app.count("escalation_policies").await, 0, "nothing written");

    let data = app
        .ok(
            &app.admin_token,
            CHANNELS_POLICY,
            with_level_two_channels(json!(["SMS", "ZALO_OA"]), true),
        )
        .await;
    let levels = &data["setEscalationPolicy"]["levels"];
    assert_eq!(
        levels[0]["channels"],
        json!(["ZALO_OA", "SMS"]),
        "level 1 left to the default"
    );
    assert_eq!(levels[1]["channels"], json!(["SMS", "ZALO_OA"]));
    assert_eq!(levels[1]["channelsAtOnce"], true);
    // Stored with the commune's policy: the sweep reads the same levels.
    let stored = store::escalation::policy::policy_for(
        &app.db,
        &app.planning.escalation_defaults,
        COMMUNE_A,
    )
    .await
    .unwrap();
    use domain::messaging::channel::Channel;
    assert_eq!(stored.levels[1].channels, [Channel::Sms, Channel::ZaloOa]);
    assert!(stored.levels[1].channels_at_once);
}

async fn the_queue_shows_client_owner_and_last_events(app: TestApp) {
    let (w, e) = escalated(&app).await;
    let id = api::graphql::ids::encode("Escalation", e.id);
    let q = "query($f: EscalationFilter, $n: Int) { escalations(filter: $f) { edges { node {
        client { fullName } owner { fullName } events(last: $n) { kind } } } } }";
    let node = |data: Value| data["escalations"]["edges"][0]["node"].clone();
    let open = node(
        app.ok(&w.officer_a_token, q, json!({ "f": { "status": "OPEN" } }))
            .await,
    );
    assert_eq!(open["client"]["fullName"], "Nguyễn Văn An 1");
    assert!(open["owner"].is_null(), "nobody owns it yet");
    let kinds: Vec<&str> = open["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opened", "missed"]);
    app.ok(&w.officer_a_token, ACK, json!({ "id": id })).await;
    let taken = node(
        app.ok(
            &w.officer_a_token,
            q,
            json!({ "f": { "status": "ACKNOWLEDGED" }, "n": 1 }),
        )
        .await,
    );
    assert!(taken["owner"]["fullName"].is_string(), "{taken}");
    assert_eq!(
        taken["events"],
        json!([{ "kind": "acknowledged" }]),
        "the last one only"
    );
    let body = app
        .graphql(Some(&w.officer_a_token), q, json!({ "n": 0 }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "last", "{body}");
}
