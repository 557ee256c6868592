//! Domain rules and value types of Đồng Hành.
//!
//! Everything here is plain Rust: no database, no network, no clock reads. Values that
//! cross the edge of the system (phone numbers, national IDs, unit codes) are newtypes
//! that can only be built by parsing, so code past the edge never re-checks them.

pub mod access;
pub mod bounds;
pub mod clock;
pub mod escalation;
pub mod loan;
pub mod messaging;
pub mod national_id;
pub mod officer_rights;
pub mod order;
pub mod person;
pub mod phone;
pub mod place;
pub mod placement;
pub mod schedule;
pub mod search;
pub mod text;
pub mod time;

pub use clock::{Clock, ManualClock, SystemClock};
pub use national_id::Cccd;
pub use phone::Phone;
pub use place::{CommuneCode, ProvinceCode};
