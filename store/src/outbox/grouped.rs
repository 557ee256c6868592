//! A worker's lease writes grouped across its concurrent deliveries (see
//! [`crate::group_commit`]): the starts of attempts in one statement, the outcomes in another.
//! Each delivery still waits for its own write, so a start is durable before its gateway call
//! and an outcome before the delivery returns, exactly as when each went alone. Only
//! PostgreSQL groups (SQLite has one writer at a time), and an outcome that alerts officers
//! (a failed message) goes alone, in its transaction.

use sea_orm::{DatabaseBackend, DatabaseConnection, DbErr};
use uuid::Uuid;

use super::lease::{Outcome, Start, finish, finish_all, start_all, start_attempt};
use crate::group_commit::GroupCommit;

/// Most writes in one statement. A group runs while the next gathers, so under load the groups
/// fill up: at 64, the outcomes of a national burst came in full groups and their writer was
/// the limit (one statement of 64 per ~50 ms with its commit); at 256 it was not.
pub const MAX_GROUP: usize = 256;

/// Groups of one kind in flight at once. The next group gathers and starts while earlier ones
/// wait on their round trip and commit: one at a time, a group of ~50 took 35–40 ms of wall
/// time for 2–5 ms of execution, and the national burst went 1,110 → 1,480 msg/s at 4
/// (8: no better; docs/benchmarks.md, fifth session).
pub const GROUPS_IN_FLIGHT: usize = 4;

/// The lease writes of one worker process.
pub struct GroupedWrites {
    db: DatabaseConnection,
    starts: GroupCommit<Start, Option<Uuid>>,
    finishes: GroupCommit<Outcome, bool>,
}

impl GroupedWrites {
    /// Writes over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        let (on_start, on_finish) = (db.clone(), db.clone());
        Self {
            db,
            starts: GroupCommit::new(MAX_GROUP, move |starts: Vec<Start>| {
                let db = on_start.clone();
                async move { start_all(&db, &starts).await }
            })
            .in_flight(GROUPS_IN_FLIGHT),
            finishes: GroupCommit::new(MAX_GROUP, move |outcomes: Vec<Outcome>| {
                let db = on_finish.clone();
                async move { finish_all(&db, outcomes).await }
            })
            .in_flight(GROUPS_IN_FLIGHT),
        }
    }

    /// Records that a call is about to start (see [`start_attempt`]): the attempt's id, or
    /// `None` when the lease is lost (and no call may be made).
    pub async fn start(&self, start: Start) -> Result<Option<Uuid>, DbErr> {
        if self.db.get_database_backend() != DatabaseBackend::Postgres {
            return start_attempt(&self.db, &start).await;
        }
        self.starts.submit(start).await
    }

    /// Records an outcome (see [`finish`]); returns the đồng its attempt was billed, if any.
    pub async fn finish(&self, o: Outcome) -> Result<Option<i64>, DbErr> {
        if !o.groups(self.db.get_database_backend()) {
            return finish(&self.db, o).await;
        }
        let billed = o.billed_vnd();
        self.finishes.submit(o).await?;
        Ok(billed)
    }
}
