//! The in-process worker: the one place where the API reaches the `worker` crate.
//!
//! Everything else the API shares with the worker (the outbox, policies, plans, database,
//! settings) lives in `store`. Keeping this the only `worker::` import keeps the API free of
//! the worker process's internals (sender, queue, gateways).

use std::sync::Arc;

use domain::Clock;
use sea_orm::DatabaseConnection;
use store::WorkerSettings;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use worker::{WorkerError, queue::QueueError};

/// Creates the delivery queue's own schema (its migrations need rights, such as
/// `CREATE EXTENSION hstore` on PostgreSQL, that running workers should not need).
pub async fn prepare_delivery_queue(
    db: &DatabaseConnection,
    settings: &WorkerSettings,
) -> Result<(), QueueError> {
    worker::queue::DeliveryQueue::open(db, &settings.sender).await?;
    Ok(())
}

/// Starts the worker in this process. If it fails (its queue cannot open, say) it cancels
/// `shutdown`, so the whole process stops: an API that accepts appointments but never sends
/// their reminders would fail silently.
pub fn spawn(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    shutdown: CancellationToken,
) -> JoinHandle<Result<(), WorkerError>> {
    let run = worker::run(db, clock, settings, shutdown.clone());
    tokio::spawn(async move {
        let result = run.await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "worker stopped with an error; shutting down");
            shutdown.cancel();
        }
        result
    })
}
