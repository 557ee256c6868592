//! The `worker` binary on its own: its settings (the shared process settings, the worker's,
//! and a metrics listener) and why it could not start.

use std::{net::SocketAddr, sync::Arc};

use domain::Clock;
use store::{
    Environment, ProcessSettings, WorkerSettings,
    env::{ConfigError, Source},
};
use tokio_util::sync::CancellationToken;

use crate::WorkerError;

/// Everything the `worker` binary reads at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`, `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, `RUN_MIGRATIONS`, `LOG_FORMAT`:
    /// read exactly as the API reads them.
    pub process: ProcessSettings,
    /// `METRICS_BIND` (e.g. `0.0.0.0:9464`): where Prometheus scrapes this worker's counters;
    /// unset, no listener (the API serves `/metrics` on its own port instead).
    pub metrics_bind: Option<SocketAddr>,
    /// The worker's own settings.
    pub worker: WorkerSettings,
}

impl Settings {
    /// Reads the settings from `vars`.
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        let process = ProcessSettings::from_env(vars)?;
        let metrics_bind = match vars.optional("METRICS_BIND") {
            None => None,
            Some(raw) => Some(raw.parse().map_err(|e| ConfigError {
                var: "METRICS_BIND",
                reason: format!("cannot parse {raw:?}: {e}"),
            })?),
        };
        let worker = WorkerSettings::from_env(vars, process.environment)?;
        Ok(Self {
            process,
            metrics_bind,
            worker,
        })
    }

    /// Where the process runs.
    pub fn environment(&self) -> Environment {
        self.process.environment
    }
}

/// Why the `worker` binary stopped with an error. Each variant keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] store::db::DbOpenError),
    /// The worker could not start, or stopped on an error.
    #[error(transparent)]
    Worker(#[from] WorkerError),
}

/// Opens the database (migrating it if asked), starts the metrics listener if asked, and runs
/// the worker until `shutdown` is cancelled.
pub async fn run(
    settings: Settings,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) -> Result<(), StartupError> {
    let process = &settings.process;
    let db = store::db::connect(&process.database_url, process.database_max_connections).await?;
    if process.run_migrations {
        store::db::migrate(&db).await?;
    }
    if let Some(addr) = settings.metrics_bind {
        store::metrics::install();
        let (db, clock, token) = (db.clone(), clock.clone(), shutdown.clone());
        tokio::spawn(async move {
            if let Err(e) = store::metrics::serve(addr, db, clock, token).await {
                tracing::error!(error = %e, "metrics endpoint stopped");
            }
        });
    }
    crate::run(db, clock, settings.worker, shutdown).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_env(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn nothing_set_is_the_embedded_default_without_a_metrics_listener() {
        let s = read(&[]).unwrap();
        assert_eq!(s.environment(), Environment::Embedded);
        assert_eq!(
            s.process.database_url,
            store::settings::process::DEFAULT_DATABASE_URL
        );
        assert!(s.process.run_migrations);
        assert_eq!(s.metrics_bind, None);
        assert!(s.worker.allow_console_sink);
    }

    #[test]
    fn production_reads_like_the_api() {
        let e = read(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable DATABASE_URL: required when APP_ENV=production"
        );
        let s = read(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/x"),
            ("METRICS_BIND", "0.0.0.0:9464"),
        ])
        .unwrap();
        assert!(s.process.log_json && !s.process.run_migrations);
        assert!(!s.worker.allow_console_sink);
        assert_eq!(s.metrics_bind, Some(SocketAddr::from(([0, 0, 0, 0], 9464))));
    }

    #[test]
    fn a_bad_metrics_address_names_the_variable() {
        let e = read(&[("METRICS_BIND", "9464")]).unwrap_err();
        assert_eq!(e.var, "METRICS_BIND");
    }
}
