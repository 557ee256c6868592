//! Per-commune policy: every duration is data. Deployment defaults come from the environment;
//! a commune may override any of them (table `commune_policies`, JSON of [`PolicyOverrides`]).

use chrono::{Duration, NaiveTime};
use domain::{
    bounds::{
        MAX_APPOINTMENT_GRACE_MINUTES, MAX_NUDGE_BEFORE_CLOSE_MINUTES, MAX_REMINDER_OFFSET_MINUTES,
        MAX_REMINDER_OFFSETS,
    },
    messaging::quiet_hours::QuietHours,
    schedule::HolidayPolicy,
};
use entities::commune_policy;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::env::{ConfigError, Source};

/// The effective policy of one commune.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Appointment reminders go out this long before the start (default: 1 day and 2 hours).
    pub reminder_offsets: Vec<Duration>,
    /// An appointment with no outcome this long after its end becomes missed.
    pub appointment_grace: Duration,
    /// One nudge this long before a check-in window closes, if the client has not checked in.
    pub nudge_before_close: Duration,
    /// No message to a person inside these local hours, unless urgent.
    pub quiet_hours: QuietHours,
    /// What a check-in on a public holiday does by default.
    pub holiday_policy: HolidayPolicy,
    /// How far ahead check-in occurrences are materialised.
    pub planning_horizon: Duration,
}

/// Overrides a commune may set; absent fields keep the deployment default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyOverrides {
    /// Minutes before an appointment.
    pub reminder_offsets_minutes: Option<Vec<u32>>,
    /// Minutes after an appointment's end.
    pub appointment_grace_minutes: Option<u32>,
    /// Minutes before a window closes.
    pub nudge_before_close_minutes: Option<u32>,
    /// Local `HH:MM`.
    pub quiet_hours_start: Option<String>,
    /// Local `HH:MM`.
    pub quiet_hours_end: Option<String>,
    /// `skip` or `move_to_next_working_day`.
    pub holiday_policy: Option<String>,
}

fn parse_time(var: &'static str, raw: &str) -> Result<NaiveTime, ConfigError> {
    NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| ConfigError {
        var,
        reason: format!("expected HH:MM, got {raw:?}"),
    })
}

fn parse_holiday_policy(var: &'static str, raw: &str) -> Result<HolidayPolicy, ConfigError> {
    HolidayPolicy::from_stored(raw).ok_or_else(|| ConfigError {
        var,
        reason: format!("expected skip or move_to_next_working_day, got {raw:?}"),
    })
}

/// A list of reminder offsets in minutes (`REMINDER_OFFSETS_MINUTES` or a commune's override):
/// each between 1 and [`MAX_REMINDER_OFFSET_MINUTES`], distinct, at most
/// [`MAX_REMINDER_OFFSETS`] of them, since each is one message per appointment.
fn minutes_list(var: &'static str, minutes: &[u32]) -> Result<Vec<Duration>, ConfigError> {
    if minutes.len() > MAX_REMINDER_OFFSETS {
        return Err(ConfigError {
            var,
            reason: format!(
                "at most {MAX_REMINDER_OFFSETS} reminder offsets, got {}",
                minutes.len()
            ),
        });
    }
    let mut offsets: Vec<Duration> = Vec::with_capacity(minutes.len());
    for &m in minutes {
        if !(1..=MAX_REMINDER_OFFSET_MINUTES).contains(&m) {
            return Err(out_of_range(var, m));
        }
        let offset = Duration::minutes(i64::from(m));
        if offsets.contains(&offset) {
            return Err(ConfigError {
                var,
                reason: format!("reminder offset {m} is listed twice"),
            });
        }
        offsets.push(offset);
    }
    Ok(offsets)
}

/// The comma-separated minutes of `REMINDER_OFFSETS_MINUTES`, checked by [`minutes_list`].
fn minutes_var(var: &'static str, raw: &str) -> Result<Vec<Duration>, ConfigError> {
    let minutes = raw
        .split(',')
        .map(|m| m.trim().parse::<u32>().map_err(|_| out_of_range(var, m)))
        .collect::<Result<Vec<_>, _>>()?;
    minutes_list(var, &minutes)
}

fn out_of_range(var: &'static str, got: impl std::fmt::Debug) -> ConfigError {
    ConfigError {
        var,
        reason: format!(
            "expected minutes between 1 and {MAX_REMINDER_OFFSET_MINUTES}, got {got:?}"
        ),
    }
}

fn bounded_minutes(var: &'static str, minutes: u32, max: u32) -> Result<Duration, ConfigError> {
    if minutes > max {
        return Err(ConfigError {
            var,
            reason: format!("at most {max} minutes, got {minutes}"),
        });
    }
    Ok(Duration::minutes(i64::from(minutes)))
}

impl Policy {
    /// Deployment defaults, from `REMINDER_OFFSETS_MINUTES` (1440,120),
    /// `APPOINTMENT_GRACE_MINUTES` (120), `NUDGE_BEFORE_CLOSE_MINUTES` (120),
    /// `QUIET_HOURS_START`/`QUIET_HOURS_END` (21:00/07:00), `HOLIDAY_POLICY` (skip),
    /// `PLANNING_HORIZON_DAYS` (14).
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        let offsets = vars
            .optional("REMINDER_OFFSETS_MINUTES")
            .unwrap_or_else(|| "1440,120".into());
        let start = vars
            .optional("QUIET_HOURS_START")
            .unwrap_or_else(|| "21:00".into());
        let end = vars
            .optional("QUIET_HOURS_END")
            .unwrap_or_else(|| "07:00".into());
        let holiday = vars
            .optional("HOLIDAY_POLICY")
            .unwrap_or_else(|| "skip".into());
        Ok(Self {
            reminder_offsets: minutes_var("REMINDER_OFFSETS_MINUTES", &offsets)?,
            appointment_grace: bounded_minutes(
                "APPOINTMENT_GRACE_MINUTES",
                vars.parse_or("APPOINTMENT_GRACE_MINUTES", 120)?,
                MAX_APPOINTMENT_GRACE_MINUTES,
            )?,
            nudge_before_close: bounded_minutes(
                "NUDGE_BEFORE_CLOSE_MINUTES",
                vars.parse_or("NUDGE_BEFORE_CLOSE_MINUTES", 120)?,
                MAX_NUDGE_BEFORE_CLOSE_MINUTES,
            )?,
            quiet_hours: QuietHours::new(
                parse_time("QUIET_HOURS_START", &start)?,
                parse_time("QUIET_HOURS_END", &end)?,
            ),
            holiday_policy: parse_holiday_policy("HOLIDAY_POLICY", &holiday)?,
            planning_horizon: Duration::days(vars.parse_or("PLANNING_HORIZON_DAYS", 14)?),
        })
    }

    /// The built-in defaults (what `from_env` gives with nothing set).
    pub fn defaults() -> Self {
        Self {
            reminder_offsets: vec![Duration::minutes(1440), Duration::minutes(120)],
            appointment_grace: Duration::minutes(120),
            nudge_before_close: Duration::minutes(120),
            quiet_hours: QuietHours::default(),
            holiday_policy: HolidayPolicy::Skip,
            planning_horizon: Duration::days(14),
        }
    }

    /// These defaults with a commune's overrides applied; invalid overrides are refused.
    pub fn with_overrides(&self, o: &PolicyOverrides) -> Result<Self, ConfigError> {
        let mut p = self.clone();
        if let Some(list) = &o.reminder_offsets_minutes {
            p.reminder_offsets = minutes_list("reminderOffsetsMinutes", list)?;
        }
        if let Some(m) = o.appointment_grace_minutes {
            p.appointment_grace =
                bounded_minutes("appointmentGraceMinutes", m, MAX_APPOINTMENT_GRACE_MINUTES)?;
        }
        if let Some(m) = o.nudge_before_close_minutes {
            p.nudge_before_close =
                bounded_minutes("nudgeBeforeCloseMinutes", m, MAX_NUDGE_BEFORE_CLOSE_MINUTES)?;
        }
        let start = o
            .quiet_hours_start
            .as_deref()
            .map(|s| parse_time("quietHoursStart", s))
            .transpose()?;
        let end = o
            .quiet_hours_end
            .as_deref()
            .map(|s| parse_time("quietHoursEnd", s))
            .transpose()?;
        if start.is_some() || end.is_some() {
            p.quiet_hours = QuietHours::new(
                start.unwrap_or(p.quiet_hours.start),
                end.unwrap_or(p.quiet_hours.end),
            );
        }
        if let Some(h) = &o.holiday_policy {
            p.holiday_policy = parse_holiday_policy("holidayPolicy", h)?;
        }
        Ok(p)
    }
}

/// The effective policy of a commune: defaults plus its stored overrides.
pub async fn policy_for(
    db: &impl ConnectionTrait,
    defaults: &Policy,
    commune_code: &str,
) -> Result<Policy, DbErr> {
    let row = commune_policy::Entity::find_by_id(commune_code.to_owned())
        .one(db)
        .await?;
    effective_policy(defaults, commune_code, row.as_ref())
}

/// The effective policies of several communes, read in one statement (a delivery job's
/// messages); a commune without overrides gets the defaults. A stored row that cannot be
/// read is an error for that commune only (its messages wait; the others go).
pub async fn policies_for(
    db: &impl ConnectionTrait,
    defaults: &Policy,
    commune_codes: &[String],
) -> Result<std::collections::HashMap<String, Result<Policy, String>>, DbErr> {
    let mut rows: std::collections::HashMap<String, commune_policy::Model> =
        commune_policy::Entity::find()
            .filter(commune_policy::Column::CommuneCode.is_in(commune_codes.iter().cloned()))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.commune_code.clone(), row))
            .collect();
    Ok(commune_codes
        .iter()
        .map(|code| {
            let policy = effective_policy(defaults, code, rows.remove(code).as_ref())
                .map_err(|e| e.to_string());
            (code.clone(), policy)
        })
        .collect())
}

/// Defaults plus the stored overrides `row` of `commune_code` (none: the defaults).
fn effective_policy(
    defaults: &Policy,
    commune_code: &str,
    row: Option<&commune_policy::Model>,
) -> Result<Policy, DbErr> {
    let Some(row) = row else {
        return Ok(defaults.clone());
    };
    let mut overrides: PolicyOverrides = serde_json::from_str(&row.overrides)
        .map_err(|e| DbErr::Custom(format!("commune policy {commune_code}: {e}")))?;
    if let Some(list) = overrides.reminder_offsets_minutes.as_mut() {
        // Rows stored before the offsets were bounded are read within the bound (the first
        // distinct offsets), so that one old row can neither fan out nor stop the reminders.
        let before = list.len();
        let mut seen = Vec::with_capacity(MAX_REMINDER_OFFSETS);
        list.retain(|m| {
            let keep = seen.len() < MAX_REMINDER_OFFSETS && !seen.contains(m);
            if keep {
                seen.push(*m);
            }
            keep
        });
        if list.len() < before {
            tracing::warn!(
                commune_code,
                stored = before,
                used = list.len(),
                "commune policy lists more reminder offsets than allowed; using the first ones"
            );
        }
    }
    defaults
        .with_overrides(&overrides)
        .map_err(|e| DbErr::Custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_name() {
        let defaults = Policy::defaults();
        let o = PolicyOverrides {
            appointment_grace_minutes: Some(30),
            quiet_hours_start: Some("22:00".into()),
            ..Default::default()
        };
        let p = defaults.with_overrides(&o).unwrap();
        assert_eq!(p.appointment_grace, Duration::minutes(30));
        assert_eq!(
            p.quiet_hours.start,
            NaiveTime::from_hms_opt(22, 0, 0).unwrap()
        );
        assert_eq!(p.quiet_hours.end, defaults.quiet_hours.end);
        assert_eq!(p.reminder_offsets, defaults.reminder_offsets);
    }

    #[test]
    fn reminder_offsets_are_few_distinct_and_bounded() {
        let offsets = |list: Vec<u32>| PolicyOverrides {
            reminder_offsets_minutes: Some(list),
            ..Default::default()
        };
        let d = Policy::defaults();
        assert!(
            d.with_overrides(&offsets(vec![]))
                .unwrap()
                .reminder_offsets
                .is_empty()
        );
        assert!(d.with_overrides(&offsets(vec![1, 2, 3, 4, 5])).is_ok());
        let e = d
            .with_overrides(&offsets((1..=1000).collect()))
            .unwrap_err();
        assert_eq!(e.var, "reminderOffsetsMinutes");
        assert!(d.with_overrides(&offsets(vec![60, 60])).is_err());
        assert!(d.with_overrides(&offsets(vec![0])).is_err());
        assert!(d.with_overrides(&offsets(vec![20_161])).is_err());
        let e = d
            .with_overrides(&PolicyOverrides {
                appointment_grace_minutes: Some(7 * 24 * 60 + 1),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.var, "appointmentGraceMinutes");
        assert!(minutes_var("REMINDER_OFFSETS_MINUTES", "1,2,3,4,5,6").is_err());
        assert!(minutes_var("REMINDER_OFFSETS_MINUTES", "60,abc").is_err());
    }

    #[test]
    fn bad_overrides_are_refused() {
        let o = PolicyOverrides {
            quiet_hours_end: Some("7am".into()),
            ..Default::default()
        };
        assert!(Policy::defaults().with_overrides(&o).is_err());
        let o = PolicyOverrides {
            holiday_policy: Some("ignore".into()),
            ..Default::default()
        };
        assert!(Policy::defaults().with_overrides(&o).is_err());
    }
}
