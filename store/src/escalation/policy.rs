//! The escalation policy of a commune: its stored policy, or the deployment default.

use domain::escalation::EscalationPolicy;
use entities::escalation_policy;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::env::{ConfigError, Source};

/// The deployment default: `ESCALATION_POLICY` (JSON of [`EscalationPolicy`]) if set, else
/// the built-in default. Refused at start if out of bounds.
pub fn defaults_from_env(vars: &Source) -> Result<EscalationPolicy, ConfigError> {
    let Some(raw) = vars.optional("ESCALATION_POLICY") else {
        return Ok(EscalationPolicy::default());
    };
    let policy: EscalationPolicy = serde_json::from_str(&raw).map_err(|e| ConfigError {
        var: "ESCALATION_POLICY",
        reason: e.to_string(),
    })?;
    policy.validate().map_err(|e| ConfigError {
        var: "ESCALATION_POLICY",
        reason: e.to_string(),
    })?;
    Ok(policy)
}

/// The policy of `commune_code`. A stored policy that no longer parses or validates (written
/// by an older version) falls back to the default rather than stopping escalations.
pub async fn policy_for(
    db: &impl ConnectionTrait,
    defaults: &EscalationPolicy,
    commune_code: &str,
) -> Result<EscalationPolicy, DbErr> {
    let stored = escalation_policy::Entity::find_by_id(commune_code.to_owned())
        .one(db)
        .await?;
    Ok(stored
        .and_then(|row| serde_json::from_str::<EscalationPolicy>(&row.policy).ok())
        .filter(|p| p.validate().is_ok())
        .unwrap_or_else(|| defaults.clone()))
}
