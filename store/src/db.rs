//! Opening the database: one sqlx pool shared by the ORM and the job queue, and the one way
//! every write transaction begins ([`begin_write`]).
//!
//! SQLite (the embedded default) has one writer at a time. A connection that must wait for it
//! sleeps in SQLite's busy handler for up to [`BUSY_TIMEOUT`], but only when it asks for the
//! write lock before it has read anything: a deferred transaction that read first and then
//! writes after another connection committed gets `SQLITE_BUSY_SNAPSHOT` (517) at once, and
//! waiting cannot help it because its snapshot is already stale. So every write transaction
//! starts with `BEGIN IMMEDIATE`; single statements outside a transaction take the lock when
//! they start and wait in the busy handler by themselves.

use std::{str::FromStr, time::Duration};

use migrations::MigratorTrait;
use sea_orm::{
    DatabaseConnection, DbErr, RuntimeErr, SqliteTransactionMode, SqlxPostgresConnector,
    SqlxSqliteConnector, TransactionOptions, TransactionTrait,
    sqlx::{
        postgres::{PgConnectOptions, PgPoolOptions},
        sqlite::{
            SqliteConnectOptions, SqliteError, SqliteJournalMode, SqlitePoolOptions,
            SqliteSynchronous,
        },
    },
};

/// How long a SQLite connection waits for the write lock (or for a checkpoint) before it
/// gives up with `SQLITE_BUSY`; also how long anyone waits for a pooled connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    /// The URL is neither `sqlite:` nor `postgres:`.
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got scheme {0:?})")]
    UnsupportedScheme(String),
    /// The directory for the SQLite file could not be made.
    #[error("cannot create the directory for the SQLite file: {0}")]
    Directory(#[source] std::io::Error),
    /// The driver refused the URL or the connection.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sea_orm::sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[source] sea_orm::DbErr),
}

/// A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// Opens the database at `url`. SQLite gets WAL (readers never wait for the writer), a busy
/// timeout on every connection and foreign keys; the directory of the file is created if
/// needed.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbOpenError> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(DbOpenError::Connect)?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        if let Some(dir) = options
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(DbOpenError::Directory)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(DbOpenError::Connect)?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let options = PgConnectOptions::from_str(url).map_err(DbOpenError::Connect)?;
        let pool = PgPoolOptions::new()
            // A ping before every statement doubled the round trips of every request and
            // delivery. Only a connection that sat idle (where a database restart or an idle
            // timeout may have closed it) is pinged; one in steady use is known to be alive.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_AFTER_IDLE {
                        sea_orm::sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .max_connections(max_connections)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(DbOpenError::Connect)?;
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
    } else {
        let scheme = url.split(':').next().unwrap_or_default().to_owned();
        Err(DbOpenError::UnsupportedScheme(scheme))
    }
}

/// Brings the schema up to date. Safe to run from several processes on PostgreSQL: the
/// migrator records each step, and a failed race only repeats an idempotent check.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbOpenError> {
    migrations::Migrator::up(db, None)
        .await
        .map_err(DbOpenError::Migrate)
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken (waiting up to [`BUSY_TIMEOUT`] for another writer to finish) before the first read,
/// so the transaction can never fail later with `SQLITE_BUSY_SNAPSHOT`. On PostgreSQL it is a
/// plain `BEGIN`; inside a transaction it is a savepoint. Every transaction of the API and the
/// worker begins here (`clippy.toml` forbids `TransactionTrait::begin`).
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// A CTE that makes the PostgreSQL statement it heads commit without waiting for its WAL to
/// reach the disk (`set_config('synchronous_commit', 'off', true)`: local to the statement's
/// own transaction). The statement must name `unflushed` in a `FROM` (one row) so it runs.
///
/// Only for a write whose loss in a server crash is harmless because nothing leaves the system
/// on its strength before a later write commits synchronously: flushing that later commit
/// flushes the earlier WAL with it (issue 9: at a burst, commits waiting for the disk were the
/// largest wait; the claim and the take are such writes, see `docs/outbox.md`). One statement,
/// not `SET LOCAL` in a transaction, so the write stays one round trip.
pub const UNFLUSHED_COMMIT: &str =
    "unflushed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))";

/// Whether `err` means "the database is busy, try again shortly" rather than a fault: SQLite
/// could not get its lock within [`BUSY_TIMEOUT`] (`SQLITE_BUSY`/`SQLITE_LOCKED` and their
/// extended codes), PostgreSQL gave up on a lock or chose this transaction to break a
/// deadlock or a serialization conflict, or no pooled connection came free in time.
pub fn is_busy(err: &DbErr) -> bool {
    let runtime = match err {
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => return true,
        DbErr::Conn(e) | DbErr::Exec(e) | DbErr::Query(e) => e,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return false;
    };
    match sqlx_err.as_ref() {
        sea_orm::sqlx::Error::PoolTimedOut => true,
        sea_orm::sqlx::Error::Database(db_err) => {
            let Some(code) = db_err.code() else {
                return false;
            };
            if db_err.try_downcast_ref::<SqliteError>().is_some() {
                // The extended result code; its low byte is the primary one.
                code.parse::<i32>()
                    .is_ok_and(|c| matches!(c & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
            } else {
                POSTGRES_TRANSIENT.contains(&code.as_ref())
            }
        }
        _ => false,
    }
}

/// SQLite's primary result codes for "another connection holds the lock".
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

/// PostgreSQL SQLSTATEs that a retry can clear: serialization_failure, deadlock_detected,
/// lock_not_available.
const POSTGRES_TRANSIENT: &[&str] = &["40001", "40P01", "55P03"];

#[cfg(test)]
mod tests {
    use std::time::Duration as StdDuration;

    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::*;

    /// A SQLite file with a one-row counter table.
    async fn counter() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("counter.db").display());
        let db = connect(&url, 4).await.expect("open SQLite");
        db.execute_unprepared(
            "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)",
        )
        .await
        .expect("create the counter");
        (dir, db)
    }

    async fn read(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT n FROM counter",
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("counter".into()))?;
        row.try_get("", "n")
    }

    async fn increment(db: &impl ConnectionTrait) -> Result<(), DbErr> {
        db.execute_unprepared("UPDATE counter SET n = n + 1")
            .await
            .map(|_| ())
    }

    /// The failure `begin_write` exists for: a deferred transaction that read before another
    /// connection committed cannot write (`SQLITE_BUSY_SNAPSHOT`), and no busy timeout helps.
    #[tokio::test]
    #[allow(clippy::disallowed_methods)]
    async fn a_deferred_transaction_that_read_first_fails_after_another_commit() {
        let (_dir, db) = counter().await;
        let deferred = db.begin().await.expect("begin");
        assert_eq!(read(&deferred).await.expect("read"), 0);
        increment(&db).await.expect("another connection writes");
        let err = increment(&deferred)
            .await
            .expect_err("stale snapshot cannot write");
        assert!(is_busy(&err), "a busy error, answered as retryable: {err}");
        assert!(
            err.to_string().contains("517") || err.to_string().contains("locked"),
            "{err}"
        );
    }

    /// Two write transactions that both read first: the second waits in its `BEGIN` until the
    /// first commits, then reads the committed value; neither fails.
    #[tokio::test]
    async fn write_transactions_wait_for_each_other_instead_of_failing() {
        let (_dir, db) = counter().await;
        let first = begin_write(&db).await.expect("first begins");
        assert_eq!(read(&first).await.expect("read"), 0);
        let other = db.clone();
        let second = tokio::spawn(async move {
            let txn = begin_write(&other).await?;
            let seen = read(&txn).await?;
            increment(&txn).await?;
            txn.commit().await?;
            Ok::<_, DbErr>(seen)
        });
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        assert!(
            !second.is_finished(),
            "the second writer waits for the lock"
        );
        increment(&first).await.expect("first writes");
        first.commit().await.expect("first commits");
        let seen = second.await.expect("task").expect("second writer succeeds");
        assert_eq!(seen, 1, "the second writer read after the first committed");
        assert_eq!(read(&db).await.expect("read"), 2);
    }

    /// A pooled connection that the server closed while it sat idle (a restart, an idle
    /// timeout) is pinged and replaced before a statement uses it: the statement succeeds.
    #[tokio::test]
    async fn an_idle_connection_closed_by_the_server_is_replaced_before_use() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            return;
        };
        let pg = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_owned());
        let db = connect(&url, 1).await.expect("connect");
        let row = db
            .query_one_raw(pg("SELECT pg_backend_pid() AS pid"))
            .await
            .expect("first statement")
            .expect("a row");
        let pid: i32 = row.try_get("", "pid").expect("pid");
        let other = connect(&url, 1).await.expect("second pool");
        other
            .execute_raw(pg(&format!("SELECT pg_terminate_backend({pid})")))
            .await
            .expect("terminate the first pool's connection");
        tokio::time::sleep(PING_AFTER_IDLE + StdDuration::from_millis(500)).await;
        let row = db
            .query_one_raw(pg("SELECT pg_backend_pid() AS pid"))
            .await
            .expect("the next statement gets a live connection")
            .expect("a row");
        let new_pid: i32 = row.try_get("", "pid").expect("pid");
        assert_ne!(new_pid, pid);
    }
}
