//! Settings read once from the environment: those every process shares ([`process`]), the
//! worker's, and the gateways'.

use std::time::Duration as StdDuration;

use chrono::Duration;
use domain::messaging::backoff::RetryPolicy;

use crate::env::{ConfigError, Source};

pub mod gateways;
pub mod process;

pub use gateways::GatewaySettings;
pub use process::{Environment, ProcessSettings};

/// The planner's schedule unless `PLANNER_CRON` says otherwise: every 30 seconds.
pub const DEFAULT_PLANNER_CRON: &str = "*/30 * * * * *";

/// Settings of the worker (embedded or standalone).
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// `WORKER_TICK_SECONDS` (5): how often an idle dispatcher looks for due messages, so the
    /// longest a due message (a help alert, a check-in confirmation) waits to be queued.
    pub tick: StdDuration,
    /// Deployment-wide policy defaults (communes may override them).
    pub policy: crate::policy::Policy,
    /// Deployment escalation policy (`ESCALATION_POLICY`, JSON; communes may replace it).
    pub escalation: domain::escalation::EscalationPolicy,
    /// `PUBLIC_BASE_URL`: where people open check-in links (default `http://127.0.0.1:8080`).
    pub public_base_url: String,
    /// `EXTRA_HOLIDAYS`: comma-separated `YYYY-MM-DD` days off the government declared (bridge
    /// days, the second National Day day, extra Tết days).
    pub extra_holidays: Vec<chrono::NaiveDate>,
    /// `PLANNER_CRON`: when the planner runs (seconds field first; default every 30 seconds).
    pub planner_cron: String,
    /// Gateway providers and credentials.
    pub gateways: GatewaySettings,
    /// `SENDER_LEASE_SECONDS` (120), `SENDER_BATCH` (100), `SENDER_CONCURRENCY` (8),
    /// `SENDER_FALLBACK_AFTER_ATTEMPTS` (3), `SENDER_HEARTBEAT_SECONDS` (5, or a third of a shorter lease),
    /// `SENDER_STALE_AFTER_SECONDS` (3 heartbeats), `SENDER_ASSUMED_LATENCY_MS` (1000),
    /// `UNREACHABLE_AFTER_MESSAGES` (3), `ZNS_NOT_ON_ZALO_RECHECK_DAYS` (30).
    pub sender: SenderSettings,
    /// `ALLOW_CONSOLE_SINK`: print messages to stdout when no provider is configured. On by
    /// default except with `APP_ENV=production`, where the console would print personal data.
    pub allow_console_sink: bool,
}

/// Tuning of the sender.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    /// How long a claim holds a message before another worker may take it over.
    pub lease: Duration,
    /// Messages claimed per round.
    pub batch: u64,
    /// Gateway calls in flight at once per worker.
    pub concurrency: usize,
    /// How long an ambiguous Zalo send waits for a receipt before falling back.
    pub reconcile_after: Duration,
    /// Backoff of retryable failures, counted per channel.
    pub retry: RetryPolicy,
    /// How often a worker renews its heartbeat (and the leases of its running deliveries).
    pub heartbeat: Duration,
    /// A worker whose heartbeat is older than this is taken for dead: its claims are released.
    pub stale_after: Duration,
    /// Assumed duration of a gateway call until calls have been timed; sizes the claims.
    pub assumed_latency: StdDuration,
    /// Retryable failures on one channel after which the message moves to the next channel
    /// of the client's plan, if there is one (a reminder is worth more on time by SMS than
    /// late on Zalo).
    pub fallback_after_attempts: u32,
    /// `UNREACHABLE_AFTER_MESSAGES` (3, from 1 to 20): failed messages in a row after which a
    /// client counts as unreachable and the case officers are told (reachability watch).
    pub unreachable_after: u32,
    /// `ZNS_NOT_ON_ZALO_RECHECK_DAYS` (30, 1–365): a number ZNS reported not on Zalo (or
    /// blocked, inactive) is not tried on ZNS again for this long; then once more.
    pub zns_recheck: Duration,
}

impl Default for SenderSettings {
    fn default() -> Self {
        Self {
            lease: Duration::seconds(120),
            batch: 100,
            concurrency: 8,
            reconcile_after: Duration::minutes(30),
            retry: RetryPolicy::default(),
            heartbeat: Duration::seconds(5),
            stale_after: Duration::seconds(15),
            assumed_latency: StdDuration::from_secs(1),
            fallback_after_attempts: 3,
            unreachable_after: domain::messaging::reach::DEFAULT_UNREACHABLE_AFTER,
            zns_recheck: domain::messaging::channel_knowledge::DEFAULT_ZNS_RECHECK,
        }
    }
}

impl WorkerSettings {
    /// The public-holiday calendar: the legal holidays plus `EXTRA_HOLIDAYS`.
    pub fn calendar(&self) -> domain::schedule::HolidayCalendar {
        domain::schedule::HolidayCalendar::new(self.extra_holidays.clone(), Vec::new())
    }
}

fn sender_from_env(vars: &Source) -> Result<SenderSettings, ConfigError> {
    let defaults = SenderSettings::default();
    let lease: i64 = vars.parse_or("SENDER_LEASE_SECONDS", defaults.lease.num_seconds())?;
    if lease < 1 {
        return Err(ConfigError {
            var: "SENDER_LEASE_SECONDS",
            reason: "must be at least 1".into(),
        });
    }
    // Several beats per lease, so a running delivery's lease is renewed in time.
    let beat_default = (lease / 3).clamp(1, defaults.heartbeat.num_seconds());
    let heartbeat: i64 = vars.parse_or("SENDER_HEARTBEAT_SECONDS", beat_default)?;
    if heartbeat < 1 || heartbeat > beat_default.max(lease / 2) {
        return Err(ConfigError {
            var: "SENDER_HEARTBEAT_SECONDS",
            reason: "must be at least 1 and at most half of SENDER_LEASE_SECONDS".into(),
        });
    }
    let stale_after: i64 = vars.parse_or("SENDER_STALE_AFTER_SECONDS", heartbeat * 3)?;
    if stale_after < heartbeat * 2 {
        return Err(ConfigError {
            var: "SENDER_STALE_AFTER_SECONDS",
            reason: "must be at least twice SENDER_HEARTBEAT_SECONDS".into(),
        });
    }
    let latency_ms: u64 = vars.parse_or(
        "SENDER_ASSUMED_LATENCY_MS",
        u64::try_from(defaults.assumed_latency.as_millis()).unwrap_or(1000),
    )?;
    let unreachable_after: u32 =
        vars.parse_or("UNREACHABLE_AFTER_MESSAGES", defaults.unreachable_after)?;
    let most = domain::messaging::reach::MAX_UNREACHABLE_AFTER;
    if !(1..=most).contains(&unreachable_after) {
        return Err(ConfigError {
            var: "UNREACHABLE_AFTER_MESSAGES",
            reason: format!("must be between 1 and {most}"),
        });
    }
    Ok(SenderSettings {
        unreachable_after,
        lease: Duration::seconds(lease),
        heartbeat: Duration::seconds(heartbeat),
        stale_after: Duration::seconds(stale_after),
        assumed_latency: StdDuration::from_millis(latency_ms.max(1)),
        batch: vars.parse_or("SENDER_BATCH", defaults.batch)?,
        concurrency: vars.parse_or("SENDER_CONCURRENCY", defaults.concurrency)?,
        fallback_after_attempts: vars.parse_or(
            "SENDER_FALLBACK_AFTER_ATTEMPTS",
            defaults.fallback_after_attempts,
        )?,
        zns_recheck: zns_recheck_from_env(vars, defaults.zns_recheck)?,
        ..defaults
    })
}

/// `ZNS_NOT_ON_ZALO_RECHECK_DAYS`, bounded (see `domain::messaging::channel_knowledge`).
fn zns_recheck_from_env(vars: &Source, default: Duration) -> Result<Duration, ConfigError> {
    use domain::messaging::channel_knowledge::{ZNS_RECHECK_DAYS, zns_recheck_from_days};
    let days: i64 = vars.parse_or("ZNS_NOT_ON_ZALO_RECHECK_DAYS", default.num_days())?;
    zns_recheck_from_days(days).ok_or_else(|| ConfigError {
        var: "ZNS_NOT_ON_ZALO_RECHECK_DAYS",
        reason: format!(
            "must be between {} and {} days",
            ZNS_RECHECK_DAYS.start(),
            ZNS_RECHECK_DAYS.end()
        ),
    })
}

fn parse_dates(raw: &str) -> Result<Vec<chrono::NaiveDate>, ConfigError> {
    raw.split(',')
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| ConfigError {
                var: "EXTRA_HOLIDAYS",
                reason: format!("expected YYYY-MM-DD, got {d:?}"),
            })
        })
        .collect()
}

impl WorkerSettings {
    /// Reads the settings; `environment` decides the default of `ALLOW_CONSOLE_SINK`.
    pub fn from_env(vars: &Source, environment: Environment) -> Result<Self, ConfigError> {
        let tick_seconds: u64 = vars.parse_or("WORKER_TICK_SECONDS", 5)?;
        if tick_seconds == 0 {
            return Err(ConfigError {
                var: "WORKER_TICK_SECONDS",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            tick: StdDuration::from_secs(tick_seconds),
            policy: crate::policy::Policy::from_env(vars)?,
            escalation: crate::escalation::policy::defaults_from_env(vars)?,
            public_base_url: vars
                .optional("PUBLIC_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            extra_holidays: parse_dates(&vars.optional("EXTRA_HOLIDAYS").unwrap_or_default())?,
            planner_cron: vars
                .optional("PLANNER_CRON")
                .unwrap_or_else(|| DEFAULT_PLANNER_CRON.into()),
            gateways: GatewaySettings::from_env(vars)?,
            sender: sender_from_env(vars)?,
            allow_console_sink: vars.bool_or("ALLOW_CONSOLE_SINK", environment.is_embedded())?,
        })
    }

    /// Settings for tests (the planner every second).
    pub fn for_tests() -> Self {
        Self {
            tick: StdDuration::from_millis(200),
            policy: crate::policy::Policy::defaults(),
            escalation: domain::escalation::EscalationPolicy::default(),
            public_base_url: "http://127.0.0.1:8080".into(),
            extra_holidays: Vec::new(),
            planner_cron: "* * * * * *".into(),
            gateways: GatewaySettings::console_only(),
            sender: SenderSettings::default(),
            allow_console_sink: true,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(
        pairs: &[(&str, &str)],
        environment: Environment,
    ) -> Result<WorkerSettings, ConfigError> {
        WorkerSettings::from_env(&Source::from_pairs(pairs.iter().copied()), environment)
    }

    #[test]
    fn the_console_sink_is_on_by_default_only_when_embedded() {
        assert!(read(&[], Environment::Embedded).unwrap().allow_console_sink);
        assert!(
            !read(&[], Environment::Production)
                .unwrap()
                .allow_console_sink
        );
        let asked = read(&[("ALLOW_CONSOLE_SINK", "true")], Environment::Production).unwrap();
        assert!(asked.allow_console_sink);
    }

    #[test]
    fn nothing_set_gives_the_documented_defaults() {
        let s = read(&[], Environment::Embedded).unwrap();
        assert_eq!(s.tick, StdDuration::from_secs(5));
        assert_eq!(s.public_base_url, "http://127.0.0.1:8080");
        assert_eq!(s.planner_cron, "*/30 * * * * *");
        assert!(s.gateways.zalo.is_none() && s.gateways.esms.is_none());
        assert_eq!(s.sender.lease, Duration::seconds(120));
        assert_eq!(s.sender.zns_recheck, Duration::days(30));
    }

    #[test]
    fn the_zns_recheck_is_read_in_days_and_bounded() {
        let s = read(
            &[("ZNS_NOT_ON_ZALO_RECHECK_DAYS", "7")],
            Environment::Embedded,
        )
        .unwrap();
        assert_eq!(s.sender.zns_recheck, Duration::days(7));
        for bad in ["0", "366", "-1", "a month"] {
            let e = read(
                &[("ZNS_NOT_ON_ZALO_RECHECK_DAYS", bad)],
                Environment::Embedded,
            )
            .unwrap_err();
            assert!(
                e.to_string().contains("ZNS_NOT_ON_ZALO_RECHECK_DAYS"),
                "{e}"
            );
        }
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (var, value) in [
            ("WORKER_TICK_SECONDS", "0"),
            ("SENDER_LEASE_SECONDS", "soon"),
            ("EXTRA_HOLIDAYS", "2026-13-01"),
            ("QUIET_HOURS_START", "9pm"),
            ("ESMS_API_KEY", "k"),
        ] {
            let e = read(&[(var, value)], Environment::Embedded).unwrap_err();
            assert!(
                e.to_string().contains(match var {
                    // A partial eSMS block names the first missing credential.
                    "ESMS_API_KEY" => "ESMS_SECRET_KEY",
                    other => other,
                }),
                "{e}"
            );
        }
    }
}
