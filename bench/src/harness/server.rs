//! The API under test: the release binary as a child process (the default, so its memory and
//! CPU are its own), or in this process (`--in-process`, used by the smoke test).

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use api::{settings::Settings, startup::Application};
use domain::SystemClock;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{
    api_process::{self, ChildProcess},
    options::Options,
};

/// A running API.
pub struct Server {
    /// Its GraphQL endpoint.
    pub url: String,
    child: Option<ChildProcess>,
    shutdown: CancellationToken,
    statements: Arc<AtomicUsize>,
}

/// Settings of an in-process API over an existing database: no migrations, the production
/// loader delay and pool size.
fn in_process_settings(database_url: &str) -> Settings {
    let mut s = Settings::for_tests(database_url.to_owned());
    s.process.run_migrations = false;
    s.process.database_max_connections = 10;
    s.limits.loader_delay = Duration::from_millis(2);
    s
}

impl Server {
    /// Starts the API the options ask for.
    pub async fn start(options: &Options, database_url: &str) -> Result<Self, String> {
        if options.flag("in-process") {
            return Self::in_process(database_url).await;
        }
        let (child, url) =
            api_process::spawn_api(&options.api_bin(), &api_process::api_env(database_url)).await?;
        Ok(Self {
            url,
            child: Some(child),
            shutdown: CancellationToken::new(),
            statements: Arc::default(),
        })
    }

    /// The API in this process, counting the SQL statements it runs.
    pub async fn in_process(database_url: &str) -> Result<Self, String> {
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let app = Application::build_observed(
            in_process_settings(database_url),
            Arc::new(SystemClock),
            Some(Arc::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })),
        )
        .await
        .map_err(|e| e.to_string())?;
        let url = format!("http://127.0.0.1:{}/graphql", app.port());
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run_until_stopped(shutdown.clone()));
        Ok(Self {
            url,
            child: None,
            shutdown,
            statements,
        })
    }

    /// The child process, when the API runs as one.
    pub fn child(&self) -> Option<&ChildProcess> {
        self.child.as_ref()
    }

    /// SQL statements the in-process API ran so far (0 for a child process).
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.shutdown.cancel();
        if let Some(child) = self.child {
            child.stop().await;
        }
    }
}

/// One GraphQL request; `Err` unless the answer is 200 with data and no errors.
pub async fn graphql(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: &Value,
) -> Result<Value, String> {
    let mut req = http
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() || body.get("errors").is_some() || body.get("data").is_none() {
        return Err(format!("{status}: {}", truncate(&body.to_string(), 300)));
    }
    Ok(body)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// SQL statements the API runs for one `query` as `token` (measured on an in-process API with
/// the statement counter the query-count tests use).
pub async fn statements_per_request(
    database_url: &str,
    http: &reqwest::Client,
    token: Option<&str>,
    query: &str,
    variables: &Value,
) -> Result<usize, String> {
    let server = Server::in_process(database_url).await?;
    // Once to warm caches (credential cache, prepared statements), then measured.
    graphql(http, &server.url, token, query, variables).await?;
    let before = server.statements();
    graphql(http, &server.url, token, query, variables).await?;
    let n = server.statements() - before;
    server.stop().await;
    Ok(n)
}
