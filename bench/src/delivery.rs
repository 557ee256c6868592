//! Delivery throughput: `BENCH_MESSAGES` due reminders (default 20 000) for `BENCH_CLIENTS`
//! SMS clients (1 000) are delivered by `BENCH_WORKERS` whole workers (1; planner, dispatcher,
//! apalis delivery workers) to a loopback fake eSMS that answers at once. Measures the time
//! from start until every row is `sent`, and checks the fake saw each message exactly once.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration as StdDuration, Instant},
};

use axum::{Json, Router, extract::State, routing::post};
use chrono::{TimeZone, Utc};
use domain::ManualClock;
use entities::outbox_message;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use store::settings::{GatewaySettings, SenderSettings};
use tests::{Backend, TestDatabase};
use tokio_util::sync::CancellationToken;

use crate::knob;

const ESMS_PATH: &str = "/MainService.svc/json/SendMultipleMessage_V4_post_json/";

type Seen = Arc<Mutex<HashMap<String, u32>>>;

async fn fake_esms(State(seen): State<Seen>, Json(body): Json<Value>) -> Json<Value> {
    let id = body["RequestId"].as_str().unwrap_or_default().to_owned();
    *seen.lock().unwrap().entry(id.clone()).or_default() += 1;
    Json(json!({ "CodeResult": "100", "SMSID": format!("sms-{id}") }))
}

/// Runs the scenario and prints its result.
pub async fn run(backend: Backend) {
    let messages: usize = knob("BENCH_MESSAGES", 20_000);
    let clients: usize = knob("BENCH_CLIENTS", 1_000).max(1);
    let workers: usize = knob("BENCH_WORKERS", 1).max(1);
    let settings = SenderSettings {
        batch: knob("BENCH_BATCH", 100),
        concurrency: knob("BENCH_CONCURRENCY", 8),
        ..SenderSettings::default()
    };
    let database = TestDatabase::create(backend)
        .await
        .expect("BENCH_BACKEND=postgres needs TEST_DATABASE_URL");
    let db = store::db::connect(&database.url, 20).await.unwrap();
    store::db::migrate(&db).await.unwrap();
    // Tuesday 10:00 in Hà Nội: no quiet hours.
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
    let seeding = Instant::now();
    seed(&db, clients, messages, now).await;
    println!(
        "seeded {clients} clients and {messages} due messages on {backend:?} in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route(ESMS_PATH, post(fake_esms))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut worker_settings = store::WorkerSettings::for_tests();
    worker_settings.gateways = GatewaySettings::for_tests(&fake, &fake);
    worker_settings.tick = StdDuration::from_millis(100);
    worker_settings.sender = settings.clone();
    let clock = Arc::new(ManualClock::new(now));
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    // BENCH_DIRECT=1: the sender claims and delivers in its own task, without the apalis
    // queue, to show what the queue costs.
    let direct = knob("BENCH_DIRECT", 0) == 1;
    let running: Vec<_> = (0..workers)
        .map(|_| {
            if direct {
                let sender = worker::sender::Sender::new(
                    db.clone(),
                    worker::gateways::Gateways::from_settings(
                        &worker_settings.gateways,
                        db.clone(),
                    )
                    .unwrap(),
                    clock.clone(),
                    worker_settings.policy.clone(),
                    settings.clone(),
                );
                tokio::spawn(async move {
                    while sender.run_once().await.unwrap() > 0 {}
                    Ok(())
                })
            } else {
                tokio::spawn(worker::run(
                    db.clone(),
                    clock.clone(),
                    worker_settings.clone(),
                    shutdown.clone(),
                ))
            }
        })
        .collect();
    let mut sent = 0;
    while started.elapsed() < StdDuration::from_secs(1800) {
        sent = sent_count(&db).await;
        if sent >= messages as u64 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    shutdown.cancel();
    for w in running {
        let _ = w.await;
    }
    let seen = seen.lock().unwrap();
    let repeated = seen.values().filter(|n| **n > 1).count();
    println!(
        "| delivery{} | {backend:?} | {messages} messages, {workers} worker(s), batch {}, concurrency {} | {sent} sent in {elapsed:.1} s = {:.0} msg/s | gateway saw {} ids, {repeated} more than once |",
        if direct { " (direct, no queue)" } else { "" },
        settings.batch,
        settings.concurrency,
        sent as f64 / elapsed,
        seen.len(),
    );
}

async fn sent_count(db: &DatabaseConnection) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq("sent"))
        .count(db)
        .await
        .unwrap()
}

/// One commune, `clients` SMS clients, `messages` reminders due a minute ago.
async fn seed(
    db: &DatabaseConnection,
    clients: usize,
    messages: usize,
    now: chrono::DateTime<Utc>,
) {
    let txn = store::db::begin_write(db).await.unwrap();
    let ids = test_support::fixtures::sms_clients(&txn, clients, now)
        .await
        .unwrap();
    test_support::fixtures::due_reminders(&txn, &ids, messages, "bench", now)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}
