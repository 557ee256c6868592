//! Building and running the application: database, schema, HTTP server, embedded worker.

use std::{ops::Deref, sync::Arc};

use domain::Clock;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    graphql::{self, AppSchema},
    http,
    registry::seed,
    settings::Settings,
};

/// Everything a request handler needs.
pub struct App {
    /// The database (ORM over the shared sqlx pool).
    pub db: DatabaseConnection,
    /// The GraphQL schema.
    pub schema: AppSchema,
    /// The process clock.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub settings: Settings,
    /// Calendar, link key and policy defaults.
    pub planning: store::occurrences::PlanningContext,
    /// Slots and time limit for GraphQL validation and execution.
    pub gate: crate::http::admission::Gate,
    /// Failed-authentication rate limiter (in memory, per process).
    pub auth_limiter: crate::auth::rate_limit::AuthRateLimiter,
    /// Resolved credentials for a few seconds (in memory, per process).
    pub credentials: Arc<crate::auth::cache::CredentialCache>,
}

/// Cheap-to-clone handle on the application.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Database open or migration failure.
    #[error(transparent)]
    Database(#[from] store::db::DbOpenError),
    /// Reference (or demo) data could not be written.
    #[error("cannot load reference data: {0}")]
    Seed(#[source] crate::error::ServiceError),
    /// The check-in link key could not be read or created.
    #[error("cannot load the check-in link key: {0}")]
    LinkKey(#[source] sea_orm::DbErr),
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address asked for.
        addr: std::net::SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// A built application, bound to its port, not yet serving.
pub struct Application {
    state: AppState,
    listener: TcpListener,
}

/// Opens the database, migrates it if asked, and loads reference (and demo) data.
pub async fn prepare_database(
    settings: &Settings,
    clock: &dyn Clock,
) -> Result<DatabaseConnection, StartupError> {
    let db = store::db::connect(
        &settings.process.database_url,
        settings.process.database_max_connections,
    )
    .await?;
    if settings.process.run_migrations {
        store::db::migrate(&db).await?;
        seed::ensure_reference_data(&db, clock.now())
            .await
            .map_err(|e| StartupError::Seed(e.into()))?;
        if settings.seed_demo_data
            && seed::load_demo_sample(&db, clock.now())
                .await
                .map_err(|e| StartupError::Seed(e.into()))?
        {
            tracing::info!("loaded the bundled sample of provinces and communes");
        }
    }
    Ok(db)
}

/// What planning needs: calendar, link key (created once per database), policy defaults.
pub async fn planning_context(
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &dyn Clock,
) -> Result<store::occurrences::PlanningContext, StartupError> {
    let link_key = store::links::key(db, clock.now())
        .await
        .map_err(StartupError::LinkKey)?;
    Ok(store::occurrences::PlanningContext {
        calendar: settings.worker.calendar(),
        link_key,
        public_base_url: settings.worker.public_base_url.clone(),
        policy_defaults: settings.worker.policy.clone(),
        escalation_defaults: settings.worker.escalation.clone(),
    })
}

/// Sees every SQL statement the application runs.
pub type StatementObserver = Arc<dyn Fn(&sea_orm::Statement) + Send + Sync>;

impl Application {
    /// Prepares the database and binds the HTTP port.
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        Self::build_observed(settings, clock, None).await
    }

    /// Like [`Application::build`], calling `on_statement` for every SQL statement the
    /// application runs (tests count the statements a request costs).
    pub async fn build_observed(
        settings: Settings,
        clock: Arc<dyn Clock>,
        on_statement: Option<Arc<dyn Fn() + Send + Sync>>,
    ) -> Result<Self, StartupError> {
        let traced = on_statement.map(|callback| -> StatementObserver {
            Arc::new(move |_: &sea_orm::Statement| callback())
        });
        Self::build_traced(settings, clock, traced).await
    }

    /// Like [`Application::build`], handing every SQL statement the application runs (text
    /// and values) to `on_statement` (tests `EXPLAIN` the statements real requests issue).
    pub async fn build_traced(
        settings: Settings,
        clock: Arc<dyn Clock>,
        on_statement: Option<StatementObserver>,
    ) -> Result<Self, StartupError> {
        let mut db = prepare_database(&settings, clock.as_ref()).await?;
        if let Some(callback) = on_statement {
            db.set_metric_callback(move |info| callback(info.statement));
        }
        let listener = TcpListener::bind(settings.bind_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: settings.bind_addr,
                source,
            })?;
        let planning = planning_context(&db, &settings, clock.as_ref()).await?;
        if settings.seed_demo_data && settings.process.run_migrations && settings.seed_demo_clients
        {
            match crate::registry::demo::load(&db, &planning, clock.now()).await {
                Ok(true) => {
                    tracing::info!("loaded demo clients, orders, check-in plans and appointments")
                }
                Ok(false) => {}
                Err(e) => return Err(StartupError::Seed(e.into())),
            }
        }
        let schema = graphql::build_schema(&settings, db.clone(), planning.clone());
        let auth_limiter =
            crate::auth::rate_limit::AuthRateLimiter::new(settings.auth_rate_limit.clone());
        let credentials = Arc::new(crate::auth::cache::CredentialCache::new(
            chrono::Duration::seconds(i64::from(settings.auth_cache_ttl_seconds)),
        ));
        Ok(Self {
            state: AppState(Arc::new(App {
                gate: crate::http::admission::Gate::new(&settings.limits),
                db,
                schema,
                clock,
                settings,
                planning,
                auth_limiter,
                credentials,
            })),
            listener,
        })
    }

    /// The bound port (useful with port 0 in tests).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The database handle, for tests and the embedded worker.
    pub fn db(&self) -> DatabaseConnection {
        self.state.db.clone()
    }

    /// Serves until `shutdown` is cancelled, then drains in-flight requests.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let router = http::router(self.state.clone());
        // The connecting address feeds the failed-authentication rate limiter.
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    }
}

/// Cancels `token` on SIGTERM or Ctrl-C.
pub use store::signals::cancel_on_signal;
