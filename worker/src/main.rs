//! `worker`: the Đồng Hành worker alone (production: any number of copies on PostgreSQL).

use std::{process::ExitCode, sync::Arc};

use domain::SystemClock;
use store::{WorkerSettings, env};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> ExitCode {
    env::load_dotenv();
    let json = env::optional("LOG_FORMAT").as_deref() == Some("json");
    store::telemetry::init(json);
    let result = async {
        let settings = WorkerSettings::from_env().map_err(|e| e.to_string())?;
        let url =
            env::optional("DATABASE_URL").unwrap_or_else(|| "sqlite://data/donghanh.db".into());
        let pool_size = env::parse_or("DATABASE_MAX_CONNECTIONS", 10).map_err(|e| e.to_string())?;
        let db = store::db::connect(&url, pool_size)
            .await
            .map_err(|e| e.to_string())?;
        if env::bool_or("RUN_MIGRATIONS", false).map_err(|e| e.to_string())? {
            store::db::migrate(&db).await.map_err(|e| e.to_string())?;
        }
        let shutdown = CancellationToken::new();
        tokio::spawn(store::signals::cancel_on_signal(shutdown.clone()));
        // `METRICS_BIND` (e.g. 0.0.0.0:9464): where Prometheus scrapes this worker's counters.
        if let Some(addr) = env::optional("METRICS_BIND") {
            let addr: std::net::SocketAddr =
                addr.parse().map_err(|e| format!("METRICS_BIND: {e}"))?;
            store::metrics::install();
            let (db, token) = (db.clone(), shutdown.clone());
            tokio::spawn(async move {
                if let Err(e) = store::metrics::serve(addr, db, Arc::new(SystemClock), token).await
                {
                    tracing::error!(error = %e, "metrics endpoint stopped");
                }
            });
        }
        worker::run(db, Arc::new(SystemClock), settings, shutdown)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
