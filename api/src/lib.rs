//! Đồng Hành API: GraphQL over HTTP for partner apps, officers and administrators.
//!
//! `main.rs` only parses the command line; everything else lives here so tests drive the same
//! code as the binary.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod context;
pub mod embedded;
pub mod error;
pub mod graphql;
pub mod http;
pub mod input;
pub mod pagination;
pub mod registry;
pub mod schedules;
pub mod scope;
pub mod settings;
pub mod startup;
pub mod support;
