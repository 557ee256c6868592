//! The machine a run happened on, written above its figures.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Cores, memory, database version, load, commit, date and command of a run.
#[derive(Debug, Clone)]
pub struct Machine {
    /// `nproc`.
    pub cores: usize,
    /// Total memory in GB.
    pub memory_gb: u64,
    /// `PostgreSQL 15.20` or `SQLite 3.x`.
    pub database: String,
    /// 1-minute load average when the scenario started.
    pub load_average: String,
    /// `git rev-parse --short HEAD` (with `+dirty` when the work tree has changes).
    pub commit: String,
    /// UTC date and time.
    pub date: String,
}

impl Machine {
    /// Reads the machine's figures now (call before any load).
    pub async fn describe(db: &DatabaseConnection) -> Self {
        Self {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gb: meminfo_kb("MemTotal:").div_ceil(1024 * 1024),
            database: database_version(db).await,
            load_average: std::fs::read_to_string("/proc/loadavg")
                .ok()
                .and_then(|s| s.split_whitespace().next().map(str::to_owned))
                .unwrap_or_else(|| "?".into()),
            commit: commit(),
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    /// One line for the results block.
    pub fn line(&self) -> String {
        format!(
            "{} cores, {} GB RAM, {}, load average {} at start, commit {}, {}",
            self.cores, self.memory_gb, self.database, self.load_average, self.commit, self.date
        )
    }
}

fn meminfo_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn database_version(db: &DatabaseConnection) -> String {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => "SELECT current_setting('server_version') AS v",
        _ => "SELECT 'SQLite ' || sqlite_version() AS v",
    };
    let version = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<String>("", "v").ok())
        .unwrap_or_else(|| "?".into());
    match backend {
        sea_orm::DatabaseBackend::Postgres => format!("PostgreSQL {version}"),
        _ => version,
    }
}

fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let hash = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty { format!("{hash}+dirty") } else { hash }
}

/// Peak resident set size (VmHWM) of process `pid` (`self` for this one), in MB.
pub fn peak_rss_mb(pid: &str) -> Option<f64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse::<f64>()
        .ok()
        .map(|kb| kb / 1024.0)
}

/// CPU time (user + system) of process `pid` so far, in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some((utime + stime) / 100.0)
}
