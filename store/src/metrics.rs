//! Prometheus metrics: gateway attempts by channel and outcome (counted by the sender as it
//! records each attempt), and the outbox's backlog, measured when scraped. Served by the API at
//! `/metrics`, and by a standalone worker at `METRICS_BIND`.
//!
//! Metric labels are channels and outcome classes only: never a phone number, a name or a
//! commune, so the scrape can go to a monitoring system outside the commune's scope.

use std::sync::OnceLock;

use crate::outbox::MessageStatus;
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

/// Gateway attempts, labelled `channel` and `outcome` (incremented in the sender).
pub const MESSAGES_TOTAL: &str = "donghanh_messages_total";
/// Whole đồng billed for gateway attempts, labelled `channel` and `provider` (incremented as
/// each attempt's outcome is recorded; per commune and month: the `messagingCosts` query).
pub const MESSAGE_COST_VND_TOTAL: &str = "donghanh_message_cost_vnd_total";
/// Seconds since the oldest due, unsent message became due.
pub const OUTBOX_LAG_SECONDS: &str = "donghanh_outbox_lag_seconds";
/// Messages due now and not yet sent.
pub const OUTBOX_DUE: &str = "donghanh_outbox_due";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once and returns its handle. A second call (another
/// app in the same test process) reuses the first; if some other recorder was installed
/// first, this one still renders, with only what it records itself.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will miss its data");
        }
        metrics::describe_counter!(
            MESSAGES_TOTAL,
            "Gateway attempts by channel and classified outcome."
        );
        metrics::describe_counter!(
            MESSAGE_COST_VND_TOTAL,
            "Whole dong billed for gateway attempts, by channel and provider."
        );
        metrics::describe_gauge!(
            OUTBOX_LAG_SECONDS,
            "Seconds since the oldest due, unsent outbox message became due."
        );
        metrics::describe_gauge!(OUTBOX_DUE, "Outbox messages due now and not yet sent.");
        handle
    })
}

/// The backlog: due messages waiting for a worker, and how long the oldest has waited.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Backlog {
    due: i64,
    lag_seconds: f64,
}

/// One query over the outbox: queued or deferred messages whose time has come.
async fn backlog(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Backlog, DbErr> {
    let backend = db.get_database_backend();
    let p = match backend {
        DatabaseBackend::Postgres => "$1",
        _ => "?",
    };
    let sql = format!(
        "SELECT COUNT(*) AS due, MIN(next_attempt_at) AS oldest FROM outbox_messages \
         WHERE status IN ('{queued}', '{deferred}') AND next_attempt_at <= {p}",
        queued = MessageStatus::Queued.as_str(),
        deferred = MessageStatus::Deferred.as_str(),
    );
    let stmt = Statement::from_sql_and_values(backend, sql, [now.into()]);
    let Some(row) = db.query_one_raw(stmt).await? else {
        return Ok(Backlog {
            due: 0,
            lag_seconds: 0.0,
        });
    };
    let due: i64 = row.try_get("", "due")?;
    let oldest: Option<DateTime<Utc>> = row.try_get("", "oldest")?;
    let lag_seconds = oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
    Ok(Backlog { due, lag_seconds })
}

/// Refreshes the backlog gauges and renders every metric in the Prometheus text format. An
/// error means the backlog could not be measured: a stale backlog would read as "all is well",
/// so callers fail the scrape.
pub async fn render(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<String, DbErr> {
    let handle = install();
    let b = backlog(db, now).await?;
    metrics::gauge!(OUTBOX_DUE).set(b.due as f64);
    metrics::gauge!(OUTBOX_LAG_SECONDS).set(b.lag_seconds);
    handle.run_upkeep();
    Ok(handle.render())
}

/// The `/metrics` answer: the Prometheus text, or 503 when the backlog cannot be measured (a
/// stale backlog would read as "all is well"). Shared by the API and the standalone worker.
pub async fn scrape(db: &impl ConnectionTrait, now: DateTime<Utc>) -> axum::response::Response {
    use axum::{
        http::{StatusCode, header},
        response::IntoResponse,
    };
    match render(db, now).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "measuring the outbox backlog failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Serves `/metrics` on `addr` until `shutdown` (the standalone worker's scrape endpoint).
pub async fn serve(
    addr: std::net::SocketAddr,
    db: sea_orm::DatabaseConnection,
    clock: std::sync::Arc<dyn domain::Clock>,
    shutdown: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let (db, clock) = (db.clone(), clock.clone());
            async move { scrape(&db, clock.now()).await }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}
