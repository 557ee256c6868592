//! The worker's two loops beside the delivery queue: the dispatcher, which claims due outbox
//! rows and pushes delivery jobs of a few rows each into [`crate::queue`], and the heartbeat, which
//! keeps this worker's claims alive (see [`crate::heartbeat`]).

use std::time::Duration as StdDuration;

use chrono::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    queue::{Deliver, DeliveryQueue},
    sender::Sender,
};

/// Longest a dispatcher at capacity waits before it looks again.
const AT_CAPACITY_WAIT: StdDuration = StdDuration::from_millis(250);

/// Finished delivery jobs are pruned this often, once older than a day.
const PRUNE_EVERY: StdDuration = StdDuration::from_secs(3600);

/// The dispatcher: until `shutdown`, claims due messages and pushes delivery jobs (a few
/// messages each) into `queue`, sleeping `idle` between empty rounds. If a push fails, the claimed
/// rows are released and dispatched again in a later round.
pub async fn dispatch(
    sender: Sender,
    mut queue: DeliveryQueue,
    idle: StdDuration,
    shutdown: CancellationToken,
) {
    let mut pruned_at = std::time::Instant::now();
    loop {
        if pruned_at.elapsed() > PRUNE_EVERY {
            pruned_at = std::time::Instant::now();
            match queue.prune(sender.clock().now() - Duration::days(1)).await {
                Ok(n) => tracing::debug!(jobs = n, "finished delivery jobs pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning finished delivery jobs failed"),
            }
        }
        // One count of the rows this worker holds per round: it is the costliest statement
        // of a burst (it reads every row the worker holds), so the claim reuses it.
        let room = match sender.room().await {
            Ok(room) => room,
            Err(e) => {
                tracing::error!(error = %e, "counting the messages this worker holds failed");
                0
            }
        };
        let at_capacity = room == 0;
        let busy = !at_capacity && dispatch_round(&sender, &mut queue, room).await;
        if busy {
            if shutdown.is_cancelled() {
                return;
            }
            continue;
        }
        // At capacity, room comes back as deliveries finish: wait for some to finish (or
        // for deliveries in other processes, a short while) rather than a whole tick.
        let pause = async {
            if at_capacity {
                sender.room_freed(idle.min(AT_CAPACITY_WAIT)).await;
            } else {
                tokio::time::sleep(idle).await;
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = pause => {}
        }
    }
}

/// One claim round; true when it queued deliveries.
async fn dispatch_round(sender: &Sender, queue: &mut DeliveryQueue, room: u64) -> bool {
    let dispatch = Uuid::now_v7();
    let claimed = match sender.claim_up_to(dispatch, room).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::error!(error = %e, "claiming messages failed");
            return false;
        }
    };
    if claimed.is_empty() {
        return false;
    }
    let ids: Vec<Uuid> = claimed.iter().map(|m| m.id).collect();
    let jobs = Deliver::for_claim(&ids, dispatch);
    if let Err(e) = queue.push(&jobs).await {
        tracing::error!(error = %e, count = jobs.len(), "queueing deliveries failed; they go again in the next claim round");
        if let Err(e) = sender.release(dispatch).await {
            tracing::warn!(error = %e, "releasing the unqueued claims failed; they go again when their lease expires");
        }
        return false;
    }
    true
}

/// The worker's heartbeat: until `shutdown`, [`Sender::beat`] every `heartbeat` interval.
/// A failed beat is logged and tried again; a worker that cannot beat for `stale_after` loses
/// its claims to others, which is what should happen to a worker cut off from the database.
pub async fn heartbeat(sender: Sender, shutdown: CancellationToken) {
    let every = sender.heartbeat_every();
    loop {
        if let Err(e) = sender.beat().await {
            tracing::warn!(error = %e, "worker heartbeat failed");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
