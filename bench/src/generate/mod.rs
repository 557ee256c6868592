//! Deterministic data generator: fills the product's own tables on SQLite or PostgreSQL with a
//! commune's, a province's or the whole country's worth of realistic data.
//!
//! ```text
//! cargo run --release -p bench -- generate --scale national --database-url postgres://…/db
//! ```
//!
//! The same seed (and the same `--now`) gives the same rows. Rows are written per commune in
//! multi-row INSERTs inside one transaction per group of communes; each table family has its
//! own module (`places`, `officers`, `clients`, `check_ins`, `appointments`, `messages`, `reach`,
//! `zalo`, `support` for training, jobs and loans), so later tables get a module of their own and a
//! line in [`generate`].

mod appointments;
mod check_ins;
mod clients;
mod escalations;
mod messages;
mod officers;
pub mod people;
pub mod places;
mod reach;
mod sink;
mod support;
mod zalo;

use std::{
    collections::HashMap,
    fmt,
    hash::{DefaultHasher, Hash, Hasher},
    time::{Duration as StdDuration, Instant},
};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entities::{legal_regime, legal_regime_rule};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

pub use sink::Sink;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 20_261_202;

/// How much data to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// One commune (Phường Ba Đình, `00004`) with 1,000 clients.
    Commune,
    /// One province (Hà Nội): 98 communes, about 3,000 clients.
    Province,
    /// The country: 34 provinces, 3,321 communes, 100,000 clients.
    National,
    /// A few communes and clients, for tests of the generator itself.
    Tiny,
}

impl Scale {
    /// Parses `commune`, `province`, `national` (or `tiny`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "commune" => Some(Self::Commune),
            "province" => Some(Self::Province),
            "national" => Some(Self::National),
            "tiny" => Some(Self::Tiny),
            _ => None,
        }
    }

    /// (provinces, communes, clients).
    fn shape(self) -> (usize, usize, usize) {
        match self {
            Self::Commune => (1, 1, 1_000),
            Self::Province => (1, 98, 2_950),
            Self::National => (34, places::NATIONAL_COMMUNES, 100_000),
            Self::Tiny => (2, 4, 60),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Size.
    pub scale: Scale,
    /// RNG seed.
    pub seed: u64,
    /// The instant the data is "as of": history before it, open windows after it.
    pub now: DateTime<Utc>,
}

/// What was generated.
#[derive(Debug)]
pub struct Summary {
    /// Rows and insert time per table.
    pub tables: Vec<(&'static str, u64, StdDuration)>,
    /// Wall time of the whole run (migrations included).
    pub elapsed: StdDuration,
    /// Checksum of every row written (same seed and `now` → same value).
    pub checksum: u64,
    /// Bearer token of a case officer of commune `00004` (created by the product's
    /// credential code).
    pub officer_token: String,
    /// Bearer token of a national administrator.
    pub admin_token: String,
    /// The officer the token belongs to.
    pub officer_id: Uuid,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| table | rows | insert time | rows/s |")?;
        writeln!(f, "| --- | ---: | ---: | ---: |")?;
        let mut total = 0;
        for (table, rows, time) in &self.tables {
            total += rows;
            writeln!(
                f,
                "| {table} | {rows} | {:.1} s | {:.0} |",
                time.as_secs_f64(),
                *rows as f64 / time.as_secs_f64().max(1e-9)
            )?;
        }
        writeln!(
            f,
            "| total | {total} | {:.1} s (wall, with generation and migrations) | {:.0} |",
            self.elapsed.as_secs_f64(),
            total as f64 / self.elapsed.as_secs_f64().max(1e-9)
        )?;
        write!(f, "checksum {:016x}", self.checksum)
    }
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Opening or migrating the database.
    #[error("database: {0}")]
    Open(#[from] store::db::DbOpenError),
    /// A statement failed.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// The product's own code refused something.
    #[error("{0}")]
    App(String),
    /// Generation only fills an empty database.
    #[error("the database already holds provinces; generate into an empty database")]
    NotEmpty,
}

/// Rows of one group of communes, in the order they are written (parents first).
#[derive(Debug, Default)]
pub struct Rows {
    officers: Vec<entities::officer::Model>,
    clients: Vec<entities::client::Model>,
    orders: Vec<entities::supervision_order::Model>,
    assignments: Vec<entities::order_assignment::Model>,
    plans: Vec<entities::check_in_plan::Model>,
    occurrences: Vec<entities::check_in_occurrence::Model>,
    check_ins: Vec<entities::check_in::Model>,
    appointments: Vec<entities::appointment::Model>,
    messages: Vec<entities::outbox_message::Model>,
    attempts: Vec<entities::outbox_attempt::Model>,
    reachability: Vec<entities::client_reachability::Model>,
    reply_notes: Vec<entities::reply_note::Model>,
    escalations: Vec<entities::escalation::Model>,
    escalation_events: Vec<entities::escalation_event::Model>,
    escalation_ack_codes: Vec<entities::escalation_ack_code::Model>,
    /// Hashes of every acknowledgement code generated so far in the run, written or not: a
    /// code names one escalation (six characters collide a few times in 100,000).
    ack_codes_taken: std::collections::HashSet<String>,
    zalo_invitations: Vec<entities::zalo_invitation::Model>,
    /// Every Zalo invitation code generated so far in the run (a code is unique).
    invitation_codes_taken: std::collections::HashSet<String>,
}

impl Rows {
    async fn write(self, db: &impl sea_orm::ConnectionTrait, sink: &mut Sink) -> Result<(), DbErr> {
        sink.put(db, "officers", self.officers).await?;
        sink.put(db, "clients", self.clients).await?;
        sink.put(db, "zalo_invitations", self.zalo_invitations)
            .await?;
        sink.put(db, "supervision_orders", self.orders).await?;
        sink.put(db, "order_assignments", self.assignments).await?;
        sink.put(db, "check_in_plans", self.plans).await?;
        sink.put(db, "check_in_occurrences", self.occurrences)
            .await?;
        sink.put(db, "check_ins", self.check_ins).await?;
        sink.put(db, "appointments", self.appointments).await?;
        sink.put(db, "outbox_messages", self.messages).await?;
        sink.put(db, "outbox_attempts", self.attempts).await?;
        sink.put(db, "client_reachability", self.reachability)
            .await?;
        sink.put(db, "reply_notes", self.reply_notes).await?;
        sink.put(db, "escalations", self.escalations).await?;
        sink.put(db, "escalation_events", self.escalation_events)
            .await?;
        sink.put(db, "escalation_ack_codes", self.escalation_ack_codes)
            .await?;
        Ok(())
    }

    fn len(&self) -> usize {
        self.clients.len() + self.occurrences.len() + self.appointments.len() + self.messages.len()
    }
}

/// Where one commune's rows start in [`Rows`].
pub struct CommuneRows<'a> {
    /// The commune.
    pub code: &'a str,
    /// Index of its first client.
    pub clients: usize,
    /// Index of its first message.
    pub messages: usize,
    /// Index of its first attempt.
    pub attempts: usize,
}

impl CommuneRows<'_> {
    /// Where each of the commune's messages has its (first) attempt in `rows.attempts`.
    pub fn attempt_of(&self, rows: &Rows) -> HashMap<Uuid, usize> {
        (self.attempts..rows.attempts.len())
            .map(|i| (rows.attempts[i].message_id, i))
            .collect()
    }
}

/// What every client's rows need to know about the run.
#[derive(Debug, Clone)]
pub struct RunCtx {
    now: DateTime<Utc>,
    today: NaiveDate,
    regime_id: Uuid,
    /// Months of supervision by rehab kind (adults), from the product's regime rules.
    months: HashMap<String, i32>,
}

/// One client's context, shared by the table families.
pub struct ClientCtx<'a> {
    now: DateTime<Utc>,
    today: NaiveDate,
    client_id: Uuid,
    client_name: &'a str,
    order_id: Uuid,
    order_start: NaiveDate,
    order_end: NaiveDate,
    commune_code: &'a str,
    commune_name: &'a str,
    case_officer: Uuid,
}

/// Opens `url`, runs the product's migrations and reference data, then generates.
pub async fn generate_into(
    url: &str,
    options: Options,
) -> Result<(DatabaseConnection, Summary), GenerateError> {
    let started = Instant::now();
    let db = store::db::connect(url, 2).await?;
    store::db::migrate(&db).await?;
    let summary = generate(&db, options, started).await?;
    Ok((db, summary))
}

/// Fills a migrated, empty database.
pub async fn generate(
    db: &DatabaseConnection,
    options: Options,
    started: Instant,
) -> Result<Summary, GenerateError> {
    use sea_orm::PaginatorTrait;
    if entities::province::Entity::find().count(db).await? > 0 {
        return Err(GenerateError::NotEmpty);
    }
    api::registry::seed::ensure_reference_data(db, options.now)
        .await
        .map_err(|e| GenerateError::App(e.message()))?;
    let run = run_ctx(db, options.now).await?;
    let (province_count, commune_count, client_count) = options.scale.shape();
    let places = places::places(province_count, commune_count);
    let mut sink = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Sink::copying(db.get_postgres_connection_pool().clone()),
        _ => Sink::default(),
    };
    sink.leave_out_of_checksum(run.regime_id.to_string());

    let txn = store::db::begin_write(db).await?;
    sink.put(
        &txn,
        "provinces",
        places::province_rows(&places, options.now),
    )
    .await?;
    let communes: Vec<_> = places
        .iter()
        .map(|p| places::commune_row(p, options.now))
        .collect();
    sink.put(&txn, "communes", communes).await?;
    txn.commit().await?;

    let support_run = support::SupportRun::load(db, &mut sink).await?;
    // The seeded example prices: generated attempts are billed as the worker bills them.
    let prices = store::pricing::PriceTable::load(db).await?;
    let mut support_rows = support::SupportRows::default();
    let mut rows = Rows::default();
    let mut serial = 0u64;
    let mut token_officer = None;
    for (i, place) in places.iter().enumerate() {
        // One stream per commune: a commune's data does not depend on how many came before.
        let mut rng = StdRng::seed_from_u64(options.seed ^ hash_of(&place.code));
        let clients_here =
            client_count / commune_count + usize::from(i < client_count % commune_count);
        let staff = officers::staff(&mut rng, place, options.now);
        if i == 0 {
            token_officer = Some(staff.case_officers[0]);
        }
        rows.officers.extend(staff.rows.iter().cloned());
        let (first, first_message, first_attempt) =
            (rows.clients.len(), rows.messages.len(), rows.attempts.len());
        for _ in 0..clients_here {
            clients::client(&mut rng, &mut rows, &run, place, &staff, serial);
            serial += 1;
        }
        let at = CommuneRows {
            code: &place.code,
            clients: first,
            messages: first_message,
            attempts: first_attempt,
        };
        reach::commune(&mut rng, &mut rows, &at, run.now);
        zalo::commune(options.seed, &mut rows, &at, &prices, run.now);
        let here = support::Commune {
            place,
            clients: &rows.clients[first..],
            orders: &rows.orders[first..],
            now: run.now,
            today: run.today,
        };
        support::commune(options.seed, &mut support_rows, &support_run, &here);
        if rows.len() >= 200_000 || i + 1 == places.len() {
            let txn = store::db::begin_write(db).await?;
            let mut full = std::mem::take(&mut rows);
            rows.ack_codes_taken = std::mem::take(&mut full.ack_codes_taken);
            rows.invitation_codes_taken = std::mem::take(&mut full.invitation_codes_taken);
            full.write(&txn, &mut sink).await?;
            std::mem::take(&mut support_rows)
                .write(&txn, &mut sink)
                .await?;
            txn.commit().await?;
            eprintln!(
                "{} of {} communes, {serial} clients, {:.0} s",
                i + 1,
                places.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Fresh statistics, so the first benchmark is planned like the hundredth.
        db.execute_unprepared("ANALYZE").await?;
    }
    let officer_id = token_officer.ok_or(GenerateError::App("no commune generated".into()))?;
    let (officer_token, admin_token) = officers::tokens(db, officer_id, options.now).await?;
    let checksum = sink.checksum();
    Ok(Summary {
        tables: sink
            .tables
            .into_iter()
            .map(|(t, (n, d))| (t, n, d))
            .collect(),
        elapsed: started.elapsed(),
        checksum,
        officer_token,
        admin_token,
        officer_id,
    })
}

async fn run_ctx(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<RunCtx, GenerateError> {
    let regime = legal_regime::Entity::find()
        .filter(legal_regime::Column::EffectiveTo.is_null())
        .one(db)
        .await?
        .or(legal_regime::Entity::find().one(db).await?)
        .ok_or(GenerateError::App(
            "no legal regime after reference data".into(),
        ))?;
    let months = legal_regime_rule::Entity::find()
        .filter(legal_regime_rule::Column::RegimeId.eq(regime.id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.age_group != "minor")
        .map(|r| (r.rehab_kind, r.months))
        .collect();
    Ok(RunCtx {
        now,
        today: local_date(now),
        regime_id: regime.id,
        months,
    })
}

/// A random (version 4) UUID from the seeded stream.
pub fn new_id(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
}

/// Vietnam keeps UTC+7 all year.
const VN_OFFSET_SECONDS: i32 = 7 * 3600;

/// The UTC instant of a local (Asia/Ho_Chi_Minh) date and time.
pub fn local_instant(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = day.and_hms_opt(hour, minute, 0).unwrap_or_default();
    Utc.from_utc_datetime(&naive) - Duration::seconds(i64::from(VN_OFFSET_SECONDS))
}

/// The local date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::seconds(i64::from(VN_OFFSET_SECONDS))).date_naive()
}

fn hash_of(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// The `generate` command: `--scale`, `--database-url`, `--seed`, `--now`, `--tokens-out`.
pub async fn cli(args: &[String]) -> Result<(), String> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let scale = flag("--scale")
        .and_then(|s| Scale::parse(&s))
        .ok_or("--scale commune|province|national is required")?;
    let url = flag("--database-url")
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or("--database-url (or DATABASE_URL) is required")?;
    let seed = match flag("--seed") {
        Some(s) => s.parse().map_err(|_| "--seed must be a number")?,
        None => DEFAULT_SEED,
    };
    let now = match flag("--now") {
        Some(s) => DateTime::parse_from_rfc3339(&s)
            .map_err(|e| format!("--now: {e}"))?
            .with_timezone(&Utc),
        // Whole minutes, so two runs in the same minute match.
        None => {
            let t = Utc::now().timestamp();
            Utc.timestamp_opt(t - t % 60, 0)
                .single()
                .unwrap_or_default()
        }
    };
    let (_, summary) = generate_into(&url, Options { scale, seed, now })
        .await
        .map_err(|e| e.to_string())?;
    println!("generated {scale:?} scale, seed {seed}, as of {now}:\n{summary}");
    let tokens = format!(
        "OFFICER_TOKEN={}\nADMIN_TOKEN={}\nOFFICER_ID={}\nCOMMUNE_CODE=00004\n",
        summary.officer_token, summary.admin_token, summary.officer_id
    );
    match flag("--tokens-out") {
        Some(path) => {
            std::fs::write(&path, &tokens).map_err(|e| format!("{path}: {e}"))?;
            println!("tokens written to {path}");
        }
        None => print!("{tokens}"),
    }
    Ok(())
}
