//! API tests over real HTTP: registry workflows, authorization matrix, bad input, schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod appointments;
mod authorization;
mod bad_input;
mod check_ins;
mod concurrent_writes;
mod credentials;
mod escalations;
mod input_hygiene;
mod links;
mod loan_programmes;
mod loans;
mod messages;
mod officer_access;
mod place_code_types;
mod placements;
mod policies;
mod query_counts;
mod read_costs;
mod registry;
mod responses;
mod schema;
mod scope_leaks;
mod seats;
mod webhooks;
