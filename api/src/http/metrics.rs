//! `/metrics` of the API: see `store::metrics` for what is measured.

use axum::{extract::State, response::Response};

use crate::startup::AppState;

pub use store::metrics::install;

/// Refreshes the backlog gauges and renders every metric in the Prometheus text format.
pub async fn render(State(state): State<AppState>) -> Response {
    store::metrics::scrape(&state.db, state.clock.now()).await
}
