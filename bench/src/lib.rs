//! On-demand benchmarks of Đồng Hành (results in `docs/benchmarks.md`; CI runs only the smoke
//! test in `bench/tests/`, without timing assertions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod harness;
pub mod scenarios;
