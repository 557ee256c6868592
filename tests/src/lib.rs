//! Test harness: `spawn_app` starts the real server on a random port with a database of its
//! own (a SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` or
//! `DATABASE_URL` names a PostgreSQL server), and a manual clock the test moves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod webhooks;
pub mod world;

use std::{sync::Arc, time::Duration};

use api::{settings::Settings, startup::Application};
use chrono::{DateTime, TimeZone, Utc};
use domain::ManualClock;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use test_support::databases::{ScratchDatabase, ScratchSqlite};
use tokio_util::sync::CancellationToken;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `TEST_DATABASE_URL` / `DATABASE_URL`.
    Postgres,
}

/// The PostgreSQL server URL for tests, if any.
pub fn postgres_url() -> Option<String> {
    test_support::databases::postgres_server_url()
}

/// A database created for one test and dropped after it.
pub struct TestDatabase {
    /// URL to connect to.
    pub url: String,
    _sqlite: Option<ScratchSqlite>,
    postgres: Option<ScratchDatabase>,
}

impl TestDatabase {
    /// Creates an empty database on `backend`; `None` when PostgreSQL is not configured.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let sqlite = ScratchSqlite::create();
                Some(Self {
                    url: sqlite.url.clone(),
                    _sqlite: Some(sqlite),
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let database = ScratchDatabase::create("dh_test")
                    .await
                    .expect("create a database on the PostgreSQL test server")?;
                Some(Self {
                    url: database.url.clone(),
                    _sqlite: None,
                    postgres: Some(database),
                })
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(database) = self.postgres.take() {
            // Drop from a separate thread: Drop cannot await, and the test runtime may be gone.
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(database.drop());
            })
            .join();
        }
    }
}

/// A running application.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// HTTP client.
    pub http: reqwest::Client,
    /// Direct database access for assertions.
    pub db: DatabaseConnection,
    /// The clock the app reads; move it instead of sleeping.
    pub clock: ManualClock,
    /// Which backend.
    pub backend: Backend,
    /// A national administrator's token.
    pub admin_token: String,
    /// SQL statements the application has run so far (its own connection only).
    pub statements: Arc<std::sync::atomic::AtomicUsize>,
    /// The planning context the app uses (same link key), for driving the planner in tests.
    pub planning: store::occurrences::PlanningContext,
    shutdown: CancellationToken,
    database: TestDatabase,
}

/// The instant tests start at: Monday 30 November 2026, 08:00 in Hà Nội.
pub fn test_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap()
}

/// Starts the app on `backend`; `None` when that backend is not configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the app with adjusted settings.
pub async fn spawn_app_with(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let database = TestDatabase::create(backend).await?;
    let mut settings = Settings::for_tests(database.url.clone());
    settings.seed_demo_data = true;
    adjust(&mut settings);
    let clock = ManualClock::new(test_start());
    let statements = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = statements.clone();
    let on_statement: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let app = Application::build_observed(
        settings.clone(),
        Arc::new(clock.clone()),
        Some(on_statement),
    )
    .await
    .expect("application starts");
    let planning = api::startup::planning_context(&app.db(), &settings, &clock)
        .await
        .expect("planning context");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db();
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    tokio::spawn(async move { app.run_until_stopped(token).await });
    let (_, admin_token, _) = api::auth::credentials::bootstrap_administrator(
        &db,
        "Test admin",
        None,
        clock_now(&clock),
        chrono::Duration::days(30),
    )
    .await
    .map_err(|e| e.message())
    .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    Some(TestApp {
        address,
        http,
        db,
        clock,
        backend,
        admin_token,
        statements,
        planning,
        shutdown,
        database,
    })
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    use domain::Clock;
    clock.now()
}

/// A second API process on a [`TestApp`]'s database (see [`TestApp::replica`]).
pub struct Replica {
    address: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
}

impl Replica {
    /// POSTs a GraphQL request with an optional bearer secret; returns the JSON body.
    pub async fn graphql(&self, secret: Option<&str>, query: &str, variables: Value) -> Value {
        post_graphql(&self.http, &self.address, secret, query, variables)
            .await
            .1
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn post_graphql(
    http: &reqwest::Client,
    address: &str,
    secret: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let mut req = http
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(s) = secret {
        req = req.bearer_auth(s);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    let body = res.json::<Value>().await.expect("JSON body");
    (status, body)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl TestApp {
    /// The URL of this test's own database.
    pub fn database_url(&self) -> String {
        self.database.url.clone()
    }

    /// The app's current instant.
    pub fn clock_now(&self) -> DateTime<Utc> {
        clock_now(&self.clock)
    }

    /// How many SQL statements the application runs to answer one request.
    pub async fn statements_for(&self, secret: &str, query: &str, variables: Value) -> usize {
        use std::sync::atomic::Ordering;
        let before = self.statements.load(Ordering::SeqCst);
        self.ok(secret, query, variables).await;
        self.statements.load(Ordering::SeqCst) - before
    }

    /// Runs one planner tick at the app's current instant.
    pub async fn tick(&self) -> worker::planner::TickReport {
        worker::planner::tick(&self.db, &self.planning, self.clock_now())
            .await
            .expect("planner tick")
    }

    /// POSTs a GraphQL request with an optional bearer secret; returns status and JSON body.
    pub async fn graphql_status(
        &self,
        secret: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        post_graphql(&self.http, &self.address, secret, query, variables).await
    }

    /// Starts a second API process on this app's database and clock, as a replica would run,
    /// with `adjust`ed settings (to compare two configurations on the same data).
    pub async fn replica(&self, adjust: impl FnOnce(&mut Settings)) -> Replica {
        let mut settings = Settings::for_tests(self.database.url.clone());
        adjust(&mut settings);
        let app = Application::build_observed(settings, Arc::new(self.clock.clone()), None)
            .await
            .expect("replica starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        tokio::spawn(async move { app.run_until_stopped(token).await });
        Replica {
            address,
            http: self.http.clone(),
            shutdown,
        }
    }

    /// POSTs a GraphQL request and returns the JSON body.
    pub async fn graphql(&self, secret: Option<&str>, query: &str, variables: Value) -> Value {
        self.graphql_status(secret, query, variables).await.1
    }

    /// Runs a request that must succeed; returns `data`.
    pub async fn ok(&self, secret: &str, query: &str, variables: Value) -> Value {
        let body = self.graphql(Some(secret), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs a request that must fail; returns the first error's `extensions.code`.
    pub async fn error_code(&self, secret: &str, query: &str, variables: Value) -> String {
        let body = self.graphql(Some(secret), query, variables).await;
        first_error_code(&body).unwrap_or_else(|| panic!("expected an error, got {body:#}"))
    }

    /// Counts rows of a table (for "nothing was written" checks).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

/// The `extensions.code` of the first error of a response.
pub fn first_error_code(body: &Value) -> Option<String> {
    body.get("errors")?
        .get(0)?
        .get("extensions")?
        .get("code")?
        .as_str()
        .map(str::to_owned)
}

/// Generates, for each `async fn name(app: TestApp)`, a SQLite test and a PostgreSQL test
/// (the latter passes without running when no PostgreSQL server is configured).
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::spawn_app($crate::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match $crate::spawn_app($crate::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run"),
                    }
                }
            }
        )*
    };
}

/// Like [`db_tests!`], for tests that need adjusted settings: `db_tests_with!(adjust => name, …)`
/// where `adjust` is a `fn(&mut api::settings::Settings)` beside the tests.
#[macro_export]
macro_rules! db_tests_with {
    ($adjust:ident => $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::spawn_app_with($crate::Backend::Sqlite, super::$adjust)
                        .await
                        .expect("sqlite app");
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match $crate::spawn_app_with($crate::Backend::Postgres, super::$adjust).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to run"),
                    }
                }
            }
        )*
    };
}
