//! Schedules: check-in plans and their occurrences, check-ins, appointments.

pub mod appointments;
pub mod budgets;
pub mod check_ins;
pub mod costs;
pub mod escalation_feed;
pub mod escalations;
pub mod messages;
pub mod plans;
pub mod prices;
pub mod zalo_invitations;
