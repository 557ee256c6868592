//! A scenario's options: `--name value` pairs after the scenario name.

use std::{collections::HashMap, path::PathBuf, time::Duration};

/// Parsed options of one scenario run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    values: HashMap<String, String>,
    /// The command line as typed, for the results block.
    pub command_line: String,
}

impl Options {
    /// Parses `--name value` and bare `--flag` arguments (a flag followed by another `--name`
    /// or by nothing is `true`).
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut values = HashMap::new();
        let mut i = 0;
        while i < args.len() {
            let Some(name) = args[i].strip_prefix("--") else {
                return Err(format!("unexpected argument {:?}", args[i]));
            };
            match args.get(i + 1).filter(|v| !v.starts_with("--")) {
                Some(value) => {
                    values.insert(name.to_owned(), value.clone());
                    i += 2;
                }
                None => {
                    values.insert(name.to_owned(), "true".to_owned());
                    i += 1;
                }
            }
        }
        Ok(Self {
            values,
            command_line: String::new(),
        })
    }

    /// Options from `pairs`, for tests and for scenarios run from code.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            command_line: String::new(),
        }
    }

    /// The raw value of `--name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// `--name` parsed, or `default`; an unparsable value is an error, not the default.
    pub fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: cannot parse {v:?}")),
        }
    }

    /// Whether the bare flag `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v != "false")
    }

    /// `--database-url`, required by every scenario.
    pub fn database_url(&self) -> Result<String, String> {
        self.get("database-url")
            .map(str::to_owned)
            .ok_or_else(|| "--database-url is required".to_owned())
    }

    /// `--seconds` (default `default`) as a duration.
    pub fn duration(&self, default: f64) -> Result<Duration, String> {
        Ok(Duration::from_secs_f64(
            self.num("seconds", default)?.max(0.1),
        ))
    }

    /// The file results are appended to: `--results FILE`, `docs/benchmarks.md` by default,
    /// nothing with `--no-record`.
    pub fn results_file(&self) -> Option<PathBuf> {
        if self.flag("no-record") {
            return None;
        }
        Some(PathBuf::from(
            self.get("results").unwrap_or("docs/benchmarks.md"),
        ))
    }

    /// The release `api` binary: `--api-bin`, else `target/release/api`.
    pub fn api_bin(&self) -> PathBuf {
        absolute(self.get("api-bin").unwrap_or("target/release/api"))
    }

    /// The release `worker` binary: `--worker-bin`, else `target/release/worker`.
    pub fn worker_bin(&self) -> PathBuf {
        absolute(self.get("worker-bin").unwrap_or("target/release/worker"))
    }
}

/// A binary's path made absolute against the current directory: the servers start in a
/// scratch directory of their own, where a relative path would not resolve.
fn absolute(path: &str) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path))
}
