//! Escalation of missed check-ins (issue 11): who must hear that a client went silent, how the
//! alert moves up a commune's chain when nobody reacts, and who owns it until it is closed.
//!
//! Plain rules only: the worker's sweep and the API call these with rows they loaded.

pub mod ack_code;
pub mod digest;
pub mod lifecycle;
pub mod policy;
pub mod trigger;

pub use ack_code::AckCode;
pub use lifecycle::{AckMethod, EscalationState, EscalationStatus, LifecycleError, Outcome, Step};
pub use policy::{EscalationPolicy, Level, LevelAudience, PolicyError};
