//! What the tests and benchmarks of Đồng Hành share, in one home: fixture rows written without
//! the API ([`fixtures`]), scratch databases ([`databases`]) and the fake gateways' answers
//! ([`gateways`]). A dev-dependency of the test crates; the benchmarks use it too.

pub mod databases;
pub mod fixtures;
pub mod gateways;
