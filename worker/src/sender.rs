//! The sender: claims due outbox rows under a lease (the dispatcher, [`crate::dispatcher`],
//! then queues apalis jobs of a few rows each, see [`crate::queue`]); each delivery takes its row,
//! gathers the facts, asks `domain::messaging::delivery_decision` what to do, calls the
//! gateway if told to, and records the outcome.
//!
//! Crash safety (see `docs/outbox.md`): a row is claimed (status `sending`, a lease token and
//! an expiry) and then taken by exactly one delivery (token swapped) before any gateway call;
//! the call is recorded as started (an `in_flight` attempt row, written under the lease) before
//! it is made, and the row finalised after it, guarded by the token. A worker killed in between
//! leaves the row `sending`; when it is claimed again, an `in_flight` row says a call may have
//! left. If the channel deduplicates (eSMS `RequestId` = our message id, the console), the
//! message is simply sent again: the gateway drops the repeat. If it does not (Zalo), the
//! message becomes `unconfirmed` and waits for a delivery receipt before anything is resent.

use std::{sync::Arc, time::Duration as StdDuration};

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
use uuid::Uuid;

use store::{
    outbox::{
        Attempt, Claim, Finish, Taker, attempts_on, claim, finish, release, settle_interrupted,
        start_attempt, take,
    },
    policy::{Policy, policy_for},
    settings::SenderSettings,
};

use crate::{
    budget_gate,
    channel_costs::PriceCache,
    gateways::{Gateways, OutgoingMessage},
    heartbeat::{self, WorkerState},
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
    prices: Arc<PriceCache>,
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
        Self {
            db,
            gateways,
            clock,
            policy_defaults,
            settings,
            worker,
            prices: Arc::default(),
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

    /// Gateway calls this worker makes at once (`SENDER_CONCURRENCY`).
    pub fn concurrency(&self) -> usize {
        self.settings.concurrency.max(1)
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
    /// [`room`](Self::room) answered just before).
    pub async fn claim_up_to(
        &self,
        dispatch: Uuid,
        room: u64,
    ) -> Result<Vec<outbox_message::Model>, DbErr> {
        if room == 0 {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let claimed = claim(
            &self.db,
            Claim {
                token: dispatch,
                worker: self.worker.id(),
                now,
                lease_until: now + self.settings.lease,
                stale_before: now - self.settings.stale_after,
                limit: room,
            },
        )
        .await?;
        self.worker
            .claimed(u64::try_from(claimed.len()).unwrap_or(u64::MAX));
        Ok(claimed)
    }

    /// Delivers one claimed message: takes it from the `dispatch` claim (counting an attempt),
    /// then decides, calls the gateway and records the outcome. Returns `false`, changing
    /// nothing, when the claim is no longer this dispatch's (a job run twice, or one that
    /// outlived its lease and was dispatched again).
    pub async fn deliver(&self, message_id: Uuid, dispatch: Uuid) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let token = Uuid::now_v7();
        // Noted before the take, so a heartbeat renews the lease from the moment it is ours.
        let _running = self.worker.running(message_id, token);
        let Some(m) = take(
            &self.db,
            message_id,
            dispatch,
            Taker {
                token,
                worker: self.worker.id(),
            },
            now,
            now + self.settings.lease,
        )
        .await?
        else {
            tracing::debug!(%message_id, "delivery job for a claim that is no longer current; skipped");
            return Ok(false);
        };
        self.process(m, token).await?;
        Ok(true)
    }

    /// Gathers the facts about a taken message, lets the decision settle it or pick a
    /// channel, and makes the call.
    async fn process(&self, m: outbox_message::Model, token: Uuid) -> Result<(), DbErr> {
        let now = self.clock.now();
        let interrupted_in_doubt = self.settle_interrupted(&m).await?;
        let template = TemplateKey::from_stored(&m.template);
        let recipient = match template {
            Some(t) => {
                let prices = self.prices.table(&self.db).await?;
                recipient::lookup(&self.db, &self.gateways, &prices, &m, t, now).await?
            }
            None => None,
        };
        let policy = policy_for(&self.db, &self.policy_defaults, &m.commune_code).await?;
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
                return self.finish(&m, token, f, now, None).await;
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
            &m,
            template,
            &recipient.plan,
            (index, channel),
            &policy,
            now,
        )
        .await?
        {
            Ok(route) => route,
            Err(f) => return self.finish(&m, token, f, now, None).await,
        };
        let (index, channel) = (route.index, route.channel);
        let Some(attempt_id) = start_attempt(&self.db, &m, token, channel, now).await? else {
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
        let gateway = self.gateways.get(channel);
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
        self.finish(&m, token, f, now, Some(attempt)).await?;
        self.remember(recipient.client_id, lesson).await
    }

    /// Records the outcome (see [`finish`]) under this worker's settings.
    async fn finish(
        &self,
        m: &outbox_message::Model,
        token: Uuid,
        f: Finish,
        now: chrono::DateTime<chrono::Utc>,
        attempt: Option<Attempt>,
    ) -> Result<(), DbErr> {
        let f = Finish {
            unreachable_after: self.settings.unreachable_after,
            ..f
        };
        finish(&self.db, m, token, f, now, attempt).await
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
