//! Benchmark support shared by the `bench` command and tests: the data generator.

pub mod generate;
