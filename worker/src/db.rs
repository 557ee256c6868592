//! Opening the database: one sqlx pool shared by the ORM and the job queue.

use std::{str::FromStr, time::Duration};

use migrations::MigratorTrait;
use sea_orm::{
    DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector,
    sqlx::{
        postgres::{PgConnectOptions, PgPoolOptions},
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    },
};

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

/// Opens the database at `url`. SQLite gets WAL, a busy timeout and foreign keys; the
/// directory of the file is created if needed.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbOpenError> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(DbOpenError::Connect)?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = options
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(DbOpenError::Directory)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await
            .map_err(DbOpenError::Connect)?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let options = PgConnectOptions::from_str(url).map_err(DbOpenError::Connect)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
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
