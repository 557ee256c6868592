//! The live feed of new and changed escalations behind the `escalationChanged` subscription.
//!
//! Changes are written by the worker sweep and by API mutations, possibly in other processes,
//! so the feed polls the `escalations` table by `updated_at` rather than listening in memory:
//! it works across processes and on both databases. Each poll rereads a short overlap before
//! the newest change seen (a transaction stamps `updated_at` before it commits, so a change can
//! become visible after a later one) and drops what it already pushed.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration as StdDuration,
};

use chrono::{DateTime, Duration, Utc};
use domain::Clock;
use entities::escalation;
use futures::{Stream, StreamExt, stream};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::{auth::Principal, error::AppResult, scope::commune_condition};

/// How often a subscription looks for changes.
pub const POLL_INTERVAL: StdDuration = StdDuration::from_secs(1);
/// How far before the newest change seen each poll looks again (longest write transaction
/// tolerated between stamping `updated_at` and committing).
pub const OVERLAP: Duration = Duration::minutes(2);
/// Most rows one poll reads; a fuller burst is read over the following polls.
pub const PAGE: u64 = 100;
/// Live subscriptions one WebSocket connection may hold.
pub const MAX_PER_CONNECTION: usize = 5;

/// Where a subscription stands: what it pushed recently and where the next poll starts.
#[derive(Debug, Clone)]
pub struct ChangeCursor {
    /// Nothing changed before the subscription started is pushed.
    started: DateTime<Utc>,
    /// Newest `updated_at` seen.
    newest: DateTime<Utc>,
    /// After a full page: continue right after its last row instead of rereading the overlap.
    after: Option<(DateTime<Utc>, Uuid)>,
    /// Versions pushed inside the overlap window (older ones are pruned). The whole row, not
    /// its stamp: two changes can carry the same `updated_at`.
    pushed: HashMap<Uuid, escalation::Model>,
}

/// Where the next poll reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// Rows with `updated_at` at or after this instant.
    Since(DateTime<Utc>),
    /// Rows strictly after this `(updated_at, id)`.
    After(DateTime<Utc>, Uuid),
}

impl ChangeCursor {
    /// A cursor pushing changes from `started` on.
    pub fn new(started: DateTime<Utc>) -> Self {
        Self {
            started,
            newest: started,
            after: None,
            pushed: HashMap::new(),
        }
    }

    /// Where the next poll reads from.
    pub fn read_from(&self) -> ReadFrom {
        match self.after {
            Some((at, id)) => ReadFrom::After(at, id),
            None => ReadFrom::Since((self.newest - OVERLAP).max(self.started)),
        }
    }

    /// Takes one poll's rows (ordered by `updated_at`, `id`; `full` when the page was full)
    /// and returns those not pushed yet in this version.
    pub fn take(&mut self, rows: Vec<escalation::Model>, full: bool) -> Vec<escalation::Model> {
        self.after = if full {
            rows.last().map(|r| (r.updated_at, r.id))
        } else {
            None
        };
        if let Some(newest) = rows.iter().map(|r| r.updated_at).max() {
            self.newest = self.newest.max(newest);
        }
        let fresh: Vec<_> = rows
            .into_iter()
            .filter(|r| self.pushed.get(&r.id) != Some(r))
            .collect();
        for r in &fresh {
            self.pushed.insert(r.id, r.clone());
        }
        let horizon = self.newest - OVERLAP;
        self.pushed.retain(|_, r| r.updated_at >= horizon);
        fresh
    }
}

/// Counts live subscriptions: overall (a semaphore) and per connection.
#[derive(Debug, Clone)]
pub struct SubscriptionGate {
    overall: Arc<Semaphore>,
}

/// The live subscriptions of one WebSocket connection.
#[derive(Debug, Clone, Default)]
pub struct ConnectionSubscriptions(Arc<AtomicUsize>);

/// A subscription's place, given back when its stream is dropped.
#[derive(Debug)]
pub struct SubscriptionPermit {
    _overall: OwnedSemaphorePermit,
    connection: ConnectionSubscriptions,
}

impl Drop for SubscriptionPermit {
    fn drop(&mut self) {
        self.connection.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl SubscriptionGate {
    /// A gate admitting at most `max` live subscriptions in the process.
    pub fn new(max: usize) -> Self {
        Self {
            overall: Arc::new(Semaphore::new(max)),
        }
    }

    /// A place for one more subscription on `connection`.
    pub fn admit(
        &self,
        connection: &ConnectionSubscriptions,
    ) -> Result<SubscriptionPermit, TooManySubscriptions> {
        let refused = || TooManySubscriptions;
        let previous = connection.0.fetch_add(1, Ordering::AcqRel);
        if previous >= MAX_PER_CONNECTION {
            connection.0.fetch_sub(1, Ordering::AcqRel);
            return Err(refused());
        }
        match self.overall.clone().try_acquire_owned() {
            Ok(permit) => Ok(SubscriptionPermit {
                _overall: permit,
                connection: connection.clone(),
            }),
            Err(_) => {
                connection.0.fetch_sub(1, Ordering::AcqRel);
                Err(refused())
            }
        }
    }
}

/// Refused: the connection or the process holds as many live subscriptions as allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManySubscriptions;

/// One poll: escalations in the caller's scope changed from `from` on, oldest change first.
pub async fn changed(
    db: &DatabaseConnection,
    principal: &Principal,
    from: ReadFrom,
) -> AppResult<Vec<escalation::Model>> {
    let mut cond = commune_condition(&principal.scope(), escalation::Column::CommuneCode);
    cond = match from {
        ReadFrom::Since(at) => cond.add(escalation::Column::UpdatedAt.gte(at)),
        ReadFrom::After(at, id) => cond.add(
            Condition::any()
                .add(escalation::Column::UpdatedAt.gt(at))
                .add(
                    Condition::all()
                        .add(escalation::Column::UpdatedAt.eq(at))
                        .add(escalation::Column::Id.gt(id)),
                ),
        ),
    };
    Ok(escalation::Entity::find()
        .filter(cond)
        .order_by_asc(escalation::Column::UpdatedAt)
        .order_by_asc(escalation::Column::Id)
        .limit(PAGE)
        .all(db)
        .await?)
}

/// The stream of changes the caller may see, from now on, until it is dropped.
pub fn follow(
    db: DatabaseConnection,
    principal: Principal,
    clock: Arc<dyn Clock>,
    permit: SubscriptionPermit,
) -> impl Stream<Item = escalation::Model> + Send {
    let cursor = ChangeCursor::new(clock.now());
    let polls = stream::unfold(
        (db, principal, cursor, permit),
        |(db, principal, mut cursor, permit)| async move {
            loop {
                tokio::time::sleep(POLL_INTERVAL).await;
                match changed(&db, &principal, cursor.read_from()).await {
                    Ok(rows) => {
                        let full = rows.len() as u64 >= PAGE;
                        let fresh = cursor.take(rows, full);
                        if !fresh.is_empty() {
                            return Some((fresh, (db, principal, cursor, permit)));
                        }
                    }
                    // A failed poll is retried at the next interval; the cursor has not moved.
                    Err(e) => tracing::warn!(error = %e.message(), "escalation feed poll failed"),
                }
            }
        },
    );
    polls.flat_map(stream::iter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u128, at: DateTime<Utc>) -> escalation::Model {
        escalation::Model {
            id: Uuid::from_u128(id),
            client_id: Uuid::nil(),
            order_id: Uuid::nil(),
            commune_code: "00004".into(),
            status: domain::escalation::EscalationStatus::Open.as_str().into(),
            level: 1,
            level_since: at,
            opened_at: at,
            top_reported_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            ack_method: None,
            resolved_at: None,
            resolved_by: None,
            outcome: None,
            note: None,
            misses: 1,
            updated_at: at,
        }
    }

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    #[test]
    fn starts_at_the_subscription_and_rereads_the_overlap_after() {
        let mut c = ChangeCursor::new(t(0));
        assert_eq!(c.read_from(), ReadFrom::Since(t(0)));
        assert_eq!(c.take(vec![row(1, t(10))], false).len(), 1);
        assert_eq!(c.read_from(), ReadFrom::Since(t(8)));
    }

    #[test]
    fn pushes_each_version_once_and_a_new_version_again() {
        let mut c = ChangeCursor::new(t(0));
        assert_eq!(c.take(vec![row(1, t(1))], false).len(), 1);
        assert!(c.take(vec![row(1, t(1))], false).is_empty(), "same version");
        // A change committed late with an older stamp is still pushed.
        let late = c.take(vec![row(2, t(0)), row(1, t(1))], false);
        assert_eq!(
            late.iter().map(|r| r.id).collect::<Vec<_>>(),
            [Uuid::from_u128(2)]
        );
        assert_eq!(c.take(vec![row(1, t(3))], false).len(), 1, "new version");
        // A change stamped with the same instant is a new version too.
        let mut acknowledged = row(1, t(3));
        acknowledged.status = domain::escalation::EscalationStatus::Acknowledged
            .as_str()
            .into();
        assert_eq!(c.take(vec![acknowledged], false).len(), 1);
    }

    #[test]
    fn a_full_page_continues_after_its_last_row() {
        let mut c = ChangeCursor::new(t(0));
        c.take(vec![row(1, t(5)), row(2, t(5))], true);
        assert_eq!(c.read_from(), ReadFrom::After(t(5), Uuid::from_u128(2)));
        c.take(vec![row(3, t(5))], false);
        assert_eq!(c.read_from(), ReadFrom::Since(t(3)));
    }

    #[test]
    fn forgets_versions_older_than_the_overlap() {
        let mut c = ChangeCursor::new(t(0));
        c.take(vec![row(1, t(1))], false);
        c.take(vec![row(2, t(10))], false);
        assert_eq!(c.pushed.len(), 1);
    }

    #[test]
    fn bounds_subscriptions_per_connection_and_overall() {
        let gate = SubscriptionGate::new(MAX_PER_CONNECTION + 1);
        let one = ConnectionSubscriptions::default();
        let mut held: Vec<_> = (0..MAX_PER_CONNECTION)
            .map(|_| gate.admit(&one).unwrap())
            .collect();
        assert!(gate.admit(&one).is_err(), "per connection");
        let other = ConnectionSubscriptions::default();
        let last = gate.admit(&other).unwrap();
        assert!(gate.admit(&other).is_err(), "overall");
        held.pop();
        drop(last);
        assert!(
            gate.admit(&one).is_ok(),
            "a dropped subscription gives its place back"
        );
    }
}
