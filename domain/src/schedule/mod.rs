//! Check-in schedules: from a supervision plan to dated check-in windows.
//!
//! Pure functions, no I/O. Plans are made in local Vietnamese time (Asia/Ho_Chi_Minh) and
//! every instant that leaves this module is UTC. Public holidays follow the Labour Code
//! 2019 (Art. 112) with the government's yearly choices kept as data.

mod appointment_rules;
mod deadline;
mod expand;
mod holidays;
mod lunar;
mod plan;
mod rule;
mod window;

#[cfg(test)]
mod expand_tests;
#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod proptests;

pub use appointment_rules::{
    AppointmentKind, AppointmentRuleError, DrugTestResult, Outcome, check_outcome, check_times,
    reminder_times,
};
pub use deadline::is_late;
pub use expand::{Occurrence, SkipReason, Skipped, expand, skipped};
pub use holidays::{HolidayCalendar, HolidayName, NationalDayExtra};
pub use lunar::{LunarDate, solar_to_lunar};
pub use plan::{HolidayPolicy, Pause, Plan, PlanChange, PlanError, split_for_change};
pub use rule::{CheckInRule, RuleError};
pub use window::{CheckInWindow, MAX_WINDOW_MINUTES, WindowError};

/// The time zone in which plans, windows and holidays are read.
pub const TIME_ZONE: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;
