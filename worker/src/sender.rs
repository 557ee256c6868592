//! The sender: claims due outbox rows under a lease (the dispatcher, [`dispatch`], then queues
//! one apalis job per row, see [`crate::queue`]); each delivery takes its row, picks the
//! channel, calls the gateway, and records the classified outcome.
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

use chrono::{DateTime, Duration, Utc};
use domain::{
    Clock, Phone,
    messaging::{
        channel::{Channel, ContactProfile, PreferredChannel, channel_plan, next_channel},
        outcome::{AttemptOutcome, OutcomeClass},
        templates::{self, TemplateKey, Vars},
    },
};
use entities::{client, officer, outbox_attempt, outbox_message};
use futures::StreamExt;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use store::{
    outbox::{
        Attempt, Claim, Finish, MessageStatus, Taker, claim, finish, parked_until, start_attempt,
        take,
    },
    policy::{Policy, policy_for},
};

use crate::{
    gateways::{Gateways, OutgoingMessage},
    heartbeat::{self, WorkerState},
};

use store::settings::SenderSettings;

/// The reason an interrupted call is recorded with.
const INTERRUPTED: &str = "worker stopped mid-send";

/// Sends due messages.
#[derive(Clone)]
pub struct Sender {
    db: sea_orm::DatabaseConnection,
    gateways: Gateways,
    clock: Arc<dyn Clock>,
    policy_defaults: Policy,
    settings: SenderSettings,
    worker: Arc<WorkerState>,
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
        }
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
        outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::LeaseUntil,
                Expr::value(self.clock.now()),
            )
            .filter(outbox_message::Column::Status.eq(MessageStatus::Sending.as_str()))
            .filter(outbox_message::Column::LeaseToken.eq(dispatch))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The worker stops on purpose: its untaken claims go back at once.
    pub async fn retire(&self) -> Result<(), DbErr> {
        heartbeat::retire(&self.db, &self.worker, self.clock.now()).await
    }

    /// How many more messages this worker may claim now: its [`heartbeat::capacity`] less
    /// what it holds.
    pub async fn room(&self) -> Result<u64, DbErr> {
        let s = &self.settings;
        let capacity = heartbeat::capacity(s.concurrency, s.lease, self.worker.latency(), s.batch);
        let held = heartbeat::held_by(&self.db, self.worker.id()).await?;
        Ok(capacity.saturating_sub(held))
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
        if room == 0 {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        claim(
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
        .await
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

    async fn process(&self, m: outbox_message::Model, token: Uuid) -> Result<(), DbErr> {
        let now = self.clock.now();
        if let Some(f) = self.settle_interrupted(&m, now).await? {
            return finish(&self.db, &m, token, f, now, None).await;
        }
        if m.expires_at.is_some_and(|at| at <= now) {
            return finish(
                &self.db,
                &m,
                token,
                Finish::expired(&m, "its time has passed"),
                now,
                None,
            )
            .await;
        }
        let Some(template) = TemplateKey::from_stored(&m.template) else {
            return finish(
                &self.db,
                &m,
                token,
                Finish::failed("unknown template"),
                now,
                None,
            )
            .await;
        };
        let vars: Vars = serde_json::from_str(&m.vars).unwrap_or_default();
        let Some(contact) = self.contact(&m, template).await? else {
            return finish(
                &self.db,
                &m,
                token,
                Finish::status(MessageStatus::Suppressed, "recipient unknown"),
                now,
                None,
            )
            .await;
        };
        if contact.plan.is_empty() {
            let why = if contact.opted_out {
                "opted out"
            } else {
                "no consented channel"
            };
            return finish(
                &self.db,
                &m,
                token,
                Finish::status(MessageStatus::Suppressed, why),
                now,
                None,
            )
            .await;
        }
        let policy = policy_for(&self.db, &self.policy_defaults, &m.commune_code).await?;
        let allowed = policy.quiet_hours.next_allowed(now, m.urgent);
        if m.expires_at.is_some_and(|at| allowed >= at) {
            let why = "quiet hours last until it is no longer useful";
            return finish(&self.db, &m, token, Finish::expired(&m, why), now, None).await;
        }
        if allowed > now {
            return finish(
                &self.db,
                &m,
                token,
                Finish::defer(allowed, "quiet hours"),
                now,
                None,
            )
            .await;
        }
        let index = usize::try_from(m.channel_index).unwrap_or(0);
        let Some(&channel) = contact.plan.get(index) else {
            return finish(
                &self.db,
                &m,
                token,
                Finish::failed("every channel failed"),
                now,
                None,
            )
            .await;
        };
        let gateway = self.gateways.get(channel);
        if m.last_outcome.as_deref() == Some(AttemptOutcome::Ambiguous.as_str())
            && !gateway.deduplicates()
        {
            // The previous call may have delivered; no receipt came within the reconcile window.
            // Move to the next channel rather than repeat on one that cannot deduplicate.
            return match contact.plan.get(index + 1) {
                Some(_) => {
                    finish(
                        &self.db,
                        &m,
                        token,
                        Finish::next_channel(index + 1, now, "unconfirmed; trying next channel"),
                        now,
                        None,
                    )
                    .await
                }
                None => {
                    finish(
                        &self.db,
                        &m,
                        token,
                        Finish {
                            next_attempt_at: Some(parked_until()),
                            ..Finish::status(
                                MessageStatus::Unconfirmed,
                                "no receipt; not resent to avoid a duplicate",
                            )
                        },
                        now,
                        None,
                    )
                    .await
                }
            };
        }
        let Some(attempt_id) = start_attempt(&self.db, &m, token, channel, now).await? else {
            tracing::warn!(message_id = %m.id, "lease lost before the gateway call; another worker owns the message");
            return Ok(());
        };
        let outgoing = OutgoingMessage {
            message_id: m.id,
            phone: contact.phone.clone(),
            zalo_user_id: contact.zalo_user_id.clone(),
            template,
            vars,
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
                std::cmp::Ord::max(self.attempts_on(&m, channel).await?, 1)
            }
            _ => 1,
        };
        let attempt = Attempt {
            id: attempt_id,
            channel,
            class: class.clone(),
        };
        let f = self.decide(
            &contact.plan,
            Tried {
                index,
                channel,
                channel_attempts,
                deduplicates: gateway.deduplicates(),
            },
            class,
            now,
        );
        finish(&self.db, &m, token, f, now, Some(attempt)).await
    }

    /// Settles a gateway call that an earlier delivery started and never recorded the answer
    /// of (the worker stopped mid-call, or lost its lease while calling): the call is recorded
    /// as ambiguous. On a channel that deduplicates, sending again is safe and `None` lets the
    /// delivery go on; otherwise the message waits for a receipt, as after a timeout.
    async fn settle_interrupted(
        &self,
        m: &outbox_message::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<Finish>, DbErr> {
        let open = outbox_attempt::Entity::find()
            .filter(outbox_attempt::Column::MessageId.eq(m.id))
            .filter(outbox_attempt::Column::Outcome.eq(AttemptOutcome::InFlight.as_str()))
            .all(&self.db)
            .await?;
        if open.is_empty() {
            return Ok(None);
        }
        // Only rows still in flight: a late answer of the original call keeps its own outcome.
        outbox_attempt::Entity::update_many()
            .col_expr(
                outbox_attempt::Column::Outcome,
                Expr::value(AttemptOutcome::Ambiguous.as_str()),
            )
            .col_expr(outbox_attempt::Column::Reason, Expr::value(INTERRUPTED))
            .filter(outbox_attempt::Column::Id.is_in(open.iter().map(|a| a.id)))
            .filter(outbox_attempt::Column::Outcome.eq(AttemptOutcome::InFlight.as_str()))
            .exec(&self.db)
            .await?;
        let in_doubt = open.iter().any(|a| {
            Channel::from_stored(&a.channel).is_none_or(|c| !self.gateways.get(c).deduplicates())
        });
        if !in_doubt {
            return Ok(None);
        }
        Ok(Some(Finish {
            status: MessageStatus::Unconfirmed,
            next_attempt_at: Some(now + self.settings.reconcile_after),
            outcome: AttemptOutcome::Ambiguous.as_str(),
            reason: format!("{INTERRUPTED}; awaiting receipt"),
            uncount_attempt: true,
            ..Finish::default()
        }))
    }

    /// Recorded attempts of `m` on `channel` (the one in flight included).
    async fn attempts_on(&self, m: &outbox_message::Model, channel: Channel) -> Result<u32, DbErr> {
        let n = outbox_attempt::Entity::find()
            .filter(outbox_attempt::Column::MessageId.eq(m.id))
            .filter(outbox_attempt::Column::Channel.eq(channel.as_str()))
            .count(&self.db)
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn decide(
        &self,
        plan: &[Channel],
        tried: Tried,
        class: OutcomeClass,
        now: DateTime<Utc>,
    ) -> Finish {
        let Tried {
            index,
            channel,
            channel_attempts,
            deduplicates,
        } = tried;
        match class {
            OutcomeClass::Accepted { provider_id } => Finish::sent(Some(provider_id), now),
            OutcomeClass::Duplicate { provider_id } => Finish::sent(provider_id, now),
            OutcomeClass::Retryable { reason } => {
                self.retry_or_fall_back(plan, index, channel_attempts, reason, now)
            }
            OutcomeClass::AuthExpired => self.retry_or_fall_back(
                plan,
                index,
                channel_attempts,
                "access token refused after refresh".into(),
                now,
            ),
            OutcomeClass::Reschedule {
                retry_after,
                reason,
            } => {
                let wait = retry_after
                    .and_then(|d| Duration::from_std(d).ok())
                    .unwrap_or(Duration::minutes(5));
                Finish {
                    uncount_attempt: true,
                    ..Finish::defer(now + wait, &reason)
                }
            }
            OutcomeClass::Ambiguous { reason } if deduplicates => {
                self.retry_or_fall_back(plan, index, channel_attempts, reason, now)
            }
            OutcomeClass::Ambiguous { reason } => Finish {
                status: MessageStatus::Unconfirmed,
                next_attempt_at: Some(now + self.settings.reconcile_after),
                outcome: AttemptOutcome::Ambiguous.as_str(),
                reason,
                ..Finish::default()
            },
            other @ (OutcomeClass::RecipientUnreachable { .. }
            | OutcomeClass::ChannelUnavailable { .. }
            | OutcomeClass::Permanent { .. }) => {
                let reason = other.reason();
                match next_channel(plan, channel, &other)
                    .and_then(|c| plan.iter().position(|p| *p == c))
                    .filter(|i| *i > index)
                {
                    Some(next) => Finish::next_channel(next, now, &reason),
                    None => Finish {
                        outcome: other.outcome().as_str(),
                        ..Finish::failed(&reason)
                    },
                }
            }
        }
    }

    /// A transient failure: try the same channel again after a backoff, unless it has failed
    /// `fallback_after_attempts` times (or its retries are spent) and the plan has a next
    /// channel, which then gets the message at once.
    fn retry_or_fall_back(
        &self,
        plan: &[Channel],
        index: usize,
        channel_attempts: u32,
        reason: String,
        now: DateTime<Utc>,
    ) -> Finish {
        let has_next = plan.get(index + 1).is_some();
        let spent = !self.settings.retry.may_retry(channel_attempts);
        if has_next && (spent || channel_attempts >= self.settings.fallback_after_attempts) {
            return Finish {
                outcome: "retryable",
                ..Finish::next_channel(
                    index + 1,
                    now,
                    &format!("{reason}; {channel_attempts} attempts, trying next channel"),
                )
            };
        }
        self.retry(channel_attempts, reason, now)
    }

    fn retry(&self, attempts: u32, reason: String, now: DateTime<Utc>) -> Finish {
        let mut rng = rand::thread_rng();
        match self.settings.retry.next_delay(attempts, &mut rng) {
            Some(delay) => {
                let at = now + Duration::from_std(delay).unwrap_or(Duration::minutes(1));
                Finish {
                    status: MessageStatus::Queued,
                    next_attempt_at: Some(at),
                    outcome: "retryable",
                    reason,
                    ..Finish::default()
                }
            }
            None => Finish {
                outcome: "retryable",
                ..Finish::failed(&format!("gave up after {attempts} attempts: {reason}"))
            },
        }
    }

    async fn contact(
        &self,
        m: &outbox_message::Model,
        template: TemplateKey,
    ) -> Result<Option<Contact>, DbErr> {
        let now = self.clock.now();
        if let Some(id) = m.client_id {
            let Some(c) = client::Entity::find_by_id(id).one(&self.db).await? else {
                return Ok(None);
            };
            let phone = c
                .phone
                .as_deref()
                .and_then(|p| Phone::from_canonical(p).ok());
            // The opt-out confirmation is the one message that goes after an opt-out, once.
            let opted_out = c.opted_out_at.is_some() && template != TemplateKey::OptOutConfirmed;
            let profile = ContactProfile {
                sms_consent: c.sms_consent_at.is_some(),
                zalo_consent: c.zalo_consent_at.is_some(),
                opted_out,
                has_phone: phone.is_some(),
                zalo_user_id: c.zalo_user_id.clone(),
                preferred: match c.preferred_channel.as_deref() {
                    Some(stored) => PreferredChannel::from_stored(stored),
                    _ => None,
                },
                oa_last_interaction: c.zalo_last_interaction_at,
            };
            let plan = self.available(channel_plan(&profile, now), template);
            return Ok(Some(Contact {
                plan,
                phone,
                zalo_user_id: c.zalo_user_id,
                opted_out,
            }));
        }
        if let Some(id) = m.officer_id {
            let Some(o) = officer::Entity::find_by_id(id).one(&self.db).await? else {
                return Ok(None);
            };
            let phone = o
                .phone
                .as_deref()
                .and_then(|p| Phone::from_canonical(p).ok());
            // Officers receive work alerts on their work phone: no personal consent applies.
            let profile = ContactProfile {
                sms_consent: true,
                zalo_consent: true,
                opted_out: !o.active,
                has_phone: phone.is_some(),
                zalo_user_id: o.zalo_user_id.clone(),
                preferred: None,
                oa_last_interaction: None,
            };
            let plan = self.available(channel_plan(&profile, now), template);
            return Ok(Some(Contact {
                plan,
                phone,
                zalo_user_id: o.zalo_user_id,
                opted_out: !o.active,
            }));
        }
        Ok(None)
    }

    /// Keeps the channels with a real provider; with none configured (the embedded default),
    /// the console stands in for every channel. A template with no ZNS form (officer alerts)
    /// skips ZNS instead of recording a failed attempt on every send.
    fn available(&self, plan: Vec<Channel>, template: TemplateKey) -> Vec<Channel> {
        let on_zns = templates::template(template).is_ok_and(|t| t.zns_fields.is_some());
        let plan = plan
            .into_iter()
            .filter(|c| *c != Channel::ZaloZns || on_zns);
        if !self.gateways.any_configured() {
            return plan.collect();
        }
        plan.filter(|c| self.gateways.is_configured(*c)).collect()
    }
}

struct Contact {
    plan: Vec<Channel>,
    phone: Option<Phone>,
    zalo_user_id: Option<String>,
    opted_out: bool,
}

/// The channel a send just went to, and what is known about it.
#[derive(Debug, Clone, Copy)]
struct Tried {
    index: usize,
    channel: Channel,
    /// Attempts on this channel, this one included (counted only for transient failures).
    channel_attempts: u32,
    deduplicates: bool,
}

/// The dispatcher: until `shutdown`, claims due messages and pushes one delivery job per
/// message into `queue`, sleeping `idle` between empty rounds. If a push fails, the claimed
/// rows wait for their lease to expire and are dispatched again.
pub async fn dispatch(
    sender: Sender,
    mut queue: crate::queue::DeliveryQueue,
    idle: StdDuration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let mut pruned_at = std::time::Instant::now();
    loop {
        if pruned_at.elapsed() > StdDuration::from_secs(3600) {
            pruned_at = std::time::Instant::now();
            match queue.prune(Utc::now() - Duration::days(1)).await {
                Ok(n) => tracing::debug!(jobs = n, "finished delivery jobs pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning finished delivery jobs failed"),
            }
        }
        // At capacity, look again soon: room comes back as deliveries finish.
        let pause = match sender.room().await {
            Ok(0) => idle.min(StdDuration::from_secs(1)),
            _ => idle,
        };
        let dispatch = Uuid::now_v7();
        let busy = match sender.claim_due(dispatch).await {
            Ok(claimed) if claimed.is_empty() => false,
            Ok(claimed) => {
                let jobs: Vec<crate::queue::Deliver> = claimed
                    .iter()
                    .map(|m| crate::queue::Deliver {
                        message_id: m.id,
                        dispatch,
                    })
                    .collect();
                if let Err(e) = queue.push(&jobs).await {
                    tracing::error!(error = %e, count = jobs.len(), "queueing deliveries failed; they go again in the next claim round");
                    if let Err(e) = sender.release(dispatch).await {
                        tracing::warn!(error = %e, "releasing the unqueued claims failed; they go again when their lease expires");
                    }
                    false
                } else {
                    true
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "claiming messages failed");
                false
            }
        };
        if !busy {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(pause) => {}
            }
        } else if shutdown.is_cancelled() {
            return;
        }
    }
}

/// The worker's heartbeat: until `shutdown`, [`Sender::beat`] every `heartbeat` interval.
/// A failed beat is logged and tried again; a worker that cannot beat for `stale_after` loses
/// its claims to others, which is what should happen to a worker cut off from the database.
pub async fn heartbeat(sender: Sender, shutdown: tokio_util::sync::CancellationToken) {
    let every = sender
        .settings
        .heartbeat
        .to_std()
        .unwrap_or(StdDuration::from_secs(5));
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
