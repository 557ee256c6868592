//! The delivery queue: apalis jobs saying "deliver outbox message M under dispatch D".
//!
//! The outbox stays the source of truth (see `docs/outbox.md`). The dispatcher claims due
//! rows under a lease and pushes jobs of a few rows each into apalis' storage (apalis-sqlite in the
//! embedded default, apalis-postgres in production); apalis workers, in any number of
//! processes, run the jobs. A job only carries ids, and running it first *takes* the row
//! (swaps the dispatch token for its own), so a job that apalis runs twice, or that outlived
//! its lease, changes nothing. A job lost with the queue (a crash before apalis persisted it,
//! a deleted queue file) only delays the message: the lease expires and the dispatcher pushes
//! it again.

use std::{path::PathBuf, time::Duration as StdDuration};

use apalis::prelude::{
    BackendExt, BackoffConfig, BoxDynError, Data, TaskBuilder, TaskSink, WorkerBuilder,
    WorkerBuilderExt,
};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteStorage};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use store::settings::SenderSettings;

use crate::sender::Sender;

/// The job: which outbox rows, under which dispatch token. A job carries a few rows and
/// delivers them one after another, so the queue's own writes (push, fetch, ack) and the
/// reads of the rows' facts are paid once per job rather than once per message; each row is
/// taken under the dispatch token (see [`Sender::deliver_all`]), so a job run twice or late
/// changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliver {
    /// The outbox messages.
    pub message_ids: Vec<Uuid>,
    /// The lease token the dispatcher set when it claimed the rows.
    pub dispatch: Uuid,
}

/// Most messages one job delivers (at once, within the worker's call slots).
pub const MAX_MESSAGES_PER_JOB: usize = 16;

impl Deliver {
    /// The jobs for the rows one dispatch claimed: as few as hold them at
    /// [`MAX_MESSAGES_PER_JOB`] each, evenly sized. A job sends its rows at once (within the
    /// worker's call slots), so a small claim needs no spreading to go at full concurrency.
    pub fn for_claim(message_ids: &[Uuid], dispatch: Uuid) -> Vec<Self> {
        let jobs = message_ids.len().div_ceil(MAX_MESSAGES_PER_JOB).max(1);
        let per_job = message_ids.len().div_ceil(jobs).max(1);
        message_ids
            .chunks(per_job)
            .map(|ids| Self {
                message_ids: ids.to_vec(),
                dispatch,
            })
            .collect()
    }
}

/// The apalis queue that carries delivery jobs.
const QUEUE_NAME: &str = "deliver";

/// Why the queue could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Opening or migrating apalis-sqlite.
    #[error("apalis-sqlite: {0}")]
    Sqlite(#[from] apalis_sqlite::Error),
    /// Opening or cleaning the queue's tables.
    #[error("queue database: {0}")]
    Sql(#[from] apalis_sqlite::SqlxError),
    /// Migrating or using apalis-postgres.
    #[error("apalis-postgres: {0}")]
    Postgres(#[from] apalis_postgres::Error),
    /// Pushing a job.
    #[error("pushing a delivery job: {0}")]
    Push(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Only SQLite and PostgreSQL carry a queue.
    #[error("no job queue for this database backend")]
    Unsupported,
}

/// The delivery queue over the database the outbox lives in.
#[derive(Clone)]
pub enum DeliveryQueue {
    /// apalis-sqlite, in a file beside the main database (see [`DeliveryQueue::open`]).
    Sqlite(SqliteStorage<Deliver>),
    /// apalis-postgres, in the `apalis` schema of the main database, on the same pool.
    Postgres(PostgresStorage<Deliver>),
}

impl DeliveryQueue {
    /// Opens the queue and runs apalis' own migrations (idempotent; several workers may race).
    ///
    /// On PostgreSQL the queue shares the ORM's pool. On SQLite it gets its own file,
    /// `<database>.queue.db`: apalis polls with writes, which on the main file would compete
    /// with the API for SQLite's single writer, and its setup turns `synchronous` off on the
    /// connection it runs on, which the outbox must never inherit.
    pub async fn open(
        db: &DatabaseConnection,
        sender: &SenderSettings,
    ) -> Result<Self, QueueError> {
        // Workers fetch as many jobs at once as the dispatcher claims per round.
        let batch = usize::try_from(sender.batch).unwrap_or(100).max(1);
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                PostgresStorage::<()>::setup(pool).await?;
                let config = apalis_postgres::Config::default()
                    .queue(QUEUE_NAME)
                    .batch_size(batch);
                Ok(Self::Postgres(
                    PostgresStorage::new(pool).with_config(config),
                ))
            }
            DatabaseBackend::Sqlite => {
                let main = db.get_sqlite_connection_pool().connect_options();
                let pool = open_sqlite_queue(queue_path(main.get_filename())).await?;
                let config = apalis_sqlite::Config::default()
                    .queue(QUEUE_NAME)
                    .batch_size(batch);
                Ok(Self::Sqlite(SqliteStorage::new(&pool).with_config(config)))
            }
            _ => Err(QueueError::Unsupported),
        }
    }

    /// Pushes the jobs of one claim, in one batch. A job repeated within a dispatch is
    /// dropped by the storage's idempotency key.
    pub async fn push(&mut self, jobs: &[Deliver]) -> Result<(), QueueError> {
        let tasks: Vec<_> = jobs
            .iter()
            .map(|job| {
                let first = job.message_ids.first().copied().unwrap_or_default();
                TaskBuilder::new(job.clone())
                    .idempotency_key(format!("{first}:{}", job.dispatch))
                    .build()
            })
            .collect();
        let mut tasks = futures::stream::iter(tasks);
        match self {
            Self::Sqlite(s) => s
                .push_all(&mut tasks)
                .await
                .map_err(|e| QueueError::Push(e.into())),
            Self::Postgres(s) => s
                .push_all(&mut tasks)
                .await
                .map_err(|e| QueueError::Push(e.into())),
        }
    }

    /// Deletes jobs that finished before `before` (their outcome lives in the outbox); returns
    /// how many went. `before` is wall-clock time: apalis stamps `done_at` with the database's.
    pub async fn prune(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64, QueueError> {
        let done = match self {
            Self::Sqlite(s) => sea_orm::sqlx::query(
                "DELETE FROM Jobs WHERE status IN ('Done', 'Killed') AND done_at < ?1",
            )
            .bind(before.timestamp())
            .execute(s.pool())
            .await?
            .rows_affected(),
            Self::Postgres(s) => sea_orm::sqlx::query(
                "DELETE FROM apalis.jobs WHERE status IN ('Done', 'Killed') AND done_at < $1",
            )
            .bind(before)
            .execute(s.pool())
            .await?
            .rows_affected(),
        };
        Ok(done)
    }

    /// Runs apalis workers that deliver jobs with `sender` until `shutdown`. A storage error
    /// (the database restarting) stops an apalis worker; it is started again after a pause.
    pub async fn run_workers(
        self,
        sender: Sender,
        concurrency: usize,
        shutdown: CancellationToken,
    ) {
        // While jobs keep coming, poll often: a dispatcher at capacity claims its next round
        // only when this one is delivered, so the poll interval is paid once per round (at
        // 200 ms it held a worker near 370 msg/s with an instant gateway). Empty polls back
        // off (doubling) to one every half second: the dispatcher pushes from another
        // process, so there is no in-process wake-up to rely on.
        let poll = StdDuration::from_millis(20);
        let backoff = BackoffConfig::new(StdDuration::from_millis(500));
        while !shutdown.is_cancelled() {
            let name = format!("deliver-{}", Uuid::now_v7());
            let stop = {
                let token = shutdown.clone();
                async move {
                    token.cancelled().await;
                    Ok::<(), std::io::Error>(())
                }
            };
            // The two storages are different types with the same worker around them.
            macro_rules! deliver_from {
                ($storage:expr) => {
                    WorkerBuilder::new(name)
                        .backend($storage.poll_with_backoff(poll, backoff.clone()))
                        .data(sender.clone())
                        .concurrency(concurrency.max(1))
                        .build(deliver_job)
                        .run_until(stop)
                        .await
                };
            }
            let result = match self.clone() {
                Self::Sqlite(s) => deliver_from!(s),
                Self::Postgres(s) => deliver_from!(s),
            };
            if shutdown.is_cancelled() {
                break;
            }
            // Stopped without being asked to: start again after a pause, never in a hot loop.
            match result {
                Err(e) => {
                    tracing::error!(error = %e, "delivery worker stopped; restarting in a second")
                }
                Ok(()) => tracing::warn!("delivery worker ended; restarting in a second"),
            }
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(StdDuration::from_secs(1)) => {}
            }
        }
    }
}

/// The apalis handler: thin, the sender does the work (every row is tried even when one
/// fails; a failed row's lease expires and it is claimed again).
async fn deliver_job(job: Deliver, sender: Data<Sender>) -> Result<(), BoxDynError> {
    sender.deliver_all(&job.message_ids, job.dispatch).await?;
    Ok(())
}

/// Opens (and migrates) the SQLite queue at `path`.
async fn open_sqlite_queue(path: PathBuf) -> Result<apalis_sqlite::SqlitePool, QueueError> {
    if path.as_os_str() == ":memory:" {
        // One connection is one in-memory database: it must stay the only one.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(SqliteConnectOptions::new().filename(&path))
            .await?;
        SqliteStorage::<()>::setup(&pool).await?;
        return Ok(pool);
    }
    let options = queue_options(path);
    // apalis' setup leaves `synchronous = OFF` on the connection it ran on: run it on a
    // throwaway pool, then open the queue with ordinary connections.
    let setup = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    SqliteStorage::<()>::setup(&setup).await?;
    setup.close().await;
    Ok(SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?)
}

/// Connection options of the SQLite queue file.
fn queue_options(path: PathBuf) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .pragma("journal_mode", "WAL")
        .pragma("synchronous", "NORMAL")
        .busy_timeout(StdDuration::from_secs(10))
}

/// The queue file beside the main database (`x.db` → `x.queue.db`); an in-memory main
/// database gets an in-memory queue.
fn queue_path(main: &std::path::Path) -> PathBuf {
    let name = main.file_name().map(|n| n.to_string_lossy().into_owned());
    match name.as_deref() {
        None | Some("" | ":memory:") => PathBuf::from(":memory:"),
        Some(file) => {
            let stem = file
                .strip_suffix(".db")
                .or_else(|| file.strip_suffix(".sqlite"))
                .unwrap_or(file);
            main.with_file_name(format!("{stem}.queue.db"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn a_claim_goes_in_as_few_evenly_sized_jobs_as_the_bound_allows() {
        let ids: Vec<Uuid> = (0..100).map(|_| Uuid::now_v7()).collect();
        let d = Uuid::now_v7();
        let sizes = |n: usize| -> Vec<usize> {
            Deliver::for_claim(&ids[..n], d)
                .iter()
                .map(|j| j.message_ids.len())
                .collect()
        };
        assert_eq!(sizes(3), vec![3]);
        assert_eq!(sizes(16), vec![16]);
        assert_eq!(sizes(17), vec![9, 8]);
        assert_eq!(sizes(100), vec![15, 15, 15, 15, 15, 15, 10]);
        assert!(sizes(0).is_empty());
        let all: Vec<Uuid> = Deliver::for_claim(&ids, d)
            .into_iter()
            .flat_map(|j| j.message_ids)
            .collect();
        assert_eq!(all, ids);
    }

    #[test]
    fn the_queue_file_sits_beside_the_database() {
        assert_eq!(
            queue_path(Path::new("data/donghanh.db")),
            PathBuf::from("data/donghanh.queue.db")
        );
        assert_eq!(
            queue_path(Path::new("/tmp/x/app.sqlite")),
            PathBuf::from("/tmp/x/app.queue.db")
        );
        assert_eq!(
            queue_path(Path::new("plain")),
            PathBuf::from("plain.queue.db")
        );
        assert_eq!(queue_path(Path::new(":memory:")), PathBuf::from(":memory:"));
    }
}
