//! A commune's page of clients over real HTTP: `BENCH_PAGE_CLIENTS` clients (50) in commune A,
//! each with a decided order, a case officer and a check-in plan; the commune officer asks for
//! the page with each client's order, officer and next check-ins, from `BENCH_CONCURRENCY`
//! (16) connections for `BENCH_SECONDS` (10). Reports requests per second, latency
//! percentiles and SQL statements per request. The server runs in this process, so the load
//! generator shares its cores.

use std::time::{Duration as StdDuration, Instant};

use serde_json::json;
use tests::{
    Backend, TestApp, spawn_app_with,
    world::{COMMUNE_A, client_input},
};

use crate::knob;

const PAGE: &str =
    "{ clients(first: 50, filter: { communeCode: \"00004\" }) { totalCount edges { node {
    fullName status commune { name }
    orders { status assignments { officer { fullName } } }
    upcomingCheckIns(first: 2) { dueOn opensAt } } } } }";

/// Runs the scenario and prints its result.
pub async fn run(backend: Backend) {
    let clients: u32 = knob("BENCH_PAGE_CLIENTS", 50);
    let concurrency: usize = knob("BENCH_CONCURRENCY", 16).max(1);
    let seconds: u64 = knob("BENCH_SECONDS", 10);
    let app = spawn_app_with(backend, |s| {
        // The production default, not the tests' longer one.
        s.limits.loader_delay = StdDuration::from_millis(2);
    })
    .await
    .expect("BENCH_BACKEND=postgres needs TEST_DATABASE_URL");
    let w = app.world().await;
    seed(&app, &w.officer_a, clients).await;
    let statements = app
        .statements_for(&w.officer_a_token, PAGE, json!({}))
        .await;

    let deadline = Instant::now() + StdDuration::from_secs(seconds);
    let url = format!("{}/graphql", app.address);
    let body = json!({ "query": PAGE });
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, url, body, token) = (
                app.http.clone(),
                url.clone(),
                body.clone(),
                w.officer_a_token.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let res = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert!(res.status().is_success());
                    let _ = res.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<StdDuration> = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "| clients page | {backend:?} | {clients} clients, {concurrency} connections, {seconds} s | {:.0} req/s, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms | {statements} SQL statements per request |",
        latencies.len() as f64 / seconds as f64,
        pct(0.50),
        pct(0.95),
        pct(0.99),
    );
}

async fn seed(app: &TestApp, officer: &str, clients: u32) {
    let plan = "mutation($input: CreateCheckInPlanInput!) { createCheckInPlan(input: $input) { plan { id } } }";
    let assign = "mutation($input: AssignToOrderInput!) { assignToOrder(input: $input) { assignment { id } } }";
    for n in 0..clients {
        let client = app
            .create_client(&app.admin_token, client_input(COMMUNE_A, 1000 + n))
            .await;
        let order = app.create_order(&app.admin_token, &client).await;
        let input = json!({ "orderId": order, "officerId": officer, "role": "CASE_OFFICER" });
        app.ok(&app.admin_token, assign, json!({ "input": input }))
            .await;
        let input = json!({ "orderId": order, "rule": { "weekly": { "weekdays": ["MON", "THU"] } }, "opensAt": "08:00", "windowMinutes": 240 });
        app.ok(&app.admin_token, plan, json!({ "input": input }))
            .await;
    }
}
