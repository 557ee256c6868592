//! Concurrent writers on one database: a partner app and an officer registering clients,
//! orders, check-in plans and appointments at once, while the worker plans and claims. On the
//! embedded SQLite default every write transaction must wait for the single writer (never
//! answer "database is locked"); on PostgreSQL the same load must pass as well.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::Duration;
use serde_json::{Value, json};
use tests::{
    Backend, TestApp, db_tests, spawn_app,
    world::{COMMUNE_A, client_input, order_input},
};
use tokio::task::JoinSet;
use uuid::Uuid;

db_tests!(concurrent_partner_and_officer_writes_all_succeed);

/// SQLite only: PostgreSQL has no database-wide write lock to hold, and row locks wait without
/// a bound unless `lock_timeout` is set (the mapping of its lock errors is the same code path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_cannot_get_the_lock_in_time_is_unavailable_and_writes_nothing() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let clients_before = app.count("clients").await;
    // Another process (a stuck writer, a long import) holds SQLite's write lock.
    let holder = store::db::connect(&app.database_url(), 1)
        .await
        .expect("second connection");
    let stuck = store::db::begin_write(&holder)
        .await
        .expect("take the write lock");
    let started = std::time::Instant::now();
    let body = app
        .graphql(
            Some(&app.admin_token),
            CREATE_CLIENT,
            json!({ "input": client_input(COMMUNE_A, 7) }),
        )
        .await;
    let waited = started.elapsed();
    stuck.rollback().await.expect("release the lock");
    assert_eq!(
        tests::first_error_code(&body).as_deref(),
        Some("SERVICE_UNAVAILABLE"),
        "{body:#}"
    );
    assert!(
        waited >= store::db::BUSY_TIMEOUT,
        "the request waited for the lock first ({waited:?})"
    );
    assert_eq!(
        app.count("clients").await,
        clients_before,
        "nothing written"
    );
    // Once the lock is free, the same request succeeds.
    app.create_client(&app.admin_token, client_input(COMMUNE_A, 7))
        .await;
    assert_eq!(app.count("clients").await, clients_before + 1);
}

const CREATE_CLIENT: &str =
    "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } } }";
const CREATE_ORDER: &str = "mutation($input: CreateSupervisionOrderInput!) { createSupervisionOrder(input: $input) { order { id } } }";
const CREATE_PLAN: &str = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
const CREATE_APPOINTMENT: &str = "mutation($input: CreateAppointmentInput!) { createAppointment(input: $input) { appointment { id } } }";

/// How many clients are registered at once, each by its own chain of requests.
const CLIENTS: u32 = 12;

/// Runs one request; on any GraphQL error returns a line naming the step and the codes.
async fn step(
    app: &TestApp,
    secret: &str,
    what: &str,
    query: &str,
    input: Value,
) -> Result<Value, String> {
    let body = app
        .graphql(Some(secret), query, json!({ "input": input }))
        .await;
    match body.get("errors") {
        None => Ok(body["data"].clone()),
        Some(errors) => Err(format!("{what}: {errors}")),
    }
}

/// One client's chain, as a partner app or an officer sends it: register the client, decide
/// the order, plan weekly check-ins, book a meeting.
async fn register_and_schedule(app: Arc<TestApp>, secret: String, n: u32) -> Result<(), String> {
    let data = step(
        &app,
        &secret,
        "createClient",
        CREATE_CLIENT,
        client_input(COMMUNE_A, n),
    )
    .await?;
    let client = data["createClient"]["client"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let data = step(
        &app,
        &secret,
        "createSupervisionOrder",
        CREATE_ORDER,
        order_input(&client),
    )
    .await?;
    let order = data["createSupervisionOrder"]["order"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let plan = json!({
        "orderId": order,
        "rule": { "weekly": { "weekdays": ["MON", "THU"] } },
        "opensAt": "08:00",
        "windowMinutes": 240
    });
    step(&app, &secret, "createCheckInPlan", CREATE_PLAN, plan).await?;
    let starts = app.clock_now() + Duration::days(2) + Duration::minutes(i64::from(n));
    let appointment = json!({
        "clientId": client,
        "orderId": order,
        "kind": "CASE_OFFICER_MEETING",
        "startsAt": starts.to_rfc3339(),
        "endsAt": (starts + Duration::hours(1)).to_rfc3339(),
        "place": "Trụ sở UBND phường, phòng 2",
    });
    step(
        &app,
        &secret,
        "createAppointment",
        CREATE_APPOINTMENT,
        appointment,
    )
    .await?;
    Ok(())
}

/// The worker's own writes on the same database while the requests run: planner ticks (plan
/// extension, missed check-ins, overdue appointments) and dispatcher claims.
async fn worker_writes(
    app: Arc<TestApp>,
    stop: tokio_util::sync::CancellationToken,
) -> Result<usize, String> {
    let mut rounds = 0;
    while !stop.is_cancelled() {
        let now = app.clock_now();
        worker::planner::tick(&app.db, &app.planning, now)
            .await
            .map_err(|e| format!("planner tick: {e}"))?;
        let claim = store::outbox::Claim {
            token: Uuid::now_v7(),
            worker: Uuid::now_v7(),
            now,
            lease_until: now + Duration::minutes(2),
            stale_before: now - Duration::seconds(15),
            limit: 20,
        };
        store::outbox::claim(&app.db, claim)
            .await
            .map_err(|e| format!("dispatcher claim: {e}"))?;
        rounds += 1;
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    Ok(rounds)
}

async fn concurrent_partner_and_officer_writes_all_succeed(app: TestApp) {
    let w = app.world().await;
    let orders_before = app.count("supervision_orders").await;
    let plans_before = app.count("check_in_plans").await;
    let appointments_before = app.count("appointments").await;
    let app = Arc::new(app);

    let stop = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(worker_writes(app.clone(), stop.clone()));
    let mut chains = JoinSet::new();
    for n in 0..CLIENTS {
        // Half the chains come from the partner app, half from the case officer.
        let secret = if n % 2 == 0 {
            &w.key_a
        } else {
            &w.officer_a_token
        };
        chains.spawn(register_and_schedule(
            app.clone(),
            secret.clone(),
            1_000 + n,
        ));
    }
    let mut failures = Vec::new();
    while let Some(result) = chains.join_next().await {
        if let Err(e) = result.expect("chain task") {
            failures.push(e);
        }
    }
    stop.cancel();
    let worker = worker.await.expect("worker task");

    assert!(
        failures.is_empty(),
        "{} of {CLIENTS} chains failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(worker.is_ok(), "the worker's writes failed: {worker:?}");
    let clients = i64::from(CLIENTS);
    assert_eq!(
        app.count("supervision_orders").await,
        orders_before + clients
    );
    assert_eq!(app.count("check_in_plans").await, plans_before + clients);
    assert_eq!(
        app.count("appointments").await,
        appointments_before + clients
    );
}
