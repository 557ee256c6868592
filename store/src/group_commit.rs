//! Group commit: writes of one kind from many concurrent callers, made in one statement.
//!
//! Each caller still waits for its own write, so what must be durable before a step (an
//! attempt's start before the gateway call, an outcome before the delivery returns) still is.
//! A bounded number of statements run at once (`in_flight`, one by default); the writes that
//! arrive meanwhile go together in the next (at most `max`). Unloaded, a write goes alone and
//! waits for nothing; under load, a burst's deliveries share statements, connections and
//! commits (issue 9: one statement per message held the pool's connections and bounded the
//! Monday burst).

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, OnceLock},
};

use sea_orm::DbErr;
use tokio::sync::{mpsc, oneshot};

type Reply<T> = oneshot::Sender<Result<T, String>>;
type Run<Req, Resp> = Arc<
    dyn Fn(Vec<Req>) -> Pin<Box<dyn Future<Output = Result<Vec<Resp>, DbErr>> + Send>>
        + Send
        + Sync,
>;

/// Writes of type `Req`, each answered with a `Resp`, made by `run` in groups.
pub struct GroupCommit<Req, Resp> {
    max: usize,
    in_flight: usize,
    run: Run<Req, Resp>,
    queue: OnceLock<mpsc::UnboundedSender<(Req, Reply<Resp>)>>,
}

impl<Req: Send + 'static, Resp: Send + 'static> GroupCommit<Req, Resp> {
    /// Groups of at most `max` writes, each group made by `run`, which answers every write of
    /// the group in order (or fails them all).
    pub fn new<F, Fut>(max: usize, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Resp>, DbErr>> + Send + 'static,
    {
        Self {
            max: max.max(1),
            in_flight: 1,
            run: Arc::new(move |reqs| Box::pin(run(reqs))),
            queue: OnceLock::new(),
        }
    }

    /// Lets up to `n` groups run at once: the next group gathers and starts while earlier
    /// ones wait on their round trips and commits.
    #[must_use]
    pub fn in_flight(mut self, n: usize) -> Self {
        self.in_flight = n.max(1);
        self
    }

    /// Makes the write `req` with the others waiting, and returns its answer. An error of the
    /// group's statement is every member's error (nothing of the group was written).
    pub async fn submit(&self, req: Req) -> Result<Resp, DbErr> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .get_or_init(|| self.spawn())
            .send((req, reply))
            .map_err(|_| DbErr::Custom("group commit: the writer stopped".into()))?;
        answer
            .await
            .map_err(|_| DbErr::Custom("group commit: the writer stopped".into()))?
            .map_err(DbErr::Custom)
    }

    /// The writer task, started on first use (so on the caller's runtime); it ends when the
    /// group commit is dropped.
    fn spawn(&self) -> mpsc::UnboundedSender<(Req, Reply<Resp>)> {
        let (queue, mut waiting) = mpsc::unbounded_channel::<(Req, Reply<Resp>)>();
        let (run, max) = (self.run.clone(), self.max);
        let slots = Arc::new(tokio::sync::Semaphore::new(self.in_flight));
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(max);
            // A slot first, then the group: writes that arrive while every slot is busy
            // join the next group instead of waiting behind a fixed one.
            while let Ok(slot) = slots.clone().acquire_owned().await {
                if waiting.recv_many(&mut group, max).await == 0 {
                    break;
                }
                let (reqs, replies): (Vec<Req>, Vec<Reply<Resp>>) = group.drain(..).unzip();
                let written = run(reqs);
                tokio::spawn(async move {
                    answer_all(replies, written.await);
                    drop(slot);
                });
            }
        });
        queue
    }
}

/// Answers each write of a group from the group's result, in order.
fn answer_all<Resp>(replies: Vec<Reply<Resp>>, written: Result<Vec<Resp>, DbErr>) {
    let count = replies.len();
    match written {
        Ok(answers) if answers.len() == count => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(Ok(answer));
            }
        }
        Ok(answers) => {
            let e = format!("group commit: {} answers for {count} writes", answers.len());
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
        Err(e) => {
            let e = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[tokio::test]
    async fn concurrent_writes_share_groups_and_each_gets_its_own_answer() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let group = Arc::new(GroupCommit::new(8, move |reqs: Vec<u32>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(reqs.len());
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok(reqs.into_iter().map(|r| r * 10).collect())
            }
        }));
        let answers = futures::future::join_all((0..20u32).map(|i| {
            let group = group.clone();
            async move { group.submit(i).await.unwrap() }
        }))
        .await;
        assert_eq!(answers, (0..20u32).map(|i| i * 10).collect::<Vec<_>>());
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 20);
        assert!(sizes.iter().all(|s| *s <= 8), "{sizes:?}");
        assert!(sizes.len() < 20, "no write was grouped: {sizes:?}");
    }

    #[tokio::test]
    async fn groups_run_at_once_up_to_the_in_flight_limit() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (now, peak) = (running.clone(), most.clone());
        let group = Arc::new(
            GroupCommit::new(2, move |reqs: Vec<u32>| {
                let (now, peak) = (now.clone(), peak.clone());
                async move {
                    peak.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    now.fetch_sub(1, SeqCst);
                    Ok(reqs.into_iter().map(|r| r + 1).collect())
                }
            })
            .in_flight(3),
        );
        let answers = futures::future::join_all((0..12u32).map(|i| {
            let group = group.clone();
            async move { group.submit(i).await.unwrap() }
        }))
        .await;
        assert_eq!(answers, (1..13u32).collect::<Vec<_>>());
        assert_eq!(
            most.load(SeqCst),
            3,
            "three groups of two at once, never more"
        );
    }

    #[tokio::test]
    async fn a_failed_group_fails_each_of_its_writes() {
        let group = GroupCommit::new(4, |_reqs: Vec<u32>| async {
            Err::<Vec<u32>, _>(DbErr::Custom("down".into()))
        });
        let e = group.submit(1).await.unwrap_err();
        assert!(e.to_string().contains("down"), "{e}");
        let mismatched = GroupCommit::new(4, |_reqs: Vec<u32>| async { Ok(Vec::<u32>::new()) });
        assert!(mismatched.submit(1).await.is_err());
    }
}
