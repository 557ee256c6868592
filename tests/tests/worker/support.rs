//! What the worker tests share: a sender wired to fake gateways, messages put in the outbox
//! through the API, and the shapes the fakes answer with (see `shared/gateways.md`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::SystemClock;
use entities::{outbox_attempt, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use store::settings::SenderSettings;
pub use test_support::gateways::{
    DedupingEsms, ESMS_PATH, ZNS_PATH, esms, fake_gateways, zalo_error as zns_error, zns_ok,
};
use tests::{TestApp, world::World};
use uuid::Uuid;
use wiremock::{
    Mock, MockBuilder, MockServer, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};
use worker::{
    gateways::{GatewaySettings, Gateways},
    sender::Sender,
};

/// Client A's phone (0912 000 001) as ZNS wants it.
pub const CLIENT_A_ZNS_PHONE: &str = "84912000001";
/// Client A's phone as eSMS takes it.
pub const CLIENT_A_SMS_PHONE: &str = "0912000001";

const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const CREATE_APPOINTMENT: &str = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";

/// A sender with every provider pointed at `server`.
pub fn sender(app: &TestApp, server: &MockServer) -> Sender {
    sender_with(
        app,
        GatewaySettings::for_tests(&server.uri(), &server.uri()),
        SenderSettings::default(),
    )
}

/// A sender with these gateway and sender settings, on the app's database and clock.
pub fn sender_with(app: &TestApp, gateways: GatewaySettings, settings: SenderSettings) -> Sender {
    // The fake Zalo's seeded token is trusted for an hour of wall time; the tests move the
    // app's clock by hours, which would make it look expired and ask the fake for a refresh.
    let gateways = Gateways::from_settings(&gateways, app.db.clone(), Arc::new(SystemClock))
        .expect("gateways");
    Sender::new(
        app.db.clone(),
        gateways,
        Arc::new(app.clock.clone()),
        app.planning.policy_defaults.clone(),
        settings,
    )
}

/// Runs rounds at the current instant until one claims nothing (a fallback is due at once,
/// so it runs in the next round); returns how many claims were processed.
pub async fn drain(sender: &Sender) -> usize {
    let mut total = 0;
    for _ in 0..10 {
        let n = sender.run_once().await.expect("sender round");
        if n == 0 {
            return total;
        }
        total += n;
    }
    panic!("the outbox did not settle in 10 rounds");
}

/// Attaches a Monday/Thursday 08:00–12:00 check-in plan to client A's order. At the test start
/// (Monday 08:00 in Hà Nội) today's prompt is due at once; returns it.
pub async fn check_in_prompt_due(app: &TestApp, w: &World) -> outbox_message::Model {
    let input = json!({
        "orderId": w.order_a,
        "rule": { "weekly": { "weekdays": ["MON", "THU"] } },
        "opensAt": "08:00",
        "windowMinutes": 240
    });
    app.ok(&w.officer_a_token, CREATE_PLAN, json!({ "input": input }))
        .await;
    let due: Vec<_> = outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("check_in_prompt"))
        .filter(outbox_message::Column::NextAttemptAt.lte(app.clock_now()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "one prompt is due when the plan is made");
    due.into_iter().next().unwrap()
}

/// Books a one-hour appointment for `client` at `starts_at` as `secret`; returns its
/// reminders, earliest first.
pub async fn book(
    app: &TestApp,
    secret: &str,
    client: &str,
    starts_at: DateTime<Utc>,
) -> Vec<outbox_message::Model> {
    let input = json!({
        "clientId": client,
        "kind": "CASE_OFFICER_MEETING",
        "startsAt": starts_at.to_rfc3339(),
        "endsAt": (starts_at + Duration::hours(1)).to_rfc3339(),
        "place": "Trụ sở UBND phường, phòng 2",
    });
    let data = app
        .ok(secret, CREATE_APPOINTMENT, json!({ "input": input }))
        .await;
    let id = data["createAppointment"]["appointment"]["id"]
        .as_str()
        .unwrap();
    let id = api::graphql::ids::decode("Appointment", "id", &id.to_owned().into()).unwrap();
    outbox_message::Entity::find()
        .filter(outbox_message::Column::SourceType.eq("appointment"))
        .filter(outbox_message::Column::SourceId.eq(id))
        .order_by_asc(outbox_message::Column::DueAt)
        .all(&app.db)
        .await
        .unwrap()
}

/// Books an appointment for `client` three hours from now, whose one reminder (two hours
/// before) is due in an hour, and moves the clock to it; returns the reminder.
pub async fn reminder_due(app: &TestApp, secret: &str, client: &str) -> outbox_message::Model {
    let reminders = book(app, secret, client, app.clock_now() + Duration::hours(3)).await;
    assert_eq!(reminders.len(), 1, "only the two-hour reminder is ahead");
    let reminder = reminders.into_iter().next().unwrap();
    app.clock.set(reminder.due_at);
    reminder
}

/// The test world, client A's two-hour appointment reminder (due now) and an empty fake
/// gateway: where most delivery tests start.
pub async fn client_a_reminder_due(app: &TestApp) -> (World, outbox_message::Model, MockServer) {
    let w = app.world().await;
    let reminder = reminder_due(app, &w.officer_a_token, &w.client_a).await;
    (w, reminder, fake_gateways().await)
}

/// Client `id` (a GraphQL id) as its row is now.
pub async fn client_row(app: &TestApp, id: &str) -> entities::client::Model {
    let id = api::graphql::ids::decode("Client", "id", &id.to_owned().into()).unwrap();
    entities::client::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("client row")
}

/// Every ZNS request gets `zns`, and every eSMS request `sms`, whoever they are for.
pub async fn zns_and_sms_answer(fake: &MockServer, zns: ResponseTemplate, sms: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .respond_with(zns)
        .mount(fake)
        .await;
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .respond_with(sms)
        .mount(fake)
        .await;
}

/// The outbox row as it is now.
pub async fn reload(app: &TestApp, id: Uuid) -> outbox_message::Model {
    outbox_message::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("outbox row")
}

/// `(channel, outcome)` of each recorded gateway attempt, oldest first.
pub async fn attempts(app: &TestApp, id: Uuid) -> Vec<(String, String)> {
    outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::MessageId.eq(id))
        .order_by_asc(outbox_attempt::Column::AttemptedAt)
        .order_by_asc(outbox_attempt::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.channel, a.outcome))
        .collect()
}

/// `(channel, outcome)` pairs, for comparing with [`attempts`].
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, o)| ((*c).to_owned(), (*o).to_owned()))
        .collect()
}

/// A ZNS request for message `m` to `phone` (canonical form), our id as `tracking_id`.
pub fn zns_to(phone: &str, m: &outbox_message::Model) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(ZNS_PATH))
        .and(body_partial_json(json!({
            "phone": phone,
            "tracking_id": m.id.simple().to_string(),
        })))
}

/// A ZNS request for message `m` to client A.
pub fn zns_to_client_a(m: &outbox_message::Model) -> MockBuilder {
    zns_to(CLIENT_A_ZNS_PHONE, m)
}

/// An eSMS request for message `m` to `phone`: our id as `RequestId`, ASCII content.
pub fn sms_to(phone: &str, m: &outbox_message::Model) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(ESMS_PATH))
        .and(body_partial_json(json!({
            "Phone": phone,
            "RequestId": m.id.to_string(),
            "IsUnicode": "0",
            "Brandname": "DONGHANH",
        })))
}

/// An eSMS request for message `m` to client A.
pub fn sms_to_client_a(m: &outbox_message::Model) -> MockBuilder {
    sms_to(CLIENT_A_SMS_PHONE, m)
}

/// Client A's ZNS answers `zns` and its SMS `sms`, each expected the given number of times.
pub async fn zns_then_sms(
    fake: &MockServer,
    m: &outbox_message::Model,
    (zns, zns_calls): (ResponseTemplate, u64),
    (sms, sms_calls): (ResponseTemplate, u64),
) {
    zns_to_client_a(m)
        .respond_with(zns)
        .expect(zns_calls)
        .mount(fake)
        .await;
    sms_to_client_a(m)
        .respond_with(sms)
        .expect(sms_calls)
        .mount(fake)
        .await;
}

/// The bodies the fake received on `path_`.
pub async fn bodies(server: &MockServer, path_: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == path_)
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

/// Every SMS the fake received was folded to ASCII (brandname SMS goes out as GSM-7).
pub async fn assert_sms_ascii(server: &MockServer) {
    let sms = bodies(server, ESMS_PATH).await;
    assert!(!sms.is_empty(), "an SMS was sent");
    for body in sms {
        let content = body["Content"].as_str().unwrap();
        assert!(
            !content.is_empty() && content.is_ascii(),
            "not ASCII: {content}"
        );
    }
}
