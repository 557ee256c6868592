//! API tests over real HTTP: registry workflows, authorization matrix, bad input, schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod appointments;
mod authorization;
mod bad_input;
mod check_ins;
mod links;
mod messages;
mod policies;
mod query_counts;
mod registry;
mod schema;
mod webhooks;
