//! The `api` binary: `api migrate`, the release step that brings the schema up to date
//! (including the apalis delivery queue's, so worker processes never need the rights those
//! migrations ask for), and an embedded worker that cannot start stopping the process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

fn migrate(database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("migrate")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("api runs")
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("delivery queue are up to date"));
}

#[test]
fn migrate_prepares_the_sqlite_database_and_its_queue_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("donghanh.db");
    let output = migrate(&format!("sqlite://{}", db.display()));
    assert_success(&output);
    assert!(db.exists());
    assert!(dir.path().join("donghanh.queue.db").exists());
    // Twice is harmless.
    assert_success(&migrate(&format!("sqlite://{}", db.display())));
}

#[tokio::test]
async fn migrate_prepares_postgres_and_the_apalis_schema() {
    let Some(database) = test_support::databases::ScratchDatabase::create("dh_cli")
        .await
        .unwrap()
    else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run");
        return;
    };
    assert_success(&migrate(&database.url));
    assert_success(&migrate(&database.url));
    let db = store::db::connect(&database.url, 1).await.unwrap();
    let tables = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables \
             WHERE table_name IN ('outbox_messages', 'jobs') ORDER BY 1",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "t").unwrap())
        .collect::<Vec<_>>();
    db.close().await.unwrap();
    database.drop().await;
    assert_eq!(tables, ["apalis.jobs", "public.outbox_messages"]);
}

#[test]
fn an_in_process_worker_that_cannot_start_stops_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "production")
        .env("RUN_WORKER", "true")
        .env("RUN_MIGRATIONS", "true")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("x.db").display()),
        )
        .env("BIND_ADDR", "127.0.0.1:0")
        .output()
        .expect("api runs");
    assert_eq!(
        output.status.code(),
        Some(2),
        "the process exits, not serves"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("worker: no SMS or Zalo provider"),
        "{stderr}"
    );
}

#[test]
fn production_without_a_database_url_is_refused_with_the_workers_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "production")
        .output()
        .expect("api runs");
    assert_eq!(output.status.code(), Some(2));
    // The same line as the worker binary's (worker/tests/binary.rs).
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: environment variable DATABASE_URL: required when APP_ENV=production\n"
    );
}
