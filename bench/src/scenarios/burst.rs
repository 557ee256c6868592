//! The Monday morning burst: a check-in prompt to every client in scope (`--messages`, one per
//! client by default, spread over the clients with SMS consent), all due in the same minute,
//! delivered by `--workers` whole workers (planner, dispatcher, apalis delivery workers) to a
//! fake eSMS on loopback that answers after `--gateway-ms` (50). Reports the time to the last
//! acceptance, messages per second, and the queue lag: how long after the start the first 10 %,
//! 50 %, 90 %, 100 % had been accepted. With `--graphile-worker N`, graphile-worker runs N
//! no-op jobs on the same PostgreSQL in the same run (`bench/peers/graphile-worker/run.sh`).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration as StdDuration, Instant},
};

use axum::{Json, Router, extract::State, routing::post};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    ManualClock,
    messaging::templates::{TemplateKey, Vars},
};
use entities::{client, outbox_message};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};
use store::{outbox::MessageStatus, settings::SenderSettings};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use worker::gateways::GatewaySettings;

use crate::harness::{machine::Machine, options::Options, report::Report};

const ESMS_PATH: &str = "/MainService.svc/json/SendMultipleMessage_V4_post_json/";

/// Message ids the fake gateway accepted, with how often, and when each acceptance happened.
#[derive(Default)]
struct Gateway {
    /// The ids this run waits for; others (messages already due in the database) are
    /// accepted but not timed.
    expected: HashSet<String>,
    seen: HashMap<String, u32>,
    accepted_at: Vec<StdDuration>,
}

#[derive(Clone)]
struct GatewayState {
    gateway: Arc<Mutex<Gateway>>,
    started: Instant,
    latency: StdDuration,
}

async fn fake_esms(State(s): State<GatewayState>, Json(body): Json<Value>) -> Json<Value> {
    tokio::time::sleep(s.latency).await;
    let id = body["RequestId"].as_str().unwrap_or_default().to_owned();
    if let Ok(mut g) = s.gateway.lock()
        && g.expected.contains(&id)
    {
        *g.seen.entry(id.clone()).or_default() += 1;
        g.accepted_at.push(s.started.elapsed());
    }
    Json(json!({ "CodeResult": "100", "SMSID": format!("sms-{id}") }))
}

/// A fake eSMS on loopback answering every message after a fixed latency.
pub struct FakeEsms {
    state: GatewayState,
    /// Its base URL.
    pub url: String,
    /// When it started (acceptance times count from here).
    pub started: Instant,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl FakeEsms {
    /// Starts the fake on an ephemeral port, timing the acceptance of `expected` ids.
    pub async fn start(latency: StdDuration, expected: HashSet<String>) -> Result<Self, String> {
        let started = Instant::now();
        let state = GatewayState {
            gateway: Arc::new(Mutex::new(Gateway {
                expected,
                ..Gateway::default()
            })),
            started,
            latency,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let app = Router::new()
            .route(ESMS_PATH, post(fake_esms))
            .with_state(state.clone());
        let task = tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self {
            state,
            url,
            started,
            task,
        })
    }

    /// Messages accepted so far.
    pub fn accepted(&self) -> usize {
        self.state.gateway.lock().map_or(0, |g| g.accepted_at.len())
    }

    /// Waits until `count` messages were accepted or `limit` passed since the start.
    pub async fn wait_for(&self, count: usize, limit: StdDuration) {
        while self.accepted() < count && self.started.elapsed() < limit {
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    }

    /// Stops it; returns distinct expected ids seen, those seen more than once, and the sorted
    /// acceptance times.
    pub fn stop(self) -> (usize, usize, Vec<StdDuration>) {
        self.task.abort();
        let Ok(g) = self.state.gateway.lock() else {
            return (0, 0, Vec::new());
        };
        let mut times = g.accepted_at.clone();
        times.sort();
        (
            g.seen.len(),
            g.seen.values().filter(|n| **n > 1).count(),
            times,
        )
    }
}

/// Monday 7 December 2026, 08:00 in Hà Nội
/// (01:00 UTC), outside quiet hours.
fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The latest Monday 08:00 in Hà Nội (01:00 UTC) at or before `t`.
fn monday_morning_before(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::{Datelike, NaiveTime};
    let date = (t - Duration::hours(1)).date_naive();
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    monday
        .and_time(NaiveTime::from_hms_opt(1, 0, 0).unwrap_or_default())
        .and_utc()
}

/// The burst's "now": `--at`, or else a Monday 08:00 at which nothing already in the outbox is
/// due, so the burst is measured alone. The generator leaves the upcoming weeks' prompts and
/// reminders queued; a clock past them would make the workers deliver that backlog first
/// (about 100,000 messages at national scale) and the burst would wait behind it.
async fn burst_time(db: &DatabaseConnection, at: Option<&str>) -> Result<DateTime<Utc>, String> {
    if let Some(at) = at {
        return DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("--at: {e}"));
    }
    let earliest: Option<DateTime<Utc>> = outbox_message::Entity::find()
        .select_only()
        .column_as(outbox_message::Column::NextAttemptAt.min(), "earliest")
        .filter(outbox_message::Column::Status.is_in(PENDING))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await
        .map_err(|e| e.to_string())?
        .flatten();
    Ok(match earliest {
        Some(t) if t <= monday_morning() + Duration::minutes(1) => {
            monday_morning_before(t - Duration::minutes(1))
        }
        _ => monday_morning(),
    })
}

/// Statuses of messages a worker would still deliver.
const PENDING: [&str; 4] = [
    MessageStatus::Queued.as_str(),
    MessageStatus::Deferred.as_str(),
    MessageStatus::Unconfirmed.as_str(),
    MessageStatus::Sending.as_str(),
];

/// Messages other than the burst's that are due at `now` (they would be delivered first).
async fn backlog_at(
    db: &DatabaseConnection,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<u64, String> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.is_in(PENDING))
        .filter(outbox_message::Column::NextAttemptAt.lte(now))
        .filter(sea_orm::sea_query::ExprTrait::not(
            outbox_message::Column::DedupeKey.starts_with(prefix),
        ))
        .count(db)
        .await
        .map_err(|e| e.to_string())
}

/// Writes `messages` check-in prompts due a minute before `now` (`urgent` ones go even in
/// quiet hours), in batches; returns the run's dedupe-key prefix and the messages' ids (the
/// eSMS `RequestId`s to expect).
pub async fn seed(
    db: &DatabaseConnection,
    clients: &[(Uuid, String)],
    messages: usize,
    now: DateTime<Utc>,
    urgent: bool,
) -> Result<(String, HashSet<String>), String> {
    let prefix = format!("burst:{}", Uuid::now_v7().simple());
    let mut ids = HashSet::with_capacity(messages);
    let txn = store::db::begin_write(db)
        .await
        .map_err(|e| e.to_string())?;
    let vars = serde_json::to_string(
        &Vars::new()
            .with("name", "Nguyễn Văn An")
            .with("link", "https://donghanh.example/c/AbCdEfGh"),
    )
    .map_err(|e| e.to_string())?;
    let due = now - Duration::minutes(1);
    let keys: Vec<usize> = (0..messages).collect();
    for chunk in keys.chunks(500) {
        let rows = chunk.iter().map(|n| {
            let (client_id, commune) = &clients[n % clients.len()];
            let id = Uuid::now_v7();
            ids.insert(id.to_string());
            outbox_message::ActiveModel {
                id: Set(id),
                dedupe_key: Set(format!("{prefix}:{n}")),
                recipient_kind: Set("client".into()),
                client_id: Set(Some(*client_id)),
                officer_id: Set(None),
                commune_code: Set(commune.clone()),
                template: Set(TemplateKey::CheckInPrompt.as_str().into()),
                vars: Set(vars.clone()),
                due_at: Set(due),
                urgent: Set(urgent),
                status: Set(MessageStatus::Queued.as_str().into()),
                channel: Set(None),
                channel_index: Set(0),
                attempts: Set(0),
                next_attempt_at: Set(due),
                lease_token: Set(None),
                lease_until: Set(None),
                last_outcome: Set(None),
                last_reason: Set(None),
                provider_message_id: Set(None),
                source_type: Set("bench_burst".into()),
                source_id: Set(None),
                sent_at: Set(None),
                delivered_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                expires_at: Set(None),
                worker_id: Set(None),
                channels: Set(None),
                held_reason: Set(None),
            }
        });
        let rows: Vec<_> = rows.collect();
        outbox_message::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .map_err(|e| e.to_string())?;
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok((prefix, ids))
}

/// Clients who can get an SMS (consent, a phone, not opted out), in `commune` or everywhere,
/// with their commune.
pub async fn clients_in_scope(
    db: &DatabaseConnection,
    commune: Option<&str>,
) -> Result<Vec<(Uuid, String)>, String> {
    let mut select = client::Entity::find()
        .select_only()
        .columns([client::Column::Id, client::Column::CommuneCode])
        .filter(client::Column::SmsConsentAt.is_not_null())
        .filter(client::Column::Phone.is_not_null())
        .filter(client::Column::OptedOutAt.is_null())
        .order_by_asc(client::Column::Id);
    if let Some(commune) = commune {
        select = select.filter(client::Column::CommuneCode.eq(commune));
    }
    Ok(select
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(id, c)| (id, c.trim().to_owned()))
        .collect())
}

/// Runs the burst.
pub async fn run(options: &Options) -> Result<Report, String> {
    let url = options.database_url()?;
    let pool: u32 = options.num("pool", 20)?;
    let db = store::db::connect(&url, pool.max(2))
        .await
        .map_err(|e| e.to_string())?;
    let machine = Machine::describe(&db).await;
    let mut report = Report::new("monday-burst", machine, &options.command_line);
    let workers: usize = options.num("workers", 1)?.max(1);
    let sender = SenderSettings {
        batch: options.num("batch", SenderSettings::default().batch)?,
        concurrency: options.num("concurrency", SenderSettings::default().concurrency)?,
        ..SenderSettings::default()
    };
    let latency = StdDuration::from_millis(options.num("gateway-ms", 50)?);
    let now = burst_time(&db, options.get("at")).await?;

    let clients = clients_in_scope(&db, options.get("commune")).await?;
    if clients.is_empty() {
        return Err("no client with SMS consent: run `bench -- generate` first".into());
    }
    let messages: usize = options.num("messages", clients.len())?.max(1);
    let seeding = Instant::now();
    let (prefix, ids) = seed(&db, &clients, messages, now, false).await?;
    println!(
        "queued {messages} prompts for {} clients in {:.1} s",
        clients.len(),
        seeding.elapsed().as_secs_f64()
    );

    let backlog = backlog_at(&db, &prefix, now).await?;
    println!("burst at {now}; {backlog} other messages due then (delivered alongside)");
    let gateway = FakeEsms::start(latency, ids).await?;
    let started = gateway.started;
    let mut settings = worker::WorkerSettings::for_tests();
    settings.gateways = GatewaySettings::for_tests(&gateway.url, &gateway.url);
    settings.tick = StdDuration::from_millis(100);
    // The planner on its production schedule (the tests' every second would add a national
    // sweep's reads to every second of the burst).
    settings.planner_cron = store::settings::DEFAULT_PLANNER_CRON.into();
    settings.sender = sender.clone();
    let clock = Arc::new(ManualClock::new(now));
    let shutdown = CancellationToken::new();
    let running: Vec<_> = (0..workers)
        .map(|_| {
            tokio::spawn(worker::run(
                db.clone(),
                clock.clone(),
                settings.clone(),
                shutdown.clone(),
            ))
        })
        .collect();
    let limit = StdDuration::from_secs(options.num("timeout", 1800)?);
    gateway.wait_for(messages, limit).await;
    let elapsed = started.elapsed().as_secs_f64();
    shutdown.cancel();
    for w in running {
        let _ = w.await;
    }
    let sent = outbox_message::Entity::find()
        .filter(outbox_message::Column::DedupeKey.starts_with(&prefix))
        .filter(outbox_message::Column::Status.eq(MessageStatus::Sent.as_str()))
        .count(&db)
        .await
        .map_err(|e| e.to_string())?;
    let (ids, repeated, times) = gateway.stop();
    let at = |p: f64| {
        let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len().max(1)) - 1;
        times.get(i).map_or(f64::NAN, StdDuration::as_secs_f64)
    };
    let total = times.len();
    let rate = total as f64 / elapsed.max(1e-9);
    report.row(
        "Đồng Hành Monday burst",
        format!(
            "{messages} prompts to {} clients, {workers} worker(s), batch {}, concurrency {}, pool {pool}, gateway answers in {} ms",
            clients.len(),
            sender.batch,
            sender.concurrency,
            latency.as_millis()
        ),
        format!(
            "last acceptance after **{elapsed:.1} s**, **{rate:.0} msg/s**; 10 % accepted at {:.1} s, 50 % at {:.1} s, 90 % at {:.1} s; {sent} rows `sent`, gateway saw {ids} ids, {repeated} more than once",
            at(0.1),
            at(0.5),
            at(0.9)
        ),
    );
    report.note(format!(
        "Bench process (workers, fake gateway) peak RSS: {:.0} MB. Burst due at {now}; {backlog} other messages were due then.",
        crate::harness::machine::peak_rss_mb("self").unwrap_or(f64::NAN)
    ));
    if let Some(jobs) = options.get("graphile-worker") {
        let peer = graphile_worker(&url, jobs, options).await?;
        report.row(
            "graphile-worker (defaults), same PostgreSQL",
            format!("{jobs} no-op jobs, 1 worker"),
            format!("{peer:.0} jobs/s → burst at **{:.2}×** of it", rate / peer),
        );
    }
    Ok(report)
}

/// Runs `bench/peers/graphile-worker/run.sh URL JOBS` and returns its jobs per second.
async fn graphile_worker(url: &str, jobs: &str, options: &Options) -> Result<f64, String> {
    let script = options
        .get("graphile-worker-script")
        .unwrap_or("bench/peers/graphile-worker/run.sh");
    let out = tokio::process::Command::new(script)
        .args([url, jobs])
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .map_err(|e| format!("{script}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("{script} printed no result: {text}"))?;
    let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    v["jobs_per_second"]
        .as_f64()
        .ok_or_else(|| format!("no jobs_per_second in {line}"))
}
