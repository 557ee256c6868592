//! Load generators. Closed loop: N connections each send the next request when the previous
//! answer arrived (throughput). Open loop: requests start at a fixed rate whatever the server
//! does, and latency counts from the scheduled start, so a slow server cannot hide its queue
//! (no coordinated omission).

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    time::{Duration, Instant},
};

/// One request; `Err` when the answer is not the expected one.
pub type Request =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// Wraps an async closure as a [`Request`].
pub fn request<F, Fut>(f: F) -> Request
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

/// Latencies and errors of one load run.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    latencies: Vec<Duration>,
    /// Requests that failed (first error kept in `first_error`).
    pub errors: usize,
    /// The first failure, to show what went wrong.
    pub first_error: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Outcome {
    fn merge(&mut self, other: Self) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    fn record(&mut self, took: Duration, result: Result<(), String>) {
        match result {
            Ok(()) => self.latencies.push(took),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    /// Successful requests.
    pub fn count(&self) -> usize {
        self.latencies.len()
    }

    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.count() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p` quantile (0..=1) of latency, in ms.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
        sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }

    /// `1234 req/s, p50 1.2 ms, p99 3.4 ms` (and the errors, if any).
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{:.0} req/s, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.rate(),
            self.percentile_ms(0.50),
            self.percentile_ms(0.95),
            self.percentile_ms(0.99),
            self.percentile_ms(1.0),
        );
        if self.errors > 0 {
            s.push_str(&format!(
                ", **{} errors** (first: {})",
                self.errors,
                self.first_error.as_deref().unwrap_or("?")
            ));
        }
        s
    }
}

/// `connections` loops, each sending `request` back to back for `duration`.
pub async fn closed_loop(request: Request, connections: usize, duration: Duration) -> Outcome {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let result = request().await;
                    outcome.record(t.elapsed(), result);
                }
                outcome
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    for t in tasks {
        if let Ok(o) = t.await {
            outcome.merge(o);
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// Starts `request` `rate` times a second for `duration`, each at its scheduled instant
/// whatever is still in flight; latency is measured from that instant. Requests still
/// running `grace` after the last start count as errors.
pub async fn open_loop(request: Request, rate: f64, duration: Duration) -> Outcome {
    let rate = rate.max(0.1);
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let started = tokio::time::Instant::now();
    let mut running = Vec::with_capacity(total as usize);
    for i in 0..total {
        let scheduled = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(scheduled).await;
        let request = request.clone();
        running.push(tokio::spawn(async move {
            let result = request().await;
            (scheduled.elapsed(), result)
        }));
    }
    let grace = Duration::from_secs(30);
    let mut outcome = Outcome::default();
    for t in running {
        match tokio::time::timeout(grace, t).await {
            Ok(Ok((took, result))) => outcome.record(took, result),
            _ => outcome.record(grace, Err("no answer within 30 s".into())),
        }
    }
    // The offered duration: what a rate is judged against.
    outcome.elapsed = started.elapsed().max(duration);
    outcome
}

/// The load a read is put under: closed loop over `connections`, plus an open loop at `rate`
/// when one is given.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Keep-alive connections of the closed loop.
    pub connections: usize,
    /// Arrival rate of the open loop, per second.
    pub rate: Option<f64>,
    /// Length of each run.
    pub duration: Duration,
}

impl Shape {
    /// From `--connections` (16), `--rate` and `--seconds` (`default_seconds`).
    pub fn from_options(
        options: &super::options::Options,
        default_seconds: f64,
    ) -> Result<Self, String> {
        Ok(Self {
            connections: options.num("connections", 16)?,
            rate: options
                .get("rate")
                .map(str::parse)
                .transpose()
                .map_err(|_| "--rate: not a number".to_owned())?,
            duration: options.duration(default_seconds)?,
        })
    }

    /// `16 connections, 10 s`.
    pub fn closed_setup(&self) -> String {
        format!(
            "closed loop, {} connections, {:.0} s",
            self.connections,
            self.duration.as_secs_f64()
        )
    }

    /// `open loop 500/s, 10 s`.
    pub fn open_setup(&self, rate: f64) -> String {
        format!(
            "open loop {rate:.0}/s, {:.0} s",
            self.duration.as_secs_f64()
        )
    }
}
