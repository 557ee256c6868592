//! Escalation of missed check-ins to commune officers (issue 11): the sweep that opens
//! escalations and moves them up, their alerts and acknowledgement credentials, and taking and
//! closing them. The rules are in `domain::escalation`; this is their storage and timing.

pub mod audience;
pub mod credentials;
pub mod events;
mod notify;
pub mod ownership;
pub mod policy;
pub mod sweep;

pub use ownership::{CodeReply, OwnershipError, acknowledge, acknowledge_by_code, resolve};
pub use sweep::{SweepReport, sweep};
