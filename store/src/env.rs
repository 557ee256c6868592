//! Reading typed settings from environment variables, with errors that name the variable.
//!
//! This is the only module that touches `std::env`. Each binary builds its settings once at
//! start-up from [`Source::process`]; tests build them from [`Source::from_pairs`] and never
//! touch the process environment.

use std::{collections::HashMap, str::FromStr};

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

/// Where settings are read from: the process environment, or a fixed set of variables.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// `None`: the process environment.
    fixed: Option<HashMap<String, String>>,
}

impl Source {
    /// The process environment (after [`load_dotenv`], if called).
    pub fn process() -> Self {
        Self { fixed: None }
    }

    /// Exactly these variables, nothing from the process (for tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            fixed: Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            ),
        }
    }

    /// A variable's value, if set and not empty.
    pub fn optional(&self, var: &'static str) -> Option<String> {
        match &self.fixed {
            None => std::env::var(var).ok(),
            Some(map) => map.get(var).cloned(),
        }
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    }

    /// A parsed variable with a default.
    pub fn parse_or<T: FromStr>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.optional(var) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|e: T::Err| ConfigError {
                var,
                reason: format!("cannot parse {raw:?}: {e}"),
            }),
        }
    }

    /// A boolean variable: `true/false`, `1/0`, `yes/no`, `on/off`.
    pub fn bool_or(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.optional(var).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
            Some(v) => Err(ConfigError {
                var,
                reason: format!("expected true or false, got {v:?}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn blank_values_count_as_unset_and_values_are_trimmed() {
        let vars = Source::from_pairs([("A", "  "), ("B", " 7 ")]);
        assert_eq!(vars.optional("A"), None);
        assert_eq!(vars.parse_or("A", 3u32).unwrap(), 3);
        assert_eq!(vars.parse_or("B", 3u32).unwrap(), 7);
        assert_eq!(vars.optional("C"), None);
    }

    #[test]
    fn booleans_accept_the_usual_spellings_and_name_the_variable_otherwise() {
        let vars = Source::from_pairs([("ON", "Yes"), ("OFF", "0"), ("BAD", "maybe")]);
        assert!(vars.bool_or("ON", false).unwrap());
        assert!(!vars.bool_or("OFF", true).unwrap());
        let e = vars.bool_or("BAD", true).unwrap_err();
        assert_eq!(e.var, "BAD");
        assert_eq!(
            e.to_string(),
            "environment variable BAD: expected true or false, got \"maybe\""
        );
    }

    #[test]
    fn an_unparsable_number_names_the_variable_and_the_value() {
        let e = Source::from_pairs([("N", "ten")])
            .parse_or("N", 1u32)
            .unwrap_err();
        assert_eq!(e.var, "N");
        assert!(e.reason.contains("\"ten\""), "{e}");
    }
}
