//! Đồng Hành worker: plans due work from the database and delivers messages.
//!
//! The API crate runs it in-process in the embedded default; the `worker` binary runs it
//! alone in production, in as many copies as the load needs.

pub mod binary;
pub mod budget_gate;
pub mod channel_costs;
pub mod dispatcher;
pub mod gateways;
pub mod heartbeat;
pub mod job_facts;
pub mod planner;
pub mod queue;
pub mod recipient;
pub mod sender;
pub mod zalo_tokens;

use std::{str::FromStr, sync::Arc};

use apalis::prelude::{BoxDynError, Data, WorkerBuilder};
use apalis_cron::{CronScheduler, Tick};
use domain::Clock;
use sea_orm::DatabaseConnection;
pub use store::WorkerSettings;
use tokio_util::sync::CancellationToken;

use store::{links, occurrences::PlanningContext};

use crate::{gateways::Gateways, sender::Sender};

/// Why the worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Database failure that the worker could not ride out.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// A gateway could not be built.
    #[error(transparent)]
    Gateway(#[from] gateways::GatewayBuildError),
    /// Production without any provider would print messages (personal data) to stdout.
    #[error(
        "no SMS or Zalo provider is configured (set ESMS_* or ZALO_*), and ALLOW_CONSOLE_SINK is off"
    )]
    NoGateway,
    /// The apalis delivery queue could not be opened.
    #[error(transparent)]
    Queue(#[from] queue::QueueError),
    /// The planner schedule is not a valid cron expression.
    #[error("PLANNER_CRON: {0}")]
    Schedule(#[source] cron::error::Error),
}

struct PlannerState {
    db: DatabaseConnection,
    planning: PlanningContext,
    clock: Arc<dyn Clock>,
}

async fn planner_tick(_tick: Tick, state: Data<Arc<PlannerState>>) -> Result<(), BoxDynError> {
    let report = planner::tick(&state.db, &state.planning, state.clock.now()).await?;
    if report != planner::TickReport::default() {
        tracing::info!(?report, "planner tick");
    }
    Ok(())
}

/// Runs the worker until `shutdown` is cancelled: the planner on an apalis-cron schedule, the
/// dispatcher moving due outbox rows into the apalis delivery queue, and apalis workers
/// delivering them. Several copies may run against one PostgreSQL.
pub async fn run(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    settings: WorkerSettings,
    shutdown: CancellationToken,
) -> Result<(), WorkerError> {
    let gateways = Gateways::from_settings(&settings.gateways, db.clone(), clock.clone())?;
    if !gateways.any_configured() && !settings.allow_console_sink {
        return Err(WorkerError::NoGateway);
    }
    let link_key = links::key(&db, clock.now()).await?;
    let planning = PlanningContext {
        calendar: settings.calendar(),
        link_key,
        public_base_url: settings.public_base_url.clone(),
        policy_defaults: settings.policy.clone(),
        escalation_defaults: settings.escalation.clone(),
    };
    let sender = Sender::new(
        db.clone(),
        gateways,
        clock.clone(),
        settings.policy.clone(),
        settings.sender.clone(),
    );
    let schedule =
        cron::Schedule::from_str(&settings.planner_cron).map_err(WorkerError::Schedule)?;
    let queue = queue::DeliveryQueue::open(&db, &settings.sender).await?;
    // Alive before the first claim, so no other worker takes this one's claims for dead.
    sender.beat().await?;
    let beating = tokio::spawn(dispatcher::heartbeat(sender.clone(), shutdown.clone()));
    let dispatching = tokio::spawn(dispatcher::dispatch(
        sender.clone(),
        queue.clone(),
        settings.tick,
        shutdown.clone(),
    ));
    let delivering = tokio::spawn(queue.run_workers(
        sender.clone(),
        settings.sender.concurrency,
        shutdown.clone(),
    ));
    let state = Arc::new(PlannerState {
        db,
        planning,
        clock,
    });
    let planner = WorkerBuilder::new("planner")
        .backend(CronScheduler::new(schedule))
        .data(state)
        .build(planner_tick);
    tracing::info!(cron = %settings.planner_cron, "worker started");
    tokio::select! {
        result = planner.run() => {
            if let Err(e) = result {
                tracing::error!(error = %e, "planner stopped");
            }
        }
        () = shutdown.cancelled() => {}
    }
    shutdown.cancel();
    let _ = dispatching.await;
    let _ = delivering.await;
    let _ = beating.await;
    if let Err(e) = sender.retire().await {
        tracing::warn!(error = %e, "releasing this worker's claims failed; they go again when its heartbeat is stale");
    }
    Ok(())
}
