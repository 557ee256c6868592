//! One module per scenario; each `run` prints its figures and returns its [`Report`].
//!
//! [`Report`]: crate::harness::report::Report

pub mod burst;
pub mod ceilings;
pub mod escalation_queue;
pub mod footprint;
pub mod reads;
pub mod sweeps;
pub mod writes;

use crate::harness::{options::Options, report::Report};

/// Every scenario's name, in the order `bench/run-all.sh` runs them.
pub const NAMES: [&str; 9] = [
    "cold-start",
    "commune-page",
    "client-record",
    "agenda",
    "escalation-queue",
    "write-mix",
    "rss",
    "monday-burst",
    "sweeps",
];

/// Runs the scenario called `name`.
pub async fn run(name: &str, options: &Options) -> Result<Report, String> {
    match name {
        "commune-page" => reads::run(reads::Read::CommunePage, options).await,
        "client-record" => reads::run(reads::Read::ClientRecord, options).await,
        "agenda" => reads::run(reads::Read::Agenda, options).await,
        "escalation-queue" => escalation_queue::run(options).await,
        "write-mix" => writes::run(options).await,
        "monday-burst" => burst::run(options).await,
        "sweeps" => sweeps::run(options).await,
        "rss" => footprint::rss(options).await,
        "cold-start" => footprint::cold_start(options).await,
        other => Err(format!(
            "unknown scenario {other:?}; one of: {}",
            NAMES.join(", ")
        )),
    }
}
