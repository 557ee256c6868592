//! The rules of appointments as plain functions: kinds, outcomes, times, reminder instants.

use chrono::{DateTime, Duration, Utc};

use crate::bounds::{
    MAX_APPOINTMENT_AHEAD_DAYS, MAX_APPOINTMENT_BACKDATING_DAYS, MAX_APPOINTMENT_HOURS,
};

/// What an appointment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentKind {
    /// Counselling session (tư vấn).
    CounsellingSession,
    /// Drug test; its result is health data.
    DrugTest,
    /// Meeting with the case officer.
    CaseOfficerMeeting,
    /// Health or methadone visit.
    HealthVisit,
    /// Vocational class.
    VocationalClass,
    /// Job interview.
    JobInterview,
    /// Meeting about a loan (social policy bank).
    LoanMeeting,
    /// Anything else; the notes say what.
    Other,
}

impl AppointmentKind {
    /// All kinds.
    pub const ALL: [AppointmentKind; 8] = [
        Self::CounsellingSession,
        Self::DrugTest,
        Self::CaseOfficerMeeting,
        Self::HealthVisit,
        Self::VocationalClass,
        Self::JobInterview,
        Self::LoanMeeting,
        Self::Other,
    ];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CounsellingSession => "counselling_session",
            Self::DrugTest => "drug_test",
            Self::CaseOfficerMeeting => "case_officer_meeting",
            Self::HealthVisit => "health_visit",
            Self::VocationalClass => "vocational_class",
            Self::JobInterview => "job_interview",
            Self::LoanMeeting => "loan_meeting",
            Self::Other => "other",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Result of a drug test (health data: read with `health:read` only, every read audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrugTestResult {
    /// No substance found.
    Negative,
    /// Substance found.
    Positive,
    /// The sample could not be read.
    Invalid,
    /// The client refused the test.
    Refused,
}

impl DrugTestResult {
    /// All results.
    pub const ALL: [DrugTestResult; 4] =
        [Self::Negative, Self::Positive, Self::Invalid, Self::Refused];

    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Negative => "negative",
            Self::Positive => "positive",
            Self::Invalid => "invalid",
            Self::Refused => "refused",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a person records once an appointment has taken place (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The client came.
    Attended,
    /// The client did not come.
    Missed,
}

/// Why an appointment's times or outcome are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentRuleError {
    /// The end is not after the start.
    #[error("must be after startsAt")]
    EndsBeforeStart,
    /// The appointment lasts longer than the bound.
    #[error("an appointment lasts at most {} hours", MAX_APPOINTMENT_HOURS)]
    TooLong,
    /// The start is further ahead than the bound.
    #[error("cannot be more than {} days ahead", MAX_APPOINTMENT_AHEAD_DAYS)]
    TooFarAhead,
    /// The start is further back than the bound.
    #[error("cannot be more than one day in the past")]
    TooFarBack,
    /// A test result on an appointment that is not a drug test.
    #[error("only a drug test appointment has a test result")]
    ResultWithoutDrugTest,
    /// A test result on a missed appointment.
    #[error("a missed appointment has no test result")]
    ResultOnMissed,
}

/// Longest appointment accepted.
const MAX_LENGTH: Duration = Duration::hours(MAX_APPOINTMENT_HOURS);
/// How far back an appointment may be entered.
const MAX_BACKDATING: Duration = Duration::days(MAX_APPOINTMENT_BACKDATING_DAYS);
/// How far ahead an appointment may be booked.
const MAX_AHEAD: Duration = Duration::days(MAX_APPOINTMENT_AHEAD_DAYS);

/// Checks the times of a new or moved appointment.
pub fn check_times(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppointmentRuleError> {
    if ends_at <= starts_at {
        return Err(AppointmentRuleError::EndsBeforeStart);
    }
    if ends_at - starts_at > MAX_LENGTH {
        return Err(AppointmentRuleError::TooLong);
    }
    if starts_at > now + MAX_AHEAD {
        return Err(AppointmentRuleError::TooFarAhead);
    }
    if starts_at < now - MAX_BACKDATING {
        return Err(AppointmentRuleError::TooFarBack);
    }
    Ok(())
}

/// The reminders still to send: `(offset in minutes, due instant)` for each offset whose due
/// instant is after `now`.
pub fn reminder_times(
    starts_at: DateTime<Utc>,
    offsets: &[Duration],
    now: DateTime<Utc>,
) -> Vec<(i64, DateTime<Utc>)> {
    offsets
        .iter()
        .map(|o| (o.num_minutes(), starts_at - *o))
        .filter(|(_, due)| *due > now)
        .collect()
}

/// Checks that an outcome fits the appointment: a drug test result only on an attended drug test.
pub fn check_outcome(
    kind: AppointmentKind,
    outcome: Outcome,
    result: Option<DrugTestResult>,
) -> Result<(), AppointmentRuleError> {
    match result {
        Some(_) if kind != AppointmentKind::DrugTest => {
            Err(AppointmentRuleError::ResultWithoutDrugTest)
        }
        Some(_) if outcome != Outcome::Attended => Err(AppointmentRuleError::ResultOnMissed),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn times_must_be_ordered_short_and_recent() {
        let now = at(1);
        assert!(check_times(at(3), at(4), now).is_ok());
        assert_eq!(
            check_times(at(4), at(3), now),
            Err(AppointmentRuleError::EndsBeforeStart)
        );
        assert_eq!(
            check_times(at(4), at(4), now),
            Err(AppointmentRuleError::EndsBeforeStart)
        );
        assert_eq!(
            check_times(at(2), at(2) + Duration::minutes(12 * 60 + 1), now),
            Err(AppointmentRuleError::TooLong)
        );
        assert!(check_times(at(2), at(14), now).is_ok());
        let long_ago = now - Duration::days(1) - Duration::minutes(1);
        assert_eq!(
            check_times(long_ago, long_ago + Duration::hours(1), now),
            Err(AppointmentRuleError::TooFarBack)
        );
        let next_year = now + Duration::days(366);
        assert!(check_times(next_year, next_year + Duration::hours(1), now).is_ok());
        let too_far = next_year + Duration::minutes(1);
        assert_eq!(
            check_times(too_far, too_far + Duration::hours(1), now),
            Err(AppointmentRuleError::TooFarAhead)
        );
        let yesterday = now - Duration::hours(23);
        assert!(check_times(yesterday, yesterday + Duration::hours(1), now).is_ok());
    }

    #[test]
    fn reminders_whose_time_has_passed_are_left_out() {
        let offsets = [Duration::minutes(1440), Duration::minutes(120)];
        let starts = at(10);
        let all = reminder_times(starts, &offsets, starts - Duration::days(2));
        assert_eq!(
            all,
            vec![
                (1440, starts - Duration::days(1)),
                (120, starts - Duration::hours(2))
            ]
        );
        let late = reminder_times(starts, &offsets, starts - Duration::hours(5));
        assert_eq!(late, vec![(120, starts - Duration::hours(2))]);
        assert!(reminder_times(starts, &offsets, starts - Duration::hours(2)).is_empty());
    }

    #[test]
    fn only_attended_drug_tests_carry_a_result() {
        use AppointmentKind::*;
        let r = Some(DrugTestResult::Negative);
        assert!(check_outcome(DrugTest, Outcome::Attended, r).is_ok());
        assert_eq!(
            check_outcome(DrugTest, Outcome::Missed, r),
            Err(AppointmentRuleError::ResultOnMissed)
        );
        assert_eq!(
            check_outcome(CounsellingSession, Outcome::Attended, r),
            Err(AppointmentRuleError::ResultWithoutDrugTest)
        );
        assert!(check_outcome(CounsellingSession, Outcome::Missed, None).is_ok());
    }

    #[test]
    fn messages_name_the_bounds() {
        assert_eq!(
            AppointmentRuleError::TooLong.to_string(),
            format!("an appointment lasts at most {MAX_APPOINTMENT_HOURS} hours")
        );
        assert_eq!(
            AppointmentRuleError::TooFarAhead.to_string(),
            format!("cannot be more than {MAX_APPOINTMENT_AHEAD_DAYS} days ahead")
        );
    }

    #[test]
    fn stored_forms_round_trip() {
        for k in AppointmentKind::ALL {
            assert_eq!(AppointmentKind::from_stored(k.as_str()), Some(k));
        }
        for r in DrugTestResult::ALL {
            assert_eq!(DrugTestResult::from_stored(r.as_str()), Some(r));
        }
    }
}
