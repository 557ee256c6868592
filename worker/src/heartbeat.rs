//! Worker liveness and claim sizing (see `docs/outbox.md`, "Claims, leases and heartbeats").
//!
//! Every worker keeps a `workers` row fresh ([`beat`], every `SENDER_HEARTBEAT_SECONDS`), and
//! each claimed outbox row names its worker. A dispatcher releases the claims of a worker whose
//! heartbeat is older than `SENDER_STALE_AFTER_SECONDS` at once, so a crash-looping or killed
//! worker delays its messages by seconds, not by a whole lease; the lease stays as a backstop.
//! While a delivery runs, its worker's heartbeat renews its lease, and a worker claims only
//! what it can send well within a lease ([`capacity`]).

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration as StdDuration,
};

use chrono::{DateTime, Duration, Utc};
use entities::{outbox_message, worker};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, LockBehavior, LockType, OnConflict},
};
use tokio::sync::Notify;
use uuid::Uuid;

use store::outbox::MessageStatus;

/// Rows of workers silent this long are deleted (their claims were released long before).
const FORGET_AFTER: Duration = Duration::days(1);

/// What one worker process knows about itself: its id, the deliveries it is running (whose
/// leases its heartbeat renews) and how long gateway calls take.
#[derive(Debug)]
pub struct WorkerState {
    id: Uuid,
    /// Message id → the delivery's own lease token.
    deliveries: Mutex<HashMap<Uuid, Uuid>>,
    /// Moving average of gateway call durations, in milliseconds.
    latency_ms: AtomicU64,
    /// Deliveries finished since the dispatcher last looked, and a wake-up for it.
    finished: AtomicU64,
    freed: Notify,
    /// The rows this worker holds as it last counted them in the table, kept up to date by
    /// its own claims and deliveries between counts (see [`WorkerState::held`]).
    held: Mutex<Option<HeldCount>>,
    /// This worker's dispatcher's last look for rows to take back (see
    /// [`WorkerState::take_back_now`]).
    take_back: Mutex<TakeBackLook>,
}

/// When a dispatcher last looked for rows to take back, and whether it found any.
#[derive(Debug, Default)]
struct TakeBackLook {
    at: Option<DateTime<Utc>>,
    found_some: bool,
}

/// A count of held rows and when it was read from the table.
#[derive(Debug, Clone, Copy)]
struct HeldCount {
    counted_at: std::time::Instant,
    rows: u64,
}

impl WorkerState {
    /// A new worker, assuming gateway calls take `assumed_latency` until it has seen some.
    pub fn new(assumed_latency: StdDuration) -> Self {
        Self {
            id: Uuid::now_v7(),
            deliveries: Mutex::new(HashMap::new()),
            latency_ms: AtomicU64::new(millis(assumed_latency)),
            finished: AtomicU64::new(0),
            freed: Notify::new(),
            held: Mutex::new(None),
            take_back: Mutex::new(TakeBackLook::default()),
        }
    }

    /// The worker's id, stored on the rows it claims.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The rows this worker holds, from its own bookkeeping while the last count from the
    /// table is younger than `fresh_for`; `None` when it must count again. Counting is the
    /// costliest statement of a burst (it reads every row held), and the only rows a worker
    /// holds are those it claimed itself; the recount corrects any drift (a claim whose job
    /// never ran, rows released), and the count only paces claims: leases and tokens, not
    /// this number, keep each message to one delivery.
    pub fn held(&self, fresh_for: StdDuration) -> Option<u64> {
        let held = self.held.lock().ok()?;
        held.filter(|h| h.counted_at.elapsed() < fresh_for)
            .map(|h| h.rows)
    }

    /// Records a count of held rows just read from the table.
    pub fn counted(&self, rows: u64) {
        if let Ok(mut held) = self.held.lock() {
            *held = Some(HeldCount {
                counted_at: std::time::Instant::now(),
                rows,
            });
        }
    }

    /// Whether the claim about to run at `now` should first take back the rows of expired
    /// leases and dead workers: the first claim does, then one every
    /// [`TAKE_BACK_EVERY`](store::outbox::TAKE_BACK_EVERY) (and any after the clock went
    /// back), and every claim while the last look found some (there may be more). Answering
    /// yes counts as looking.
    pub fn take_back_now(&self, now: DateTime<Utc>) -> bool {
        let Ok(mut look) = self.take_back.lock() else {
            return true;
        };
        let due = look.found_some
            || look
                .at
                .is_none_or(|at| now < at || now - at >= store::outbox::TAKE_BACK_EVERY);
        if due {
            look.at = Some(now);
        }
        due
    }

    /// Records what the last look for rows to take back found.
    pub fn took_back(&self, rows: usize) {
        if let Ok(mut look) = self.take_back.lock() {
            look.found_some = rows > 0;
        }
    }

    /// Records `rows` more held, just claimed.
    pub fn claimed(&self, rows: u64) {
        self.adjust_held(|held| held.saturating_add(rows));
    }

    fn adjust_held(&self, change: impl FnOnce(u64) -> u64) {
        if let Ok(mut held) = self.held.lock()
            && let Some(h) = held.as_mut()
        {
            h.rows = change(h.rows);
        }
    }

    /// Notes a running delivery until the returned guard is dropped (the delivery finished,
    /// failed, or its task was cancelled).
    pub fn running(&self, message_id: Uuid, token: Uuid) -> Running<'_> {
        if let Ok(mut d) = self.deliveries.lock() {
            d.insert(message_id, token);
        }
        Running {
            state: self,
            message_id,
        }
    }

    /// Lease tokens of the running deliveries.
    fn tokens(&self) -> Vec<Uuid> {
        self.deliveries
            .lock()
            .map(|d| d.values().copied().collect())
            .unwrap_or_default()
    }

    /// Waits until `enough` deliveries of this process finished since the last call, or
    /// `at_most` passed (deliveries taken by other processes free room without telling this
    /// one). A dispatcher at capacity waits here instead of sleeping a whole tick, so a
    /// burst keeps the gateway calls busy, and claims in rounds rather than row by row.
    pub async fn room_freed(&self, enough: u64, at_most: StdDuration) {
        let deadline = tokio::time::Instant::now() + at_most;
        while self.finished.load(Ordering::Relaxed) < enough.max(1) {
            if tokio::time::timeout_at(deadline, self.freed.notified())
                .await
                .is_err()
            {
                break;
            }
        }
        self.finished.store(0, Ordering::Relaxed);
    }

    /// Records how long a gateway call took.
    pub fn observe(&self, took: StdDuration) {
        let sample = millis(took);
        // An exponential moving average (weight 1/8): a few slow calls move it, one does not.
        let _ = self
            .latency_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some((old.saturating_mul(7).saturating_add(sample)) / 8)
            });
    }

    /// The current estimate of a gateway call's duration.
    pub fn latency(&self) -> StdDuration {
        StdDuration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }
}

fn millis(d: StdDuration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A delivery noted as running; dropping it forgets the delivery.
pub struct Running<'a> {
    state: &'a WorkerState,
    message_id: Uuid,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Ok(mut d) = self.state.deliveries.lock() {
            d.remove(&self.message_id);
        }
        // Delivered, settled, or found no longer ours: either way no longer held.
        self.state.adjust_held(|held| held.saturating_sub(1));
        self.state.finished.fetch_add(1, Ordering::Relaxed);
        self.state.freed.notify_one();
    }
}

/// How many messages a worker may hold at once: what `concurrency` calls of `latency` each
/// get through in half a `lease` (the other half is margin), at least one and at most `batch`.
pub fn capacity(concurrency: usize, lease: Duration, latency: StdDuration, batch: u64) -> u64 {
    let lease_ms = u128::try_from(lease.num_milliseconds()).unwrap_or(0);
    let per_call = latency.as_millis().max(1);
    let n = (concurrency.max(1) as u128).saturating_mul(lease_ms) / (2 * per_call);
    u64::try_from(n).unwrap_or(u64::MAX).clamp(1, batch.max(1))
}

/// One heartbeat: keeps the worker's row fresh, renews the leases of its running deliveries
/// until `lease_until`, and forgets workers silent for a day.
pub async fn beat(
    db: &impl ConnectionTrait,
    state: &WorkerState,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<(), DbErr> {
    worker::Entity::insert(worker::ActiveModel {
        id: Set(state.id),
        started_at: Set(now),
        heartbeat_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(worker::Column::Id)
            .update_column(worker::Column::HeartbeatAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let tokens = state.tokens();
    if !tokens.is_empty() {
        // A row locked right now is being started, finished or taken by one of this worker's
        // grouped writes: skipped, not waited for (a wait here could close a lock cycle with
        // a group), and renewed at the next beat.
        let held = sea_orm::sea_query::Query::select()
            .column(outbox_message::Column::Id)
            .from(outbox_message::Entity)
            .and_where(outbox_message::Column::Status.eq(MessageStatus::Sending.as_str()))
            .and_where(outbox_message::Column::LeaseToken.is_in(tokens))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::LeaseUntil, Expr::value(lease_until))
            .filter(outbox_message::Column::Id.in_subquery(held))
            .exec(db)
            .await?;
    }
    worker::Entity::delete_many()
        .filter(worker::Column::HeartbeatAt.lt(now - FORGET_AFTER))
        .exec(db)
        .await?;
    Ok(())
}

/// A worker stopping on purpose: its remaining claims (dispatched, not yet taken) are released
/// for the next claim round, and its row goes.
pub async fn retire(
    db: &impl ConnectionTrait,
    state: &WorkerState,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LeaseUntil, Expr::value(now))
        .filter(held())
        .filter(outbox_message::Column::WorkerId.eq(state.id))
        .exec(db)
        .await?;
    worker::Entity::delete_by_id(state.id).exec(db).await?;
    Ok(())
}

/// Messages `worker` holds now (claimed or being delivered).
pub async fn held_by(db: &impl ConnectionTrait, worker: Uuid) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    outbox_message::Entity::find()
        .filter(held())
        .filter(outbox_message::Column::WorkerId.eq(worker))
        .count(db)
        .await
}

/// `status = 'sending'` written into the statement rather than bound, so that PostgreSQL
/// plans it with the partial index of held rows (`ix_outbox_held`) even in a generic plan.
fn held() -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!("status = '{}'", MessageStatus::Sending.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatcher_looks_for_rows_to_take_back_on_its_first_claim_then_every_few_seconds() {
        let state = WorkerState::new(StdDuration::from_millis(100));
        let t0 = Utc::now();
        assert!(state.take_back_now(t0), "first claim");
        assert!(!state.take_back_now(t0 + Duration::seconds(1)));
        assert!(!state.take_back_now(t0 + Duration::milliseconds(4_999)));
        assert!(state.take_back_now(t0 + Duration::seconds(5)));
        assert!(!state.take_back_now(t0 + Duration::seconds(6)));
        assert!(
            state.take_back_now(t0 - Duration::seconds(1)),
            "the clock went back: look rather than wait"
        );
        state.took_back(7);
        assert!(state.take_back_now(t0), "found some: look again at once");
        state.took_back(0);
        assert!(!state.take_back_now(t0 + Duration::seconds(1)));
    }

    #[test]
    fn the_held_count_follows_claims_and_deliveries_until_it_must_be_counted_again() {
        let state = WorkerState::new(StdDuration::from_millis(100));
        let fresh = StdDuration::from_secs(60);
        assert_eq!(state.held(fresh), None, "never counted: count");
        state.counted(10);
        state.claimed(3);
        assert_eq!(state.held(fresh), Some(13));
        drop(state.running(Uuid::now_v7(), Uuid::now_v7()));
        assert_eq!(state.held(fresh), Some(12), "a delivery ended");
        assert_eq!(state.held(StdDuration::ZERO), None, "too old: count again");
    }

    #[test]
    fn capacity_is_what_fits_in_half_a_lease() {
        let lease = Duration::seconds(120);
        // 8 calls of 1 s each in 60 s: 480, bounded by the batch.
        assert_eq!(capacity(8, lease, StdDuration::from_secs(1), 100), 100);
        assert_eq!(capacity(8, lease, StdDuration::from_secs(1), 1000), 480);
        // Slow gateways (10 s timeouts) shrink it.
        assert_eq!(capacity(8, lease, StdDuration::from_secs(10), 100), 48);
        assert_eq!(
            capacity(1, Duration::seconds(4), StdDuration::from_secs(1), 100),
            2
        );
        // Never nothing, even when a call outlasts the lease.
        assert_eq!(capacity(1, lease, StdDuration::from_secs(600), 100), 1);
        assert_eq!(capacity(0, Duration::zero(), StdDuration::ZERO, 0), 1);
    }

    #[test]
    fn latency_moves_gradually_and_running_deliveries_are_forgotten_when_dropped() {
        let state = WorkerState::new(StdDuration::from_millis(800));
        state.observe(StdDuration::from_millis(1600));
        assert_eq!(state.latency(), StdDuration::from_millis(900));
        let (message, token) = (Uuid::now_v7(), Uuid::now_v7());
        let running = state.running(message, token);
        assert_eq!(state.tokens(), vec![token]);
        drop(running);
        assert!(state.tokens().is_empty());
    }
}
