//! The API (or the worker) as a child process, so its memory and CPU are its own.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use super::machine;

/// A running child process of ours; killed when dropped.
pub struct ChildProcess {
    child: Child,
    /// Its pid, for `/proc/<pid>/…`.
    pub pid: String,
}

impl ChildProcess {
    /// Peak resident memory so far, in MB.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        machine::peak_rss_mb(&self.pid)
    }

    /// CPU seconds used so far.
    pub fn cpu_seconds(&self) -> Option<f64> {
        machine::cpu_seconds(&self.pid)
    }

    /// Stops the process (SIGKILL: nothing of it is measured after this).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Environment of a benchmarked API: the given database, no migrations, no demo data, no
/// embedded worker, an ephemeral port, the production loader delay.
pub fn api_env(database_url: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", database_url),
        ("APP_ENV", "embedded"),
        ("RUN_WORKER", "false"),
        ("RUN_MIGRATIONS", "false"),
        ("SEED_DEMO_DATA", "false"),
        ("GRAPHIQL", "false"),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("RUST_LOG", "warn"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    // The API's GraphQL settings pass through (`GRAPHQL_ONE_STATEMENT_PAGES=false` measures the
    // engine's own path with the same binary).
    .chain(std::env::vars().filter(|(k, _)| k.starts_with("GRAPHQL_")))
    .collect()
}

/// Starts the `api` binary at `bin` with `env` (and nothing inherited but `PATH`) and waits
/// for its "GraphQL: http://…/graphql" line; returns the process and the GraphQL URL.
pub async fn spawn_api(
    bin: &Path,
    env: &[(String, String)],
) -> Result<(ChildProcess, String), String> {
    if !bin.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build --release -p api` (or pass --api-bin)",
            bin.display()
        ));
    }
    let mut child = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().map(|p| p.to_string()).unwrap_or_default();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("GraphQL: ") {
                return Some(rest.split_whitespace().next().unwrap_or(rest).to_owned());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or_else(|| format!("{} did not announce its address", bin.display()))?;
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((ChildProcess { child, pid }, url))
}

/// Time from exec of `bin` (with `env`, in an empty directory) to the first 200 from
/// `/healthz` on `port`; the process is stopped afterwards.
pub async fn cold_start(
    bin: &Path,
    env: &[(String, String)],
    port: u16,
    http: &reqwest::Client,
) -> Result<(Duration, Option<f64>), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let url = format!("http://127.0.0.1:{port}/healthz");
    let took = loop {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill().await;
            return Err("no 200 from /healthz within 60 s".into());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{} exited with {status}", bin.display()));
        }
        if let Ok(res) = http.get(&url).send().await
            && res.status().is_success()
        {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let rss = child
        .id()
        .and_then(|p| machine::peak_rss_mb(&p.to_string()));
    let _ = child.kill().await;
    Ok((took, rss))
}

/// Starts `bin` with `env` (nothing else inherited but `PATH`), its output discarded.
pub async fn spawn_quiet(bin: &Path, env: &[(String, String)]) -> Result<ChildProcess, String> {
    if !bin.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build --release -p api -p worker`",
            bin.display()
        ));
    }
    let child = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().map(|p| p.to_string()).unwrap_or_default();
    Ok(ChildProcess { child, pid })
}
