//! Crash safety: a real `worker` process is SIGKILLed at random moments while messages are in
//! flight, then restarted, over many rounds. In the end every due message was handed to the
//! fake SMS gateway, and the gateway accepted each message id exactly once (a repeat after a
//! crash carries the same `RequestId`, which eSMS answers with code 124 and does not send).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use chrono::Utc;
use entities::outbox_message;
use rand::Rng;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use test_support::gateways::DedupingEsms;
use wiremock::{Mock, MockServer, matchers::method};

const MESSAGES: usize = 150;

/// The fake eSMS: a little latency widens the window in which a kill lands mid-send.
fn fake_esms() -> DedupingEsms {
    DedupingEsms {
        delay: Duration::from_millis(40),
        ..DedupingEsms::default()
    }
}

async fn seed(db: &DatabaseConnection) {
    let now = Utc::now();
    let clients = test_support::fixtures::sms_clients(db, 1, now)
        .await
        .unwrap();
    test_support::fixtures::due_reminders(db, &clients, MESSAGES, "crash-test", now)
        .await
        .unwrap();
}

fn spawn_worker(database_url: &str, esms: &str) -> Child {
    worker_command(database_url, esms)
        .spawn()
        .expect("worker binary starts")
}

fn worker_command(database_url: &str, esms: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_worker"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("ESMS_BASE_URL", esms)
        .env("ESMS_API_KEY", "key")
        .env("ESMS_SECRET_KEY", "secret")
        .env("ESMS_BRANDNAME", "DONGHANH")
        .env("WORKER_TICK_SECONDS", "1")
        .env("SENDER_LEASE_SECONDS", "1")
        .env("SENDER_BATCH", "7")
        .env("SENDER_CONCURRENCY", "3")
        // No quiet hours: the test must not depend on the hour it runs at.
        .env("QUIET_HOURS_START", "00:00")
        .env("QUIET_HOURS_END", "00:00")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(
            std::env::var("CRASH_TEST_LOG")
                .ok()
                .and_then(|p| {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .ok()
                })
                .map_or_else(Stdio::null, Stdio::from),
        );
    command
}

async fn unsent(db: &DatabaseConnection) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.ne("sent"))
        .count(db)
        .await
        .unwrap()
}

async fn run_rounds(database_url: &str) {
    let db = store::db::connect(database_url, 2).await.unwrap();
    store::db::migrate(&db).await.unwrap();
    seed(&db).await;
    let server = MockServer::start().await;
    let fake = fake_esms();
    Mock::given(method("POST"))
        .respond_with(fake.clone())
        .mount(&server)
        .await;

    let mut rng = rand::thread_rng();
    let mut kills = 0;
    for _round in 0..25 {
        if unsent(&db).await == 0 {
            break;
        }
        let mut child = spawn_worker(database_url, &server.uri());
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..900))).await;
        child.kill().expect("SIGKILL the worker");
        child.wait().unwrap();
        kills += 1;
    }
    // A last worker runs to completion (leases of killed workers expire after a second).
    let mut child = spawn_worker(database_url, &server.uri());
    let deadline = Instant::now() + Duration::from_secs(60);
    while unsent(&db).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().ok();
    child.wait().ok();

    let left: Vec<_> = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.ne("sent"))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.status, m.attempts, m.last_outcome, m.last_reason))
        .collect();
    assert!(
        left.is_empty(),
        "every due message ended as sent; left: {left:?}"
    );
    let ids: Vec<String> = outbox_message::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id.to_string())
        .collect();
    let seen = fake.requests.lock().unwrap().clone();
    assert_eq!(seen.len(), MESSAGES, "the gateway saw every message");
    for id in &ids {
        assert!(seen.contains_key(id), "message {id} reached the gateway");
    }
    let accepted_once = seen.values().filter(|&&n| n >= 1).count();
    assert_eq!(
        accepted_once, MESSAGES,
        "each RequestId accepted once; repeats were refused as duplicates"
    );
    assert!(kills >= 1);
    eprintln!(
        "{kills} kills, {} requests for {MESSAGES} messages",
        seen.values().sum::<u32>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_and_send_nothing_twice_on_sqlite() {
    let sqlite = test_support::databases::ScratchSqlite::create();
    let url = sqlite.url.clone();
    run_rounds(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_and_send_nothing_twice_on_postgres() {
    let Some(database) = test_support::databases::ScratchDatabase::create("dh_crash")
        .await
        .unwrap()
    else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    run_rounds(&database.url).await;
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standalone_worker_serves_its_counters_for_prometheus() {
    let sqlite = test_support::databases::ScratchSqlite::create();
    let url = sqlite.url.clone();
    let db = store::db::connect(&url, 2).await.unwrap();
    store::db::migrate(&db).await.unwrap();
    seed(&db).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(fake_esms())
        .mount(&server)
        .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = worker_command(&url, &server.uri())
        .env("METRICS_BIND", format!("127.0.0.1:{port}"))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while unsent(&db).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    child.kill().ok();
    child.wait().ok();
    let line = text
        .lines()
        .find(|l| l.starts_with("donghanh_messages_total{") && l.contains("outcome=\"accepted\""))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(&format!(" {MESSAGES}")), "{line}");
    assert!(text.contains("donghanh_outbox_due 0"), "{text}");
}
