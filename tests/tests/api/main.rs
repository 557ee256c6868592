//! API tests over real HTTP: registry workflows, authorization matrix, bad input, schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authorization;
mod bad_input;
mod registry;
mod schema;
