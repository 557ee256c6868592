//! `/metrics` of the API: see `worker::metrics` for what is measured.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::startup::AppState;

pub use worker::metrics::install;

/// Refreshes the backlog gauges and renders every metric in the Prometheus text format.
pub async fn render(State(state): State<AppState>) -> Response {
    match worker::metrics::render(&state.db, state.clock.now()).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            // A stale backlog would read as "all is well": fail the scrape instead.
            tracing::warn!(error = %e, "measuring the outbox backlog failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
