//! Smoke run of every scenario at tiny scale (the embedded demo data: one officer, two
//! clients), on SQLite and, when `TEST_DATABASE_URL` names a server, on PostgreSQL, so the
//! harness never rots. No timing assertions: only that each scenario runs through the real
//! path and that what it checks (no failed request, each message delivered once) holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, sync::Arc};

use api::{settings::Settings, startup::Application};
use bench::{harness::options::Options, scenarios};
use domain::SystemClock;

/// Migrates `url` and loads the demo data through the API's own start-up.
async fn demo_database(url: &str) {
    let mut settings = Settings::for_tests(url.to_owned());
    settings.seed_demo_data = true;
    settings.seed_demo_clients = true;
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .expect("demo database");
    app.db().close().await.ok();
}

/// `target/<profile>/<name>` next to this test binary, when it was built.
fn sibling_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join(name);
    path.exists().then_some(path)
}

/// The `api` and `worker` binaries beside this test binary. `cargo nextest run --workspace`
/// (the README's test command) builds them fresh in the same run, since their packages have
/// integration tests; run alone (`-p bench`), build them first (`cargo build -p api -p worker`).
/// Calling cargo from a test would rebuild them with another feature set under CI's feet.
fn fresh_binaries() -> Option<(PathBuf, PathBuf)> {
    Some((sibling_binary("api")?, sibling_binary("worker")?))
}

async fn run(name: &str, url: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("database-url", url),
        ("in-process", "true"),
        ("seconds", "0.3"),
        ("connections", "2"),
        ("rate", "5"),
        ("messages", "20"),
        ("gateway-ms", "1"),
        ("timeout", "40"),
    ];
    pairs.extend_from_slice(extra);
    let report = scenarios::run(name, &Options::from_pairs(&pairs))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let markdown = report.markdown();
    assert!(markdown.contains("| --- |"), "{name}: {markdown}");
    assert!(
        !markdown.contains("errors"),
        "{name} had failed requests: {markdown}"
    );
    markdown
}

async fn every_scenario(url: &str) {
    demo_database(url).await;
    for name in [
        "commune-page",
        "client-record",
        "agenda",
        "escalation-queue",
        "write-mix",
    ] {
        let markdown = run(name, url, &[]).await;
        assert!(markdown.contains("SQL statements per request") || name == "write-mix");
    }
    let burst = run("monday-burst", url, &[]).await;
    assert!(
        burst.contains("20 rows `sent`, gateway saw 20 ids, 0 more than once"),
        "{burst}"
    );
    let sweeps = run("sweeps", url, &[]).await;
    assert!(sweeps.contains("planner sweep"), "{sweeps}");
    // The binary scenarios run `target/<profile>/api` and `worker` as child processes.
    match fresh_binaries() {
        Some((api, worker)) => {
            let (api, worker) = (api.display().to_string(), worker.display().to_string());
            let bins = [("api-bin", api.as_str()), ("worker-bin", worker.as_str())];
            let rss = run(
                "rss",
                url,
                &[&bins[..], &[("in-process", "false")]].concat(),
            )
            .await;
            assert!(rss.contains("20 accepted"), "{rss}");
            let cold = run("cold-start", url, &[bins[0], ("runs", "1")]).await;
            assert!(cold.contains("median"), "{cold}");
        }
        _ => {
            eprintln!("api/worker binaries not built next to this test: rss and cold-start skipped")
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    every_scenario(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_on_postgres() {
    let Some(database) = test_support::databases::ScratchDatabase::create("dh_bench")
        .await
        .expect("PostgreSQL test server")
    else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL smoke skipped");
        return;
    };
    every_scenario(&database.url).await;
    database.drop().await;
}
