//! On-demand benchmarks (never run by CI; results go to `docs/benchmarks.md`).
//!
//! ```text
//! cargo run --release -p bench -- delivery       # due messages → workers → fake eSMS
//! cargo run --release -p bench -- clients-page   # a commune's page of clients over HTTP
//! cargo run --release -p bench -- generate --scale commune|province|national \
//!     --database-url URL [--seed N] [--now RFC3339] [--tokens-out FILE]
//! ```
//!
//! `BENCH_BACKEND=postgres` (with `TEST_DATABASE_URL` naming a server) runs on a fresh
//! PostgreSQL database instead of a SQLite file. Other knobs: see each scenario.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clients_page;
mod delivery;

use std::process::ExitCode;

use tests::Backend;

#[tokio::main]
async fn main() -> ExitCode {
    let backend = match std::env::var("BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let scenario = std::env::args().nth(1).unwrap_or_default();
    if scenario == "generate" {
        let args: Vec<String> = std::env::args().skip(2).collect();
        return match bench::generate::cli(&args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("generate: {e}");
                ExitCode::from(2)
            }
        };
    }
    match scenario.as_str() {
        "delivery" => delivery::run(backend).await,
        "clients-page" => clients_page::run(backend).await,
        other => {
            eprintln!("unknown scenario {other:?}: use `delivery`, `clients-page` or `generate`");
            return ExitCode::from(2);
        }
    }
    println!(
        "peak resident memory of the bench process: {} MB",
        peak_rss_mb()
    );
    ExitCode::SUCCESS
}

/// A numeric setting from the environment, or its default.
pub fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size (VmHWM) of this process, in MB.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
