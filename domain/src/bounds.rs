//! Bounds on what the API accepts: every list, free text and duration in input has one, here.
//!
//! Each bound is a named constant so that the check, its error message and the README table
//! "Input bounds" say the same thing. A value past a bound is refused with `BAD_USER_INPUT`
//! naming the field; nothing is truncated silently.

/// Characters in a person's full name (client, officer, decision signer).
pub const MAX_NAME_CHARS: usize = 100;
/// Characters in an address of residence.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Characters in an appointment's place.
pub const MAX_PLACE_CHARS: usize = 300;
/// Characters in the name of an organisation (rehab facility, outside provider, partner app,
/// legal regime).
pub const MAX_ORGANISATION_NAME_CHARS: usize = 200;
/// Characters in a document number (decision number, completion certificate number).
pub const MAX_DOCUMENT_NUMBER_CHARS: usize = 50;
/// Characters in a job title (the signer's title).
pub const MAX_TITLE_CHARS: usize = 100;
/// Characters in a reason (pause, status change, transfer, cancellation, rescheduling).
pub const MAX_REASON_CHARS: usize = 500;
/// Characters in officers' notes on an appointment or its outcome.
pub const MAX_NOTES_CHARS: usize = 2000;
/// Characters in a note recorded with a check-in.
pub const MAX_CHECK_IN_NOTE_CHARS: usize = 500;
/// Characters in a legal regime's code (`LAW_120_2025`).
pub const MAX_CODE_CHARS: usize = 50;
/// Characters in a name search (a full name is at most [`MAX_NAME_CHARS`]).
pub const MAX_SEARCH_CHARS: usize = MAX_NAME_CHARS;
/// Characters in the audit-log filters `entityType` and `action`.
pub const MAX_FILTER_KEYWORD_CHARS: usize = 64;

/// Reminders per appointment: each offset is one message per appointment, paid by the commune.
pub const MAX_REMINDER_OFFSETS: usize = 5;
/// Longest reminder offset: two weeks before the appointment.
pub const MAX_REMINDER_OFFSET_MINUTES: u32 = 14 * 24 * 60;
/// Longest grace after an appointment's end before it counts as missed: a week.
pub const MAX_APPOINTMENT_GRACE_MINUTES: u32 = 7 * 24 * 60;
/// Longest nudge before a check-in window closes: a week, the longest window.
pub const MAX_NUDGE_BEFORE_CLOSE_MINUTES: u32 = 7 * 24 * 60;

/// Longest check-in window: a week, so a weekly check-in closes at the latest when the next opens.
pub const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;
/// Largest step of an "every N days" check-in rule.
pub const MAX_EVERY_N_DAYS: u32 = 366;
/// Largest week step of a weekly check-in rule.
pub const MAX_INTERVAL_WEEKS: u32 = 52;

/// Longest pause of a supervision order (a hospital stay, an approved absence). A longer
/// absence is a suspension of the order, not a pause.
pub const MAX_PAUSE_DAYS: i64 = 366;
/// How far ahead an appointment may be booked.
pub const MAX_APPOINTMENT_AHEAD_DAYS: i64 = 366;
/// Longest appointment: a working day.
pub const MAX_APPOINTMENT_HOURS: i64 = 12;
/// How far back an appointment may be entered (recorded the day after it took place).
pub const MAX_APPOINTMENT_BACKDATING_DAYS: i64 = 1;
/// How far ahead of today a rehab may be recorded as completing.
pub const MAX_REHAB_COMPLETION_AHEAD_DAYS: u64 = 90;
/// Longest period of one compliance count: ten years, the longest term plus its history.
pub const MAX_COMPLIANCE_PERIOD_DAYS: i64 = 3660;
/// Earliest year of birth accepted (guards against typos such as 1099 for 1990).
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;
/// Longest term of management a legal regime may set, in months.
pub const MAX_REGIME_MONTHS: u32 = 120;

/// Communes one partner key may reach (the largest province has fewer).
pub const MAX_API_KEY_COMMUNES: usize = 500;
/// Rules of one legal regime: one per rehab kind and age group.
pub const MAX_REGIME_RULES: usize = 12;
/// Weekdays of a weekly check-in rule.
pub const MAX_WEEKDAYS: usize = 7;
/// Rows of one commune import (the official list has about 3,300 communes after 2025 and
/// 10,600 before).
pub const MAX_IMPORT_ROWS: usize = 20_000;
/// Entries in a partner key's scope list (there are fewer permissions; repeats count).
pub const MAX_API_KEY_SCOPES: usize = 16;

/// Largest loan amount accepted in any input, in đồng (ten times the largest programme cap
/// in force); a programme's own cap is checked after this.
pub const MAX_LOAN_AMOUNT_VND: i64 = 20_000_000_000;
/// Longest loan term accepted in any input, in months (twice the longest programme term).
pub const MAX_LOAN_TERM_MONTHS: u32 = 240;
/// Largest wage, tuition, stipend or other support amount recorded, in đồng.
pub const MAX_SUPPORT_AMOUNT_VND: i64 = 1_000_000_000;
/// Characters in a free-text description (a programme's schedule, a loan's purpose).
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Seats of one training programme or job opening.
pub const MAX_SEATS: u32 = 10_000;
/// People on one eligibility list.
pub const MAX_ELIGIBILITY_LIST_ENTRIES: usize = 1000;
