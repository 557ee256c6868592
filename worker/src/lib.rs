//! Đồng Hành worker: plans due work from the database and delivers messages.
//!
//! The API crate runs it in-process in the embedded default; the `worker` binary runs it
//! alone in production, in as many copies as the load needs.

pub mod appointments;
pub mod db;
pub mod env;
pub mod links;
pub mod occurrences;
pub mod outbox;
pub mod policy;
pub mod gateways;
pub mod settings;
pub mod zalo_tokens;

use std::sync::Arc;

use domain::Clock;
use sea_orm::DatabaseConnection;
pub use settings::WorkerSettings;
use tokio_util::sync::CancellationToken;

/// Why the worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Database failure that the worker could not ride out.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// Runs the worker until `shutdown` is cancelled.
pub async fn run(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    shutdown: CancellationToken,
) -> Result<(), WorkerError> {
    let _ = (&db, &clock);
    let mut interval = tokio::time::interval(settings.tick);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            _ = interval.tick() => {}
        }
    }
}
