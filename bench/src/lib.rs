//! Benchmarks of Đồng Hành: the data generator, and one scenario per measured path (results in
//! `docs/benchmarks.md`; CI runs only the smoke tests in `bench/tests/`, without timing
//! assertions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod generate;
pub mod harness;
pub mod scenarios;
