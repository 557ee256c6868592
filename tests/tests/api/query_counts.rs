//! A page costs a fixed number of SQL statements whatever its size: every relation loads
//! through a DataLoader, one query per relation and page.

use serde_json::json;
use tests::{
    TestApp,
    world::{COMMUNE_A, client_input},
};

// Batching is timed (a DataLoader gathers keys for `loader_delay`), so these tests give it a
// delay no loaded CI machine can outrun; the number of statements is then exact.
mod a_page_costs_the_same_statements_for_5_and_25_clients {
    use tests::{Backend, spawn_app_with};

    fn patient(settings: &mut api::settings::Settings) {
        settings.limits.loader_delay = std::time::Duration::from_millis(300);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_app_with(Backend::Sqlite, patient)
            .await
            .expect("sqlite app");
        super::a_page_costs_the_same_statements_for_5_and_25_clients(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        match spawn_app_with(Backend::Postgres, patient).await {
            Some(app) => super::a_page_costs_the_same_statements_for_5_and_25_clients(app).await,
            None => eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run"),
        }
    }
}

const CLIENTS_PAGE: &str = "{ clients(first: 50) { totalCount edges { node {
    fullName commune { name province { name } }
    orders { status assignments { officer { fullName } } checkInPlans { opensAt } pauses { reason } }
    upcomingCheckIns { dueOn checkIn { method } }
    transfers { reason } } } } }";

const APPOINTMENTS_PAGE: &str = "{ appointments(first: 100) { totalCount edges { node {
    startsAt status client { fullName } officer { fullName } order { decisionNumber } } } } }";

const MESSAGES_PAGE: &str = "{ messages(first: 100) { totalCount edges { node {
    template status dueAt attempts { outcome } } } } }";

const OCCURRENCES_PAGE: &str = "{ checkInOccurrences(first: 100) { totalCount edges { node {
    dueOn status checkIn { method } client { fullName commune { name } } } } } }";

async fn add_clients(app: &TestApp, officer: &str, from: u32, to: u32) {
    let plan = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
    let assign = "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";
    let appointment = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";
    for n in from..to {
        let client = app
            .create_client(&app.admin_token, client_input(COMMUNE_A, 100 + n))
            .await;
        let order = app.create_order(&app.admin_token, &client).await;
        app.ok(
            &app.admin_token,
            assign,
            json!({ "input": { "orderId": order, "officerId": officer, "role": "CASE_OFFICER" } }),
        )
        .await;
        let input = json!({ "orderId": order, "rule": { "everyNDays": 2 }, "opensAt": "08:00", "windowMinutes": 240 });
        app.ok(&app.admin_token, plan, json!({ "input": input }))
            .await;
        let starts = app.clock_now() + chrono::Duration::days(2);
        let input = json!({
            "clientId": client, "orderId": order, "officerId": officer, "kind": "COUNSELLING_SESSION",
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + chrono::Duration::hours(1)).to_rfc3339(),
            "place": "Trụ sở UBND xã"
        });
        app.ok(&app.admin_token, appointment, json!({ "input": input }))
            .await;
    }
}

async fn a_page_costs_the_same_statements_for_5_and_25_clients(app: TestApp) {
    let w = app.world().await;
    add_clients(&app, &w.officer_a, 0, 3).await;
    let small_clients = app
        .statements_for(&app.admin_token, CLIENTS_PAGE, json!({}))
        .await;
    let small_occurrences = app
        .statements_for(&app.admin_token, OCCURRENCES_PAGE, json!({}))
        .await;
    let small_appointments = app
        .statements_for(&app.admin_token, APPOINTMENTS_PAGE, json!({}))
        .await;
    let small_messages = app
        .statements_for(&app.admin_token, MESSAGES_PAGE, json!({}))
        .await;
    add_clients(&app, &w.officer_a, 3, 23).await;
    let data = app
        .ok(&app.admin_token, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(data["clients"]["totalCount"], 25);
    let large_clients = app
        .statements_for(&app.admin_token, CLIENTS_PAGE, json!({}))
        .await;
    let large_occurrences = app
        .statements_for(&app.admin_token, OCCURRENCES_PAGE, json!({}))
        .await;
    assert_eq!(
        small_clients, large_clients,
        "clients page: {small_clients} statements for 5 clients, {large_clients} for 25"
    );
    assert_eq!(small_occurrences, large_occurrences, "occurrences page");
    let large_appointments = app
        .statements_for(&app.admin_token, APPOINTMENTS_PAGE, json!({}))
        .await;
    let large_messages = app
        .statements_for(&app.admin_token, MESSAGES_PAGE, json!({}))
        .await;
    assert_eq!(small_appointments, large_appointments, "appointments page");
    assert_eq!(small_messages, large_messages, "messages page");
    assert!(
        large_clients <= 16,
        "a bounded handful of statements: {large_clients}"
    );
}
