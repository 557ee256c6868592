//! The registry: places, legal regimes, officers, clients and supervision orders.
//!
//! Each service function takes the request context, checks the caller's permission, narrows
//! every query to the caller's scope, and does its writes (with their audit entries) in one
//! transaction.

pub mod api_keys;
pub mod client_pages;
pub mod clients;
pub mod demo;
pub mod import;
pub mod officer_tokens;
pub mod officers;
pub mod orders;
pub mod place_cache;
pub mod places;
pub mod policies;
pub mod reachability;
pub mod regimes;
pub mod seed;
pub mod transfers;
