//! Typed configuration, read once from the environment (and an optional `.env`) at start-up.

use std::net::SocketAddr;

use store::env::{self, ConfigError, Source};

pub use store::settings::{Environment, ProcessSettings};

/// Limits that protect the GraphQL endpoint.
#[derive(Debug, Clone)]
pub struct GraphqlLimits {
    /// Deepest selection nesting accepted.
    pub max_depth: usize,
    /// Highest complexity score accepted (each field counts 1, lists multiply by `first`).
    pub max_complexity: usize,
    /// Most aliases accepted in one document.
    pub max_aliases: usize,
    /// Most fields in one document once its fragments are expanded (checked before validation).
    pub max_expanded_fields: usize,
    /// GraphQL requests validated or executed at the same time; others wait for a turn.
    pub max_concurrent: usize,
    /// How long a request waits for a turn before it is refused as overloaded.
    pub queue_wait: std::time::Duration,
    /// How long one request may validate and execute before it is answered with a timeout.
    pub execution_timeout: std::time::Duration,
    /// Largest `first` accepted on a connection.
    pub max_page_size: usize,
    /// Page size when `first` is not given.
    pub default_page_size: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a DataLoader waits to gather the keys of one page into one query.
    pub loader_delay: std::time::Duration,
    /// Live subscriptions (`/graphql/ws`) the process serves at once, over all connections.
    pub max_subscriptions: usize,
}

/// All settings of the API process.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What every process reads the same way: `APP_ENV`, `DATABASE_URL`,
    /// `DATABASE_MAX_CONNECTIONS`, `RUN_MIGRATIONS`, `LOG_FORMAT` (shared with the worker binary).
    pub process: ProcessSettings,
    /// `BIND_ADDR`: where the HTTP server listens.
    pub bind_addr: SocketAddr,
    /// `RUN_WORKER`: also run the worker in this process.
    pub run_worker: bool,
    /// `SEED_DEMO_DATA`: load the bundled sample of provinces and communes into an empty database.
    pub seed_demo_data: bool,
    /// `SEED_DEMO_CLIENTS`: with `SEED_DEMO_DATA`, also create demo clients whose check-in
    /// prompts and reminders appear in the console at once (embedded default only).
    pub seed_demo_clients: bool,
    /// `GRAPHIQL`: serve GraphiQL at the GraphQL URL on GET from a browser.
    pub graphiql: bool,
    /// `GRAPHQL_INTROSPECTION`: answer introspection queries.
    pub introspection: bool,
    /// GraphQL limits.
    pub limits: GraphqlLimits,
    /// `GRAPHQL_ONE_STATEMENT_PAGES`: on PostgreSQL, read a page of `clients` with the
    /// relations its selection asks for (orders and their officers, upcoming check-ins and
    /// appointments) in one statement instead of one batched statement per relation, and
    /// resolve objects whose selected fields only read what they hold field after field
    /// instead of one boxed future each. Off: the engine's path everywhere (a kill switch, and
    /// the reference the tests compare with).
    pub one_statement_pages: bool,
    /// `ACCESS_TOKEN_TTL_DAYS`: lifetime of officer and administrator bearer tokens.
    pub access_token_ttl_days: i64,
    /// Failed-authentication rate limits and trusted proxies.
    pub auth_rate_limit: crate::auth::rate_limit::RateLimitSettings,
    /// `AUTH_CACHE_TTL_SECONDS`: how long a resolved token or API key is reused without a
    /// database lookup (0 to 60; 0 turns the cache off). A revocation made through another
    /// API replica takes effect here within this time; one made here, at once.
    pub auth_cache_ttl_seconds: u32,
    /// Settings of the in-process worker.
    pub worker: store::WorkerSettings,
    /// Secrets of the inbound webhooks (Zalo OA events, eSMS delivery callbacks).
    pub webhooks: crate::http::webhook_settings::WebhookSettings,
    /// Invitations to follow the commune's Zalo OA.
    pub zalo_invitations: ZaloInvitationSettings,
}

/// Invitations to follow the commune's Zalo OA (issue 13, item 5).
#[derive(Debug, Clone)]
pub struct ZaloInvitationSettings {
    /// `ZALO_OA_FOLLOW_URL`: the link that opens the OA in Zalo (`https://zalo.me/<OA id>`, at
    /// most 56 characters), also the payload of a printed QR code. Unset: no invitations.
    pub follow_url: Option<String>,
    /// `ZALO_INVITATION_VALID_DAYS` (30, 1–90): how long an invitation's code links.
    pub valid_for: chrono::Duration,
}

impl ZaloInvitationSettings {
    fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        use domain::messaging::invitation::{DEFAULT_VALID_FOR, VALID_DAYS, follow_url_problem};
        let follow_url = vars.optional("ZALO_OA_FOLLOW_URL");
        if let Some(problem) = follow_url.as_deref().and_then(follow_url_problem) {
            return Err(ConfigError {
                var: "ZALO_OA_FOLLOW_URL",
                reason: problem.into(),
            });
        }
        let days: i64 =
            vars.parse_or("ZALO_INVITATION_VALID_DAYS", DEFAULT_VALID_FOR.num_days())?;
        if !VALID_DAYS.contains(&days) {
            return Err(ConfigError {
                var: "ZALO_INVITATION_VALID_DAYS",
                reason: format!(
                    "must be between {} and {}",
                    VALID_DAYS.start(),
                    VALID_DAYS.end()
                ),
            });
        }
        Ok(Self {
            follow_url,
            valid_for: chrono::Duration::days(days),
        })
    }

    /// Settings for tests: the test OA.
    pub fn for_tests() -> Self {
        Self {
            follow_url: Some("https://zalo.me/579745863508352884".into()),
            valid_for: domain::messaging::invitation::DEFAULT_VALID_FOR,
        }
    }
}

impl Settings {
    /// Reads the settings from the process environment (and `.env`).
    pub fn from_process() -> Result<Self, ConfigError> {
        env::load_dotenv();
        Self::from_env(&Source::process())
    }

    /// Reads the settings from `vars`.
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        let process = ProcessSettings::from_env(vars)?;
        let environment = process.environment;
        let embedded = environment.is_embedded();
        let limits = GraphqlLimits {
            max_depth: vars.parse_or("GRAPHQL_MAX_DEPTH", 10)?,
            max_complexity: vars.parse_or("GRAPHQL_MAX_COMPLEXITY", 5_000)?,
            max_aliases: vars.parse_or("GRAPHQL_MAX_ALIASES", 30)?,
            max_expanded_fields: vars.parse_or("GRAPHQL_MAX_EXPANDED_FIELDS", 2_000)?,
            max_concurrent: vars.parse_or("GRAPHQL_MAX_CONCURRENT", 16)?,
            queue_wait: std::time::Duration::from_millis(
                vars.parse_or("GRAPHQL_QUEUE_WAIT_MS", 2_000)?,
            ),
            execution_timeout: std::time::Duration::from_millis(
                vars.parse_or("GRAPHQL_TIMEOUT_MS", 25_000)?,
            ),
            max_page_size: vars.parse_or("GRAPHQL_MAX_PAGE_SIZE", 100)?,
            default_page_size: vars.parse_or("GRAPHQL_DEFAULT_PAGE_SIZE", 20)?,
            max_body_bytes: vars.parse_or("HTTP_MAX_BODY_BYTES", 256 * 1024)?,
            loader_delay: std::time::Duration::from_millis(
                vars.parse_or("GRAPHQL_LOADER_DELAY_MS", 2)?,
            ),
            max_subscriptions: vars.parse_or("GRAPHQL_MAX_SUBSCRIPTIONS", 200)?,
        };
        if !(1..=10_000).contains(&limits.max_subscriptions) {
            return Err(ConfigError {
                var: "GRAPHQL_MAX_SUBSCRIPTIONS",
                reason: "must be between 1 and 10000".into(),
            });
        }
        if limits.default_page_size == 0 || limits.default_page_size > limits.max_page_size {
            return Err(ConfigError {
                var: "GRAPHQL_DEFAULT_PAGE_SIZE",
                reason: "must be between 1 and GRAPHQL_MAX_PAGE_SIZE".into(),
            });
        }
        if limits.max_concurrent == 0 {
            return Err(ConfigError {
                var: "GRAPHQL_MAX_CONCURRENT",
                reason: "must be at least 1".into(),
            });
        }
        // The HTTP layer cuts every request at 30 s without a body; the GraphQL timeout answers
        // with a typed error before that.
        if limits.execution_timeout.is_zero()
            || limits.execution_timeout >= crate::http::REQUEST_TIMEOUT
        {
            return Err(ConfigError {
                var: "GRAPHQL_TIMEOUT_MS",
                reason: "must be between 1 and 29999".into(),
            });
        }
        let access_token_ttl_days = vars.parse_or("ACCESS_TOKEN_TTL_DAYS", 30)?;
        if !(1..=365).contains(&access_token_ttl_days) {
            return Err(ConfigError {
                var: "ACCESS_TOKEN_TTL_DAYS",
                reason: "must be between 1 and 365".into(),
            });
        }
        let auth_rate_limit = crate::auth::rate_limit::RateLimitSettings {
            burst: vars.parse_or("AUTH_FAILURE_BURST", 10)?,
            refill_per_minute: vars.parse_or("AUTH_FAILURE_REFILL_PER_MINUTE", 10)?,
            trusted_proxies: trusted_proxies(vars)?,
        };
        if auth_rate_limit.burst == 0 {
            return Err(ConfigError {
                var: "AUTH_FAILURE_BURST",
                reason: "must be at least 1".into(),
            });
        }
        let auth_cache_ttl_seconds = vars.parse_or("AUTH_CACHE_TTL_SECONDS", 5)?;
        if auth_cache_ttl_seconds > 60 {
            return Err(ConfigError {
                var: "AUTH_CACHE_TTL_SECONDS",
                reason: "must be between 0 and 60".into(),
            });
        }
        Ok(Self {
            process,
            auth_rate_limit,
            auth_cache_ttl_seconds,
            bind_addr: vars.parse_or("BIND_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            run_worker: vars.bool_or("RUN_WORKER", embedded)?,
            seed_demo_data: vars.bool_or("SEED_DEMO_DATA", embedded)?,
            seed_demo_clients: vars.bool_or("SEED_DEMO_CLIENTS", embedded)?,
            graphiql: vars.bool_or("GRAPHIQL", embedded)?,
            introspection: vars.bool_or("GRAPHQL_INTROSPECTION", embedded)?,
            limits,
            one_statement_pages: vars.bool_or("GRAPHQL_ONE_STATEMENT_PAGES", true)?,
            access_token_ttl_days,
            worker: store::WorkerSettings::from_env(vars, environment)?,
            webhooks: crate::http::webhook_settings::WebhookSettings::from_env(vars)?,
            zalo_invitations: ZaloInvitationSettings::from_env(vars)?,
        })
    }

    /// Settings for tests: embedded behaviour on the given database, random port.
    pub fn for_tests(database_url: String) -> Self {
        Self {
            process: ProcessSettings::for_tests(database_url),
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            run_worker: false,
            seed_demo_data: false,
            seed_demo_clients: false,
            graphiql: true,
            introspection: true,
            one_statement_pages: true,
            limits: GraphqlLimits {
                max_depth: 10,
                max_complexity: 5_000,
                max_aliases: 30,
                max_expanded_fields: 2_000,
                max_concurrent: 16,
                queue_wait: std::time::Duration::from_secs(2),
                execution_timeout: std::time::Duration::from_secs(25),
                max_page_size: 100,
                default_page_size: 20,
                max_body_bytes: 256 * 1024,
                loader_delay: std::time::Duration::from_millis(5),
                max_subscriptions: 200,
            },
            access_token_ttl_days: 30,
            auth_rate_limit: crate::auth::rate_limit::RateLimitSettings::default(),
            auth_cache_ttl_seconds: 5,
            worker: store::WorkerSettings::for_tests(),
            webhooks: crate::http::webhook_settings::WebhookSettings::for_tests(),
            zalo_invitations: ZaloInvitationSettings::for_tests(),
        }
    }
}

/// `TRUSTED_PROXIES`: comma-separated addresses of reverse proxies whose `X-Forwarded-For` is
/// believed; empty (the default) means the connecting address is the client's.
fn trusted_proxies(vars: &Source) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    vars.optional("TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse().map_err(|_| ConfigError {
                var: "TRUSTED_PROXIES",
                reason: format!("{a:?} is not an IP address"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_env(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn the_shared_settings_are_read_as_the_worker_binary_reads_them() {
        for pairs in [
            &[][..],
            &[
                ("APP_ENV", "production"),
                ("DATABASE_URL", "postgres://db/x"),
            ][..],
            &[
                ("RUN_MIGRATIONS", "no"),
                ("LOG_FORMAT", "json"),
                ("DATABASE_MAX_CONNECTIONS", "4"),
            ][..],
        ] {
            let api = read(pairs).unwrap().process;
            let shared =
                ProcessSettings::from_env(&Source::from_pairs(pairs.iter().copied())).unwrap();
            assert_eq!(format!("{api:?}"), format!("{shared:?}"));
        }
    }

    #[test]
    fn embedded_turns_the_conveniences_on_and_production_off() {
        let embedded = read(&[]).unwrap();
        assert!(embedded.run_worker && embedded.graphiql && embedded.seed_demo_data);
        assert!(embedded.worker.allow_console_sink);
        let production = read(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/x"),
        ])
        .unwrap();
        assert!(!production.run_worker && !production.graphiql && !production.seed_demo_data);
        assert!(!production.worker.allow_console_sink);
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (var, value) in [
            ("APP_ENV", "staging"),
            ("BIND_ADDR", "8080"),
            ("GRAPHQL_TIMEOUT_MS", "30000"),
            ("ACCESS_TOKEN_TTL_DAYS", "0"),
            ("TRUSTED_PROXIES", "proxy.local"),
            ("ESMS_CALLBACK_SECRET", "short"),
        ] {
            let e = read(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{e}");
        }
    }
}
