//! Scratch databases: a SQLite file in a temporary directory, or a fresh database on the
//! PostgreSQL test server (`TEST_DATABASE_URL`, else `DATABASE_URL`).

use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// A SQLite database file in a temporary directory, removed with it when dropped.
pub struct ScratchSqlite {
    /// URL of the database file (created on first connection).
    pub url: String,
    _dir: tempfile::TempDir,
}

impl ScratchSqlite {
    /// A new empty directory and the URL of `test.db` inside it.
    pub fn create() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self { url, _dir: dir }
    }
}

/// The PostgreSQL server tests may use: `TEST_DATABASE_URL`, else `DATABASE_URL`, when it is
/// a `postgres` URL.
pub fn postgres_server_url() -> Option<String> {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| u.starts_with("postgres"))
}

/// A fresh database on the test PostgreSQL server, for one test; [`ScratchDatabase::drop`]
/// removes it.
pub struct ScratchDatabase {
    /// URL of the new database.
    pub url: String,
    server: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<random>`; `Ok(None)` when no PostgreSQL server is configured. A
    /// configured server that cannot create it is an error, never a silently skipped test.
    pub async fn create(prefix: &str) -> Result<Option<Self>, String> {
        let Some(server) = postgres_server_url() else {
            return Ok(None);
        };
        let name = format!("{prefix}_{}", Uuid::new_v4().simple());
        let admin = store::db::connect(&server, 1)
            .await
            .map_err(|e| format!("PostgreSQL test server: {e}"))?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        admin.close().await.ok();
        let (base, query) = server
            .split_once('?')
            .map_or((server.as_str(), None), |(b, q)| (b, Some(q)));
        let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
        let url = match query {
            Some(q) => format!("{base}/{name}?{q}"),
            None => format!("{base}/{name}"),
        };
        Ok(Some(Self { url, server, name }))
    }

    /// Drops the database, closing whatever still uses it.
    pub async fn drop(self) {
        if let Ok(admin) = store::db::connect(&self.server, 1).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            admin.close().await.ok();
        }
    }
}
