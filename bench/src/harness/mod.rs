//! What every scenario shares: its options, the machine it ran on, the load generators, the
//! API run as a child process, the officer it reads as, and where its figures go.

pub mod api_process;
pub mod load;
pub mod machine;
pub mod options;
pub mod report;
pub mod server;
pub mod subject;
