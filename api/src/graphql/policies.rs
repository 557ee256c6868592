//! Per-commune policy: every duration is data.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use store::policy::PolicyOverrides;

use super::{check_ins::HolidayPolicy, env, policy_defaults};
use crate::registry::policies::{self, CommunePolicyView};

/// A commune's policy: its overrides and the values in force.
#[derive(SimpleObject)]
pub struct CommunePolicy {
    /// The commune.
    pub commune_code: String,
    /// Appointment reminders, minutes before the start (in force).
    pub reminder_offsets_minutes: Vec<i64>,
    /// Minutes after an appointment's end before it counts as missed (in force).
    pub appointment_grace_minutes: i64,
    /// Minutes before a check-in window closes for the one nudge (in force).
    pub nudge_before_close_minutes: i64,
    /// Quiet hours start, local `HH:MM` (in force).
    pub quiet_hours_start: String,
    /// Quiet hours end, local `HH:MM` (in force).
    pub quiet_hours_end: String,
    /// Holiday policy (in force).
    pub holiday_policy: HolidayPolicy,
    /// Whether the commune overrides anything.
    pub has_overrides: bool,
}

impl From<CommunePolicyView> for CommunePolicy {
    fn from(v: CommunePolicyView) -> Self {
        let p = v.effective;
        Self {
            commune_code: v.commune_code,
            reminder_offsets_minutes: p.reminder_offsets.iter().map(|d| d.num_minutes()).collect(),
            appointment_grace_minutes: p.appointment_grace.num_minutes(),
            nudge_before_close_minutes: p.nudge_before_close.num_minutes(),
            quiet_hours_start: p.quiet_hours.start.format("%H:%M").to_string(),
            quiet_hours_end: p.quiet_hours.end.format("%H:%M").to_string(),
            holiday_policy: p.holiday_policy.into(),
            has_overrides: v.overrides != PolicyOverrides::default(),
        }
    }
}

/// Input of `setCommunePolicy`: fields left out keep the deployment default.
#[derive(InputObject)]
pub struct SetCommunePolicyInput {
    /// The commune.
    pub commune_code: String,
    /// Minutes before an appointment (an empty list sends no reminders).
    pub reminder_offsets_minutes: Option<Vec<u32>>,
    /// Grace after an appointment's end.
    pub appointment_grace_minutes: Option<u32>,
    /// Nudge before a window closes.
    pub nudge_before_close_minutes: Option<u32>,
    /// Local `HH:MM`.
    pub quiet_hours_start: Option<String>,
    /// Local `HH:MM`.
    pub quiet_hours_end: Option<String>,
    /// Holiday policy.
    pub holiday_policy: Option<HolidayPolicy>,
}

/// Policy query.
#[derive(Default)]
pub struct PoliciesQuery;

#[Object]
impl PoliciesQuery {
    /// The policy in force in a commune.
    async fn commune_policy(
        &self,
        ctx: &Context<'_>,
        commune_code: String,
    ) -> Result<CommunePolicy> {
        let (db, rc) = env(ctx);
        Ok(policies::get(db, rc, policy_defaults(ctx), &commune_code)
            .await?
            .into())
    }
}

/// Policy mutation.
#[derive(Default)]
pub struct PoliciesMutation;

#[Object]
impl PoliciesMutation {
    /// Sets a commune's overrides (administrators, commune police chief).
    async fn set_commune_policy(
        &self,
        ctx: &Context<'_>,
        input: SetCommunePolicyInput,
    ) -> Result<CommunePolicy> {
        let (db, rc) = env(ctx);
        let overrides = PolicyOverrides {
            reminder_offsets_minutes: input.reminder_offsets_minutes,
            appointment_grace_minutes: input.appointment_grace_minutes,
            nudge_before_close_minutes: input.nudge_before_close_minutes,
            quiet_hours_start: input.quiet_hours_start,
            quiet_hours_end: input.quiet_hours_end,
            holiday_policy: input
                .holiday_policy
                .map(|h| domain::schedule::HolidayPolicy::from(h).as_str().to_owned()),
        };
        Ok(
            policies::set(db, rc, policy_defaults(ctx), &input.commune_code, overrides)
                .await?
                .into(),
        )
    }
}
