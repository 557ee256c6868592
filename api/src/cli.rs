//! The `api` command line: serve (default), bootstrap an administrator, import communes,
//! migrate, print the schema.

use std::sync::Arc;

use domain::{Clock, SystemClock};
use store::env::ConfigError;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::credentials,
    error::ServiceError,
    registry::import,
    settings::Settings,
    startup::{self, Application, StartupError},
};

const USAGE: &str = "\
usage: api [command]

commands:
  serve                                   run the API (and the worker, unless RUN_WORKER=false); the default
  bootstrap-admin --name NAME [--province CODE]
                                          create an administrator and print its bearer token
  import-communes FILE.csv                import the official list of provinces and communes
  migrate                                 bring the database schema up to date and exit
  print-schema                            print the GraphQL schema (SDL)
";

/// A command-line failure, printed to stderr with exit code 2. Each variant keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Wrong arguments.
    #[error("{0}\n\n{USAGE}")]
    Usage(String),
    /// A setting is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database, reference data or HTTP port could not be set up.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The command was refused (an invalid name or CSV row) or failed inside.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file asked for.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A database statement failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The delivery queue's schema could not be created.
    #[error("delivery queue: {0}")]
    Queue(#[from] crate::embedded::QueueError),
    /// The HTTP server stopped on an error.
    #[error("server: {0}")]
    Serve(#[source] std::io::Error),
    /// The in-process worker stopped on an error.
    #[error("worker: {0}")]
    Worker(#[from] crate::embedded::WorkerError),
    /// The in-process worker's task panicked or was aborted.
    #[error("worker task: {0}")]
    WorkerTask(#[from] tokio::task::JoinError),
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Runs the command named by `args` (without the program name).
pub async fn run(args: Vec<String>) -> Result<(), CliError> {
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if command == "print-schema" {
        print!("{}", crate::graphql::sdl());
        return Ok(());
    }
    if matches!(command, "-h" | "--help" | "help") {
        println!("{USAGE}");
        return Ok(());
    }
    let mut settings = Settings::from_process()?;
    store::telemetry::init(settings.process.log_json);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        "serve" => serve(settings, clock).await,
        "migrate" => {
            settings.process.run_migrations = true;
            settings.seed_demo_data = false;
            let db = startup::prepare_database(&settings, clock.as_ref()).await?;
            // The delivery queue's own schema too, so workers never need the rights its
            // migrations ask for (`CREATE EXTENSION hstore` on PostgreSQL).
            crate::embedded::prepare_delivery_queue(&db, &settings.worker).await?;
            println!("database and delivery queue are up to date");
            Ok(())
        }
        "bootstrap-admin" => {
            let name = flag(&args, "--name")
                .ok_or_else(|| CliError::Usage("--name is required".into()))?;
            let province = flag(&args, "--province")
                .map(|p| domain::ProvinceCode::parse(&p).map(|p| p.as_str().to_owned()))
                .transpose()
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let db = startup::prepare_database(&settings, clock.as_ref()).await?;
            let ttl = chrono::Duration::days(settings.access_token_ttl_days);
            let (_, token, expires_at) =
                credentials::bootstrap_administrator(&db, &name, province, clock.now(), ttl)
                    .await
                    .map_err(ServiceError::from)?;
            println!(
                "administrator created; bearer token (shown once, valid until {expires_at}):\n{token}"
            );
            Ok(())
        }
        "import-communes" => {
            let path = args
                .get(1)
                .ok_or_else(|| CliError::Usage("import-communes needs a CSV file".into()))?;
            let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
                path: path.clone(),
                source,
            })?;
            let db = startup::prepare_database(&settings, clock.as_ref()).await?;
            let txn = store::db::begin_write(&db).await?;
            let s = import::import_communes(&txn, &text, clock.now())
                .await
                .map_err(ServiceError::from)?;
            txn.commit().await?;
            println!(
                "imported {} provinces, {} communes, {} former units",
                s.provinces, s.communes, s.former_communes
            );
            Ok(())
        }
        other => Err(CliError::Usage(format!("unknown command {other:?}"))),
    }
}

async fn serve(settings: Settings, clock: Arc<dyn Clock>) -> Result<(), CliError> {
    let app = Application::build(settings.clone(), clock.clone()).await?;
    let shutdown = CancellationToken::new();
    tokio::spawn(startup::cancel_on_signal(shutdown.clone()));
    let worker = settings.run_worker.then(|| {
        crate::embedded::spawn(
            app.db(),
            clock.clone(),
            settings.worker.clone(),
            shutdown.clone(),
        )
    });
    let addr = settings.bind_addr.ip();
    let url = format!("http://{}:{}/graphql", addr, app.port());
    tracing::info!(%url, graphiql = settings.graphiql, worker = settings.run_worker, "Đồng Hành API listening");
    println!(
        "GraphQL: {url}{}",
        if settings.graphiql {
            " (GraphiQL: open it in a browser)"
        } else {
            ""
        }
    );
    app.run_until_stopped(shutdown.clone())
        .await
        .map_err(CliError::Serve)?;
    shutdown.cancel();
    if let Some(handle) = worker {
        handle.await??;
    }
    Ok(())
}
