//! Đồng Hành persistence and the plumbing both binaries share.
//!
//! The API and the worker both depend on this crate; it depends on neither. It owns the
//! outbox (every message's lifecycle), policies, check-in plans and their occurrences,
//! appointments, check-in links, the database connection and write transactions, settings,
//! telemetry, signals and metrics.

pub mod alerts;
pub mod appointments;
pub mod budget;
pub mod channel_knowledge;
pub mod db;
pub mod env;
pub mod escalation;
pub mod group_commit;
pub mod links;
pub mod loans;
pub mod metrics;
pub mod occurrences;
pub mod orders;
pub mod outbox;
pub mod policy;
pub mod pricing;
pub mod reach;
pub mod settings;
pub mod signals;
pub mod telemetry;
pub mod zalo_invitations;

pub use settings::{Environment, ProcessSettings, WorkerSettings};
