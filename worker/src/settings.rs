//! Worker settings, read once from the environment.

use std::time::Duration;

use crate::env::{self, ConfigError};

/// Settings of the worker (embedded or standalone).
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// `WORKER_TICK_SECONDS`: how often the planner looks for due work.
    pub tick: Duration,
    /// Deployment-wide policy defaults (communes may override them).
    pub policy: crate::policy::Policy,
}

impl WorkerSettings {
    /// Reads the settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        let tick_seconds: u64 = env::parse_or("WORKER_TICK_SECONDS", 30)?;
        if tick_seconds == 0 {
            return Err(ConfigError {
                var: "WORKER_TICK_SECONDS",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            tick: Duration::from_secs(tick_seconds),
            policy: crate::policy::Policy::from_env()?,
        })
    }

    /// Settings for tests.
    pub fn for_tests() -> Self {
        Self {
            tick: Duration::from_millis(200),
            policy: crate::policy::Policy::defaults(),
        }
    }
}
