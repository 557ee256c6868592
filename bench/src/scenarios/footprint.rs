//! Memory and start-up: the peak RSS of the API under the commune-page load and of the worker
//! binary through a burst (both release binaries as child processes, `/proc/<pid>/status`
//! VmHWM), and the embedded cold start (exec of the API with no configuration to the first 200
//! from `/healthz`).

use std::time::{Duration as StdDuration, Instant};

use chrono::Utc;

use super::{
    burst::{self, FakeEsms},
    reads::{COMMUNE_PAGE, graphql_request},
};
use crate::harness::{
    api_process::{self, ChildProcess},
    load::{self, Shape},
    machine::Machine,
    options::Options,
    report::Report,
    server::Server,
    subject::Subject,
};

/// Peak RSS of API and worker.
pub async fn rss(options: &Options) -> Result<Report, String> {
    let url = options.database_url()?;
    let db = store::db::connect(&url, 10)
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let mut report = Report::new("rss", machine, &options.command_line);
    let shape = Shape::from_options(options, 10.0)?;
    let subject = Subject::find(&db, options.get("commune")).await?;
    let http = reqwest::Client::new();

    let server = Server::start(options, &url).await?;
    let idle = server.child().and_then(ChildProcess::peak_rss_mb);
    let outcome = load::closed_loop(
        graphql_request(
            &http,
            &server.url,
            Some(&subject.token),
            COMMUNE_PAGE,
            serde_json::json!({ "commune": subject.commune }),
        ),
        shape.connections,
        shape.duration,
    )
    .await;
    let peak = server.child().and_then(ChildProcess::peak_rss_mb);
    server.stop().await;
    report.row(
        "API peak RSS (binary as a child process)",
        format!("commune page, {}", shape.closed_setup()),
        format!(
            "**{:.0} MB** (idle {:.0} MB); {}",
            peak.unwrap_or(f64::NAN),
            idle.unwrap_or(f64::NAN),
            outcome.summary()
        ),
    );

    // The worker binary, delivering prompts due now to a fake eSMS answering in 50 ms.
    let messages: usize = options.num("messages", 20_000)?;
    let clients = burst::clients_in_scope(&db, options.get("commune")).await?;
    if clients.is_empty() {
        return Err("no client with SMS consent".into());
    }
    // The worker binary runs on the real clock: urgent prompts go at any hour, so the
    // measurement does not depend on quiet hours at the time of the run.
    let (_, ids) = burst::seed(&db, &clients, messages, Utc::now(), true).await?;
    let gateway = FakeEsms::start(
        StdDuration::from_millis(options.num("gateway-ms", 50)?),
        ids,
    )
    .await?;
    let bin = options.worker_bin();
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", url.as_str()),
        ("ESMS_BASE_URL", gateway.url.as_str()),
        ("ESMS_API_KEY", "bench"),
        ("ESMS_SECRET_KEY", "bench"),
        ("ESMS_BRANDNAME", "DONGHANH"),
        ("WORKER_TICK_SECONDS", "1"),
        ("RUST_LOG", "warn"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let worker = api_process::spawn_quiet(&bin, &env).await?;
    let limit = StdDuration::from_secs(options.num("timeout", 600)?);
    let started = Instant::now();
    gateway.wait_for(messages, limit).await;
    let elapsed = started.elapsed().as_secs_f64();
    let peak = worker.peak_rss_mb();
    worker.stop().await;
    let (_, _, times) = gateway.stop();
    report.row(
        "worker peak RSS (binary as a child process)",
        format!("{messages} urgent prompts due now, gateway answers in 50 ms"),
        format!(
            "**{:.0} MB**; {} accepted in {elapsed:.1} s",
            peak.unwrap_or(f64::NAN),
            times.len()
        ),
    );
    if times.len() < messages {
        report.note("Not every prompt was accepted before the timeout.");
    }
    Ok(report)
}

/// Embedded cold start: exec of the API with no configuration (an empty directory, so a new
/// SQLite file, migrations and reference data) to the first 200 from `/healthz`.
pub async fn cold_start(options: &Options) -> Result<Report, String> {
    let db = store::db::connect("sqlite::memory:", 1)
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let mut report = Report::new("cold-start", machine, &options.command_line);
    let runs: usize = options.num("runs", 5)?.max(1);
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs {
        // The only setting: a free port instead of the default 8080, which may be taken.
        let port = free_port()?;
        let env = vec![("BIND_ADDR".to_owned(), format!("127.0.0.1:{port}"))];
        let (took, peak) = api_process::cold_start(&options.api_bin(), &env, port, &http).await?;
        times.push(took.as_secs_f64() * 1000.0);
        rss.extend(peak);
    }
    times.sort_by(f64::total_cmp);
    report.row(
        "embedded cold start: exec → first 200 from /healthz",
        format!("{runs} runs, empty directory, new SQLite file"),
        format!(
            "median **{:.0} ms**, min {:.0} ms, max {:.0} ms; RSS at that moment {:.0} MB",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            rss.iter().copied().fold(0.0, f64::max)
        ),
    );
    Ok(report)
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
