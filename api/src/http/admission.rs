//! Admission of GraphQL work: a bounded number of requests validate and execute at once, each
//! within a time limit that also holds for CPU-bound work.
//!
//! Validation and execution run on a blocking thread of their own. A document that keeps a CPU
//! busy therefore never holds one of the runtime's worker threads (other requests, health
//! checks and check-in links keep being served), and the handler, waiting on that thread
//! from the runtime, answers when the time is up even though the work never yields. The work
//! itself stops at its next await point; the document checks in `limits` keep CPU-bound
//! stretches short, and the semaphore caps how many can be in flight.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::settings::GraphqlLimits;

/// Why a request was not answered by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Every slot stayed busy for the whole queue wait.
    Overloaded,
    /// Validation and execution took longer than the timeout.
    TimedOut,
}

/// The slots for GraphQL work and the time limits.
#[derive(Debug, Clone)]
pub struct Gate {
    slots: Arc<Semaphore>,
    queue_wait: Duration,
    timeout: Duration,
}

impl Gate {
    /// A gate with `GRAPHQL_MAX_CONCURRENT` slots.
    pub fn new(limits: &GraphqlLimits) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limits.max_concurrent)),
            queue_wait: limits.queue_wait,
            timeout: limits.execution_timeout,
        }
    }

    /// Runs `work` in a slot, on a blocking thread, within the timeout.
    pub async fn run<F>(&self, work: F) -> Result<F::Output, Refused>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let slot = tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Refused::Overloaded)?
            // The semaphore is never closed.
            .map_err(|_| Refused::Overloaded)?;
        let runtime = tokio::runtime::Handle::current();
        let timeout = self.timeout;
        let work = work.instrument(tracing::Span::current());
        let task = tokio::task::spawn_blocking(move || {
            // The slot is held until the work really ends, not when the caller stops waiting.
            let _slot = slot;
            runtime.block_on(tokio::time::timeout(timeout, work))
        });
        match tokio::time::timeout(timeout, task).await {
            Ok(Ok(Ok(output))) => Ok(output),
            Ok(Ok(Err(_))) | Err(_) => Err(Refused::TimedOut),
            // A panic in a resolver reaches the panic layer as it did before the work moved here.
            Ok(Err(join)) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(max_concurrent: usize, queue_wait_ms: u64, timeout_ms: u64) -> Gate {
        Gate {
            slots: Arc::new(Semaphore::new(max_concurrent)),
            queue_wait: Duration::from_millis(queue_wait_ms),
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_that_never_yields_is_answered_at_the_timeout() {
        let gate = gate(2, 1_000, 100);
        let busy = async {
            let until = std::time::Instant::now() + Duration::from_millis(1_500);
            while std::time::Instant::now() < until {
                std::hint::spin_loop();
            }
        };
        let started = std::time::Instant::now();
        assert_eq!(gate.run(busy).await, Err(Refused::TimedOut));
        assert!(started.elapsed() < Duration::from_millis(1_400));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_gate_refuses_after_the_queue_wait_and_reopens() {
        let gate = gate(1, 50, 5_000);
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let holder = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(async move { released.await.ok() }).await }
        });
        // Wait until the holder has its slot.
        while gate.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.run(async { 1 }).await, Err(Refused::Overloaded));
        release.send(()).unwrap();
        assert_eq!(holder.await.unwrap(), Ok(Some(())));
        assert_eq!(gate.run(async { 2 }).await, Ok(2));
    }
}
