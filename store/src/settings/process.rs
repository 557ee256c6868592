//! Settings every process reads the same way, whichever binary it is: where it runs
//! (`APP_ENV`), the database, migrations at start-up and the log format.
//!
//! The API composes them with its own settings; the `worker` binary uses them directly. One
//! reader, so both binaries share names, defaults, validation and messages.

use crate::env::{ConfigError, Source};

/// The database of the embedded default: a SQLite file under `./data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/donghanh.db";

/// Default pool size (`DATABASE_MAX_CONNECTIONS`).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// Where the process runs: the embedded default, or production behind real infrastructure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// One process, SQLite file, console sink, GraphiQL on.
    Embedded,
    /// `DATABASE_URL` required; GraphiQL, introspection and the console sink off unless asked
    /// for; JSON logs.
    Production,
}

impl Environment {
    /// `APP_ENV`: `embedded` (or `development`, or unset) or `production`.
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        match vars.optional("APP_ENV").as_deref() {
            None | Some("embedded") | Some("development") => Ok(Self::Embedded),
            Some("production") => Ok(Self::Production),
            Some(other) => Err(ConfigError {
                var: "APP_ENV",
                reason: format!("expected embedded or production, got {other:?}"),
            }),
        }
    }

    /// The embedded default.
    pub fn is_embedded(self) -> bool {
        self == Self::Embedded
    }
}

/// Settings shared by the API and the worker binary.
#[derive(Debug, Clone)]
pub struct ProcessSettings {
    /// `APP_ENV`: embedded or production.
    pub environment: Environment,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`; defaults to [`DEFAULT_DATABASE_URL`]
    /// in the embedded default, required in production.
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS` (10): pool size.
    pub database_max_connections: u32,
    /// `RUN_MIGRATIONS`: bring the schema up to date at start-up (default: on when embedded).
    pub run_migrations: bool,
    /// `LOG_FORMAT`: `pretty` or `json` (default: pretty when embedded, json in production).
    pub log_json: bool,
}

impl ProcessSettings {
    /// Reads the settings from `vars`.
    pub fn from_env(vars: &Source) -> Result<Self, ConfigError> {
        let environment = Environment::from_env(vars)?;
        let embedded = environment.is_embedded();
        let database_url = match (vars.optional("DATABASE_URL"), environment) {
            (Some(url), _) => url,
            (None, Environment::Embedded) => DEFAULT_DATABASE_URL.to_owned(),
            (None, Environment::Production) => {
                return Err(ConfigError {
                    var: "DATABASE_URL",
                    reason: "required when APP_ENV=production".into(),
                });
            }
        };
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError {
                var: "DATABASE_URL",
                reason: "must start with sqlite:// or postgres://".into(),
            });
        }
        let log_json = match vars.optional("LOG_FORMAT").as_deref() {
            None => !embedded,
            Some("json") => true,
            Some("pretty") => false,
            Some(other) => {
                return Err(ConfigError {
                    var: "LOG_FORMAT",
                    reason: format!("expected pretty or json, got {other:?}"),
                });
            }
        };
        Ok(Self {
            environment,
            database_url,
            database_max_connections: vars
                .parse_or("DATABASE_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS)?,
            run_migrations: vars.bool_or("RUN_MIGRATIONS", embedded)?,
            log_json,
        })
    }

    /// Embedded behaviour on `database_url`, a small pool, migrations on, pretty logs.
    pub fn for_tests(database_url: String) -> Self {
        Self {
            environment: Environment::Embedded,
            database_url,
            database_max_connections: 5,
            run_migrations: true,
            log_json: false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<ProcessSettings, ConfigError> {
        ProcessSettings::from_env(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn nothing_set_is_the_embedded_default() {
        let s = read(&[]).unwrap();
        assert_eq!(s.environment, Environment::Embedded);
        assert_eq!(s.database_url, "sqlite://data/donghanh.db");
        assert_eq!(s.database_max_connections, 10);
        assert!(s.run_migrations);
        assert!(!s.log_json);
    }

    #[test]
    fn production_defaults_to_json_logs_and_no_migrations() {
        let s = read(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/donghanh"),
        ])
        .unwrap();
        assert_eq!(s.environment, Environment::Production);
        assert!(s.log_json);
        assert!(!s.run_migrations);
    }

    #[test]
    fn production_requires_a_database_url() {
        let e = read(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable DATABASE_URL: required when APP_ENV=production"
        );
    }

    #[test]
    fn explicit_values_win_over_the_environment_defaults() {
        let s = read(&[
            ("APP_ENV", "development"),
            ("DATABASE_URL", "sqlite:///tmp/x.db"),
            ("DATABASE_MAX_CONNECTIONS", "3"),
            ("RUN_MIGRATIONS", "off"),
            ("LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(s.environment, Environment::Embedded);
        assert_eq!(s.database_url, "sqlite:///tmp/x.db");
        assert_eq!(s.database_max_connections, 3);
        assert!(!s.run_migrations);
        assert!(s.log_json);
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (pairs, var) in [
            (&[("APP_ENV", "staging")][..], "APP_ENV"),
            (&[("DATABASE_URL", "mysql://db")][..], "DATABASE_URL"),
            (
                &[("DATABASE_MAX_CONNECTIONS", "many")][..],
                "DATABASE_MAX_CONNECTIONS",
            ),
            (&[("RUN_MIGRATIONS", "sometimes")][..], "RUN_MIGRATIONS"),
            (&[("LOG_FORMAT", "xml")][..], "LOG_FORMAT"),
        ] {
            let e = read(pairs).unwrap_err();
            assert_eq!(e.var, var);
            assert!(e.to_string().contains(var), "{e}");
        }
    }
}
