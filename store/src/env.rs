//! Reading typed settings from environment variables, with errors that name the variable.
//!
//! This is the only module that touches `std::env`; each binary builds its settings through it
//! once at start-up.

use std::str::FromStr;

/// A setting that could not be used; the message names the variable and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {var}: {reason}")]
pub struct ConfigError {
    /// The variable's name.
    pub var: &'static str,
    /// What is wrong with its value.
    pub reason: String,
}

/// Loads `.env` from the working directory if there is one (a missing file is fine).
pub fn load_dotenv() {
    let _ = dotenvy::dotenv();
}

/// A variable's value, if set and not empty.
pub fn optional(var: &'static str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A parsed variable with a default.
pub fn parse_or<T: FromStr>(var: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match optional(var) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|e: T::Err| ConfigError {
            var,
            reason: format!("cannot parse {raw:?}: {e}"),
        }),
    }
}

/// A boolean variable: `true/false`, `1/0`, `yes/no`, `on/off`.
pub fn bool_or(var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match optional(var).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(ConfigError {
            var,
            reason: format!("expected true or false, got {v:?}"),
        }),
    }
}
