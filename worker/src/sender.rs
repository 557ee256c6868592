//! The sender: claims due outbox rows under a lease (the dispatcher, [`crate::dispatcher`],
//! then queues apalis jobs of a few rows each, see [`crate::queue`]); each job takes its rows,
//! reads their facts once ([`crate::job_facts`]), and for each message asks
//! `domain::messaging::delivery_decision` what to do, calls the gateway if told to, and
//! records the outcome.
//!
//! Crash safety (see `docs/outbox.md`): a row is claimed (status `sending`, a lease token and
//! an expiry) and then taken by exactly one delivery (token swapped) before any gateway call;
//! the call is recorded as started (an `in_flight` attempt row, written under the lease) before
//! it is made, and the row finalised after it, guarded by the token. A worker killed in between
//! leaves the row `sending`; when it is claimed again, an `in_flight` row says a call may have
//! left. If the channel deduplicates (eSMS `RequestId` = our message id, the console), the
//! message is simply sent again: the gateway drops the repeat. If it does not (Zalo), the
//! message becomes `unconfirmed` and waits for a delivery receipt before anything is resent.

use std::{collections::HashMap, sync::Arc, time::Duration as StdDuration};

use domain::{
    Clock,
    messaging::{
        channel::Channel,
        channel_knowledge::{Lesson, lesson},
        delivery_decision::{
            AfterSend, BeforeSend, DeliveryAction, DeliveryRules, Recipient, Step, after_send,
            before_send,
        },
        outcome::{AttemptOutcome, OutcomeClass},
        templates::{TemplateKey, Vars},
    },
};
use entities::outbox_message;
use futures::StreamExt;
use sea_orm::DbErr;
use tokio::sync::Semaphore;
use uuid::Uuid;

use store::{
    outbox::{
        Attempt, Claim, Finish, GroupedWrites, Outcome, Start, attempts_on, claim, release,
        settle_interrupted, take_all, take_back,
    },
    policy::Policy,
    pricing::start_billing,
    settings::SenderSettings,
};

use crate::{
    budget_gate,
    gateways::{Gateways, OutgoingMessage},
    heartbeat::{self, Running, WorkerState},
    job_facts::JobFacts,
    recipient,
};

/// Sends due messages.
#[derive(Clone)]
pub struct Sender {
    db: sea_orm::DatabaseConnection,
    gateways: Gateways,
    clock: Arc<dyn Clock>,
    policy_defaults: Policy,
    settings: SenderSettings,
    worker: Arc<WorkerState>,
    writes: Arc<GroupedWrites>,
    /// Gateway calls at once (`SENDER_CONCURRENCY`), shared by the worker's delivery jobs.
    calls: Arc<Semaphore>,
}

impl Sender {
    /// A sender over `db` with these gateways.
    pub fn new(
        db: sea_orm::DatabaseConnection,
        gateways: Gateways,
        clock: Arc<dyn Clock>,
        policy_defaults: Policy,
        settings: SenderSettings,
    ) -> Self {
        let worker = Arc::new(WorkerState::new(settings.assumed_latency));
        let writes = Arc::new(GroupedWrites::new(db.clone()));
        let calls = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        Self {
            writes,
            calls,
            db,
            gateways,
            clock,
            policy_defaults,
            settings,
            worker,
        }
    }

    /// The clock this sender reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// How often the heartbeat should beat.
    pub fn heartbeat_every(&self) -> StdDuration {
        self.settings
            .heartbeat
            .to_std()
            .unwrap_or(StdDuration::from_secs(5))
    }

    /// The id this worker stores on the rows it claims and in its heartbeat.
    pub fn worker_id(&self) -> Uuid {
        self.worker.id()
    }

    /// One heartbeat (see [`crate::heartbeat`]): the worker is alive, and its running
    /// deliveries keep their leases.
    pub async fn beat(&self) -> Result<(), DbErr> {
        let now = self.clock.now();
        heartbeat::beat(&self.db, &self.worker, now, now + self.settings.lease).await
    }

    /// Releases the claims of one dispatch that no job will take (the push failed): they are
    /// claimed again in the next round.
    pub async fn release(&self, dispatch: Uuid) -> Result<(), DbErr> {
        release(&self.db, dispatch, self.clock.now()).await
    }

    /// The worker stops on purpose: its untaken claims go back at once.
    pub async fn retire(&self) -> Result<(), DbErr> {
        heartbeat::retire(&self.db, &self.worker, self.clock.now()).await
    }

    /// How many more messages this worker may claim now: its [`heartbeat::capacity`] less
    /// what it holds.
    pub async fn room(&self) -> Result<u64, DbErr> {
        let held = match self.worker.held(self.heartbeat_every()) {
            Some(held) => held,
            None => {
                let held = heartbeat::held_by(&self.db, self.worker.id()).await?;
                self.worker.counted(held);
                held
            }
        };
        Ok(self.capacity().saturating_sub(held))
    }

    fn capacity(&self) -> u64 {
        let s = &self.settings;
        heartbeat::capacity(s.concurrency, s.lease, self.worker.latency(), s.batch)
    }

    /// Waits (at most `at_most`) until a quarter of this worker's capacity, or at least one
    /// message, has been delivered since the last wait: the dispatcher's pause at capacity.
    pub async fn room_freed(&self, at_most: StdDuration) {
        self.worker.room_freed(self.capacity() / 4, at_most).await;
    }

    /// Claims one batch of due messages and delivers them in this task (tests and tools; the
    /// worker hands the claimed rows to the apalis queue instead, see [`crate::queue`]).
    /// Returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, DbErr> {
        let dispatch = Uuid::now_v7();
        let claimed = self.claim_due(dispatch).await?;
        let count = claimed.len();
        let results: Vec<Result<bool, DbErr>> = futures::stream::iter(claimed)
            .map(|m| async move { self.deliver(m.id, dispatch).await })
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        for r in results {
            if let Err(e) = r {
                tracing::error!(error = %e, "sending a message failed; its lease will expire and it will be retried");
            }
        }
        Ok(count)
    }

    /// Claims due messages under the `dispatch` lease token, as many as there is
    /// [`room`](Self::room) for; also claims back those of workers whose heartbeat stopped.
    pub async fn claim_due(&self, dispatch: Uuid) -> Result<Vec<outbox_message::Model>, DbErr> {
        let room = self.room().await?;
        self.claim_up_to(dispatch, room).await
    }

    /// Claims due messages under the `dispatch` lease token, at most `room` (what
    /// [`room`](Self::room) answered just before): first, when it is time to look
    /// ([`WorkerState::take_back_now`]), the rows that dead workers and lost jobs left
    /// `sending`, then due ones for the rest of the room.
    pub async fn claim_up_to(
        &self,
        dispatch: Uuid,
        room: u64,
    ) -> Result<Vec<outbox_message::Model>, DbErr> {
        if room == 0 {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let c = Claim {
            token: dispatch,
            worker: self.worker.id(),
            now,
            lease_until: now + self.settings.lease,
            stale_before: now - self.settings.stale_after,
            limit: room,
        };
        let mut claimed = Vec::new();
        if self.worker.take_back_now(now) {
            claimed = take_back(&self.db, c).await?;
            self.worker.took_back(claimed.len());
        }
        let rest = room.saturating_sub(u64::try_from(claimed.len()).unwrap_or(u64::MAX));
        if rest > 0 {
            claimed.extend(claim(&self.db, Claim { limit: rest, ..c }).await?);
        }
        self.worker
            .claimed(u64::try_from(claimed.len()).unwrap_or(u64::MAX));
        Ok(claimed)
    }

    /// Delivers one claimed message (see [`deliver_all`](Self::deliver_all)). Returns
    /// `false`, changing nothing, when the claim is no longer this dispatch's.
    pub async fn deliver(&self, message_id: Uuid, dispatch: Uuid) -> Result<bool, DbErr> {
        Ok(self.deliver_all(&[message_id], dispatch).await? == 1)
    }

    /// Delivers the claimed messages of one job: takes them all from the `dispatch` claim
    /// (counting an attempt each, one statement), reads their facts once ([`JobFacts`]), then
    /// for each, at once as far as the worker's call slots allow, decides, calls the gateway
    /// and records the outcome.
    /// Returns how many were taken: a message whose claim is no longer this dispatch's (a job
    /// run twice, or one that outlived its lease and was dispatched again) is skipped,
    /// changing nothing. A message whose delivery fails is logged and left to its lease, the
    /// others go on, and the first error is returned.
    pub async fn deliver_all(&self, message_ids: &[Uuid], dispatch: Uuid) -> Result<usize, DbErr> {
        let now = self.clock.now();
        let takers: Vec<(Uuid, Uuid)> =
            message_ids.iter().map(|id| (*id, Uuid::now_v7())).collect();
        // Noted before the take, so a heartbeat renews the leases from the moment they are ours.
        let mut running: HashMap<Uuid, Running<'_>> = takers
            .iter()
            .map(|&(id, token)| (id, self.worker.running(id, token)))
            .collect();
        let lease_until = now + self.settings.lease;
        let taken = take_all(
            &self.db,
            &takers,
            dispatch,
            self.worker.id(),
            now,
            lease_until,
        )
        .await?;
        let mut taken: HashMap<Uuid, outbox_message::Model> =
            taken.into_iter().map(|m| (m.id, m)).collect();
        if taken.len() < message_ids.len() {
            tracing::debug!(
                skipped = message_ids.len() - taken.len(),
                "delivery job for claims that are no longer current; skipped those"
            );
        }
        // In the job's order; the guards of rows not taken drop here.
        let messages: Vec<_> = takers
            .iter()
            .filter_map(|&(id, token)| {
                let m = taken.remove(&id)?;
                Some((m, token, running.remove(&id)?))
            })
            .collect();
        drop(running);
        let count = messages.len();
        if count == 0 {
            return Ok(0);
        }
        let facts = {
            let models: Vec<&outbox_message::Model> = messages.iter().map(|(m, ..)| m).collect();
            JobFacts::load(&self.db, &self.policy_defaults, &models).await?
        };
        // The job's messages go at once, each holding one of the worker's call slots
        // (`SENDER_CONCURRENCY`), so their starts and outcomes share group commits.
        let facts = &facts;
        let results = futures::future::join_all(messages.into_iter().map(
            |(m, token, running)| async move {
                let id = m.id;
                let result = match self.calls.acquire().await {
                    Ok(_slot) => self.process(m, token, facts).await,
                    Err(_) => Err(DbErr::Custom("the worker's call slots are closed".into())),
                };
                if let Err(e) = &result {
                    tracing::error!(error = %e, message_id = %id, "delivering a message failed; it goes again when its lease expires");
                }
                // Settled (or left to its lease): no longer held.
                drop(running);
                result
            },
        ))
        .await;
        match results.into_iter().find_map(Result::err) {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    /// Gathers the facts about a taken message, lets the decision settle it or pick a
    /// channel, and makes the call.
    async fn process(
        &self,
        m: outbox_message::Model,
        token: Uuid,
        job: &JobFacts,
    ) -> Result<(), DbErr> {
        let now = self.clock.now();
        let interrupted_in_doubt = self.settle_interrupted(&m).await?;
        let template = TemplateKey::from_stored(&m.template);
        let recipient = template.and_then(|t| recipient::lookup(job, &self.gateways, &m, t, now));
        let policy = job.policy(&m.commune_code)?;
        let rules = self.rules();
        let index = usize::try_from(m.channel_index).unwrap_or(0);
        let facts = BeforeSend {
            now,
            interrupted_in_doubt,
            expires_at: m.expires_at,
            template_known: template.is_some(),
            recipient: recipient.as_ref().map(|r| Recipient {
                plan: &r.plan,
                opted_out: r.opted_out,
            }),
            quiet_hours: &policy.quiet_hours,
            urgent: m.urgent,
            channel_index: recipient
                .as_ref()
                .map_or(index, |r| r.first_to_try(index, now)),
            last_ambiguous: m.last_outcome.as_deref() == Some(AttemptOutcome::Ambiguous.as_str()),
        };
        let (index, channel) = match before_send(&facts, &rules, |c| self.deduplicates(c)) {
            Step::Send { index, channel } => (index, channel),
            Step::Settle(action) => {
                let f = Finish::for_action(&m, action, now);
                return self.finish(&m, token, f, now, None, job).await;
            }
        };
        let (Some(template), Some(recipient)) = (template, recipient) else {
            // `before_send` sends only with a known template and recipient.
            return Err(DbErr::Custom(
                "decided to send without a template or recipient".into(),
            ));
        };
        let route = match budget_gate::route(
            &self.db,
            job,
            &m,
            template,
            &recipient,
            (index, channel),
            now,
        )
        .await?
        {
            Ok(route) => route,
            Err(f) => return self.finish(&m, token, f, now, None, job).await,
        };
        let (index, channel) = (route.index, route.channel);
        let gateway = self.gateways.get(channel);
        let start = Start {
            message_id: m.id,
            token,
            channel,
            at: now,
            billing: start_billing(&job.prices, &m, gateway.provider(), channel, now),
        };
        let Some(attempt_id) = self.writes.start(start).await? else {
            tracing::warn!(message_id = %m.id, "lease lost before the gateway call; another worker owns the message");
            return Ok(());
        };
        let outgoing = OutgoingMessage {
            message_id: m.id,
            phone: recipient.phone.clone(),
            zalo_user_id: recipient.zalo_user_id.clone(),
            template,
            vars: serde_json::from_str::<Vars>(&m.vars).unwrap_or_default(),
        };
        let started = std::time::Instant::now();
        let class = gateway.send(&outgoing, now).await;
        self.worker.observe(started.elapsed());
        // Only outcomes that may be retried on this channel need its count (this attempt's row
        // is already written, so it is included).
        let channel_attempts = match class {
            OutcomeClass::Retryable { .. }
            | OutcomeClass::AuthExpired
            | OutcomeClass::Ambiguous { .. } => {
                std::cmp::Ord::max(attempts_on(&self.db, m.id, channel).await?, 1)
            }
            _ => 1,
        };
        let facts = AfterSend {
            now,
            plan: &recipient.plan,
            index,
            channel,
            channel_attempts,
            deduplicates: gateway.deduplicates(),
        };
        let action = after_send(&facts, class.clone(), &rules, &mut rand::thread_rng());
        let lesson = lesson(
            channel,
            &class,
            &recipient.known,
            now,
            self.settings.zns_recheck,
        );
        let attempt = Attempt {
            id: attempt_id,
            channel,
            provider: gateway.provider(),
            class,
        };
        let f = match (route.held_if_refused, &action) {
            // Zalo instead of SMS past the budget, and Zalo refused: the SMS waits, as it
            // would have, rather than the message failing with SMS never tried.
            (Some(until), DeliveryAction::Fail { .. }) => Finish {
                uncount_attempt: false,
                ..budget_gate::held_or_expired(&m, until)
            },
            _ => Finish::for_action(&m, action, now),
        };
        self.finish(&m, token, f, now, Some(attempt), job).await?;
        self.remember(recipient.client_id, lesson).await
    }

    /// Records the outcome (see [`finish`]) under this worker's settings, the attempt billed
    /// at the job's prices; after a billed attempt in a commune with a budget, checks its
    /// 80 % alert (see `store::budget::after_billed`; a failure there is logged, the outcome
    /// stands, and the commune's next billed attempt checks again).
    async fn finish(
        &self,
        m: &outbox_message::Model,
        token: Uuid,
        f: Finish,
        now: chrono::DateTime<chrono::Utc>,
        attempt: Option<Attempt>,
        facts: &JobFacts,
    ) -> Result<(), DbErr> {
        let f = Finish {
            unreachable_after: self.settings.unreachable_after,
            ..f
        };
        let attempt = attempt.map(|a| (a, &facts.prices));
        let outcome = Outcome::new(m.clone(), token, f, now, attempt);
        let billed = self.writes.finish(outcome).await?;
        if billed.is_some_and(|v| v > 0)
            && facts.budgeted(&m.commune_code)
            && let Err(e) = store::budget::after_billed(&self.db, &m.commune_code, now).await
        {
            tracing::warn!(error = %e, commune = %m.commune_code, "budget alert check failed; the next billed attempt checks again");
        }
        Ok(())
    }

    /// Writes what an attempt taught about the client's Zalo channels, when it taught
    /// something (see `store::channel_knowledge`).
    async fn remember(&self, client: Option<Uuid>, lesson: Option<Lesson>) -> Result<(), DbErr> {
        let (Some(client), Some(lesson)) = (client, lesson) else {
            return Ok(());
        };
        store::channel_knowledge::remember(&self.db, client, &lesson).await
    }

    fn rules(&self) -> DeliveryRules {
        DeliveryRules {
            retry: self.settings.retry,
            fallback_after_attempts: self.settings.fallback_after_attempts,
            reconcile_after: self.settings.reconcile_after,
        }
    }

    fn deduplicates(&self, channel: Channel) -> bool {
        self.gateways.get(channel).deduplicates()
    }

    /// Settles calls an earlier delivery never recorded the answer of (see
    /// [`settle_interrupted`]); true when one went to a channel that cannot deduplicate, so
    /// the message must wait for a receipt. On channels that deduplicate, sending again is safe.
    async fn settle_interrupted(&self, m: &outbox_message::Model) -> Result<bool, DbErr> {
        // `attempts` counts every take that may have made a call (a take that made none is
        // uncounted when it finishes): 1 after this take means no earlier call can be open.
        if m.attempts <= 1 {
            return Ok(false);
        }
        let channels = settle_interrupted(&self.db, m.id).await?;
        Ok(channels
            .iter()
            .any(|c| Channel::from_stored(c).is_none_or(|c| !self.deduplicates(c))))
    }
}
