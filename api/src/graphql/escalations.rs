//! Escalations of missed check-ins: the officers' queue, acknowledging and resolving, and the
//! commune's escalation policy.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::escalation::{EscalationPolicy, Level, LevelAudience};
use entities::{escalation, escalation_event};

use super::{
    check_ins::planning,
    clients::Client,
    env, ids,
    loaders::{ClientKey, EventsOfEscalation, OfficerKey, loader},
    messages::MessageChannel,
    officers::Officer,
    pagination::{CountedConnection, connection, uuid_page},
    scalars::OfficerRole,
};
use crate::{
    error::AppError,
    schedules::escalations::{self as service, EscalationFilter as ServiceFilter},
};

/// Where an escalation stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::escalation::EscalationStatus")]
pub enum EscalationStatus {
    /// Nobody has taken it; it climbs the chain.
    Open,
    /// An officer owns it.
    Acknowledged,
    /// Closed with an outcome.
    Resolved,
}

/// How an escalation ended.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::escalation::Outcome")]
pub enum EscalationOutcome {
    /// Reached by phone.
    ReachedByPhone,
    /// Visited at home.
    HomeVisit,
    /// The client checked in late.
    CheckedInLate,
    /// In hospital.
    Hospitalised,
    /// Moved away.
    MovedAway,
    /// Relapse suspected.
    RelapseSuspected,
    /// Anything else (the note says what).
    Other,
}

/// How an officer acknowledged.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::escalation::AckMethod")]
pub enum AckMethod {
    /// The `acknowledgeEscalation` mutation.
    Mutation,
    /// A reply "XN <code>" by SMS or Zalo.
    ReplyCode,
    /// The link in the alert.
    Link,
}

/// An escalation of a client's missed check-ins.
pub struct Escalation(pub escalation::Model);

#[Object]
impl Escalation {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("Escalation", self.0.id)
    }
    /// The client.
    async fn client_id(&self) -> ID {
        ids::encode("Client", self.0.client_id)
    }
    /// The order whose officers are alerted.
    async fn order_id(&self) -> ID {
        ids::encode("SupervisionOrder", self.0.order_id)
    }
    /// The client's commune.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// Status.
    async fn status(&self) -> Option<EscalationStatus> {
        domain::escalation::EscalationStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// Current level, 1-based.
    async fn level(&self) -> i32 {
        self.0.level
    }
    /// Missed check-ins recorded on it.
    async fn misses(&self) -> i32 {
        self.0.misses
    }
    /// When it opened.
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }
    /// When it reached its current level.
    async fn level_since(&self) -> DateTime<Utc> {
        self.0.level_since
    }
    /// When the top level timed out unacknowledged (it stays open).
    async fn top_reported_at(&self) -> Option<DateTime<Utc>> {
        self.0.top_reported_at
    }
    /// When it was acknowledged.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// Who acknowledged it: an officer id, or an administrator's account id.
    async fn acknowledged_by(&self) -> Option<String> {
        self.0.acknowledged_by.map(|id| id.to_string())
    }
    /// How it was acknowledged.
    async fn ack_method(&self) -> Option<AckMethod> {
        self.0
            .ack_method
            .as_deref()
            .and_then(domain::escalation::AckMethod::from_stored)
            .map(Into::into)
    }
    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// How it ended.
    async fn outcome(&self) -> Option<EscalationOutcome> {
        self.0
            .outcome
            .as_deref()
            .and_then(domain::escalation::Outcome::from_stored)
            .map(Into::into)
    }
    /// The resolving officer's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Its history, oldest first (at most 200 entries); `last: n` keeps the latest `n`
    /// (1–200). Loaded for a whole page in one statement.
    async fn events(&self, ctx: &Context<'_>, last: Option<i32>) -> Result<Vec<EscalationEvent>> {
        let keep = match last {
            None => usize::MAX,
            Some(n) if (1..=service::MAX_EVENTS as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(AppError::field("last", "between 1 and 200").into());
            }
        };
        let events = loader(ctx)
            .load_one(EventsOfEscalation(self.0.id))
            .await?
            .unwrap_or_default();
        let skip = events.len().saturating_sub(keep);
        Ok(events.into_iter().skip(skip).map(EscalationEvent).collect())
    }
    /// The client (null outside the caller's scope).
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(loader(ctx)
            .load_one(ClientKey(self.0.client_id))
            .await?
            .map(Client::new))
    }
    /// The officer who acknowledged it and owns it (null while nobody has, or when an
    /// administrator did).
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        let Some(id) = self.0.acknowledged_by else {
            return Ok(None);
        };
        match loader(ctx).load_one(OfficerKey(id)).await? {
            Some(o) => Ok(Some(Officer::try_from(o)?)),
            None => Ok(None),
        }
    }
}

/// One entry of an escalation's history.
pub struct EscalationEvent(escalation_event::Model);

#[Object]
impl EscalationEvent {
    /// `opened`, `missed`, `help_requested`, `level_raised`, `top_reported`, `acknowledged`,
    /// `resolved` or `late_check_in`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The level at the time.
    async fn level(&self) -> i32 {
        self.0.level
    }
    /// When.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Detail (how it was acknowledged, the outcome, `1->2`).
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
}

/// Filter of `escalations`.
#[derive(InputObject, Default)]
pub struct EscalationFilter {
    /// One commune.
    pub commune_code: Option<String>,
    /// One client (their escalation history).
    pub client_id: Option<ID>,
    /// One level.
    pub level: Option<i32>,
    /// One status.
    pub status: Option<EscalationStatus>,
    /// Opened at least this many minutes ago (at most a year).
    pub min_age_minutes: Option<u32>,
}

/// Input of `resolveEscalation`.
#[derive(InputObject)]
pub struct ResolveEscalationInput {
    /// The escalation.
    pub id: ID,
    /// How it ended.
    pub outcome: EscalationOutcome,
    /// What happened (required for OTHER; at most 2000 characters).
    pub note: Option<String>,
}

/// One level of a chain.
#[derive(SimpleObject)]
pub struct EscalationLevel {
    /// Alert the client's case officers.
    pub case_officers: bool,
    /// Alert the commune's (or, for province roles, the province's) officers of these roles.
    pub roles: Vec<OfficerRole>,
    /// Alert these officers by id.
    pub officer_ids: Vec<ID>,
    /// Minutes to wait for an acknowledgement before moving up.
    pub ack_timeout_minutes: u32,
    /// The channels this level's alerts use, in order.
    pub channels: Vec<MessageChannel>,
    /// Every channel at once (one message each) rather than the next only when one fails.
    pub channels_at_once: bool,
}

/// One level of a chain, as given to `setEscalationPolicy`.
#[derive(InputObject)]
#[graphql(name = "EscalationLevelInput")]
pub struct EscalationLevelInput {
    /// Alert the client's case officers.
    pub case_officers: bool,
    /// Alert the commune's (or, for province roles, the province's) officers of these roles.
    pub roles: Vec<OfficerRole>,
    /// Alert these officers by id.
    pub officer_ids: Vec<ID>,
    /// Minutes to wait for an acknowledgement before moving up.
    pub ack_timeout_minutes: u32,
    /// The channels its alerts use, in order: ZALO_OA and SMS, each at most once (officer
    /// alerts have no ZNS template). Default: ZALO_OA then SMS.
    #[graphql(default_with = "default_channels()")]
    pub channels: Vec<MessageChannel>,
    /// Send on every channel at once (one message each) instead of falling back in order.
    #[graphql(default)]
    pub channels_at_once: bool,
}

fn default_channels() -> Vec<MessageChannel> {
    domain::escalation::policy::default_channels()
        .into_iter()
        .map(Into::into)
        .collect()
}

/// A commune's escalation policy.
#[derive(SimpleObject)]
pub struct EscalationPolicyView {
    /// The commune.
    pub commune_code: String,
    /// Whether the commune has its own policy (else the deployment default applies).
    pub is_own: bool,
    /// Misses within `lookbackDays` that open an escalation.
    pub misses_to_open: u32,
    /// Misses in a row that open an escalation.
    pub consecutive_misses_to_open: u32,
    /// Days counted back.
    pub lookback_days: u32,
    /// Minutes after a window closes before its miss counts.
    pub grace_minutes: u32,
    /// The chain, level 1 first.
    pub levels: Vec<EscalationLevel>,
    /// Alerts pass quiet hours.
    pub urgent: bool,
    /// Missed appointments attach to an open escalation.
    pub attach_missed_appointments: bool,
    /// "Need help" replies attach to an open escalation.
    pub attach_help_requests: bool,
}

/// Input of `setEscalationPolicy`.
#[derive(InputObject)]
pub struct SetEscalationPolicyInput {
    /// The commune.
    pub commune_code: String,
    /// 1–30.
    pub misses_to_open: u32,
    /// 1–30.
    pub consecutive_misses_to_open: u32,
    /// 1–90.
    pub lookback_days: u32,
    /// 0–2880.
    pub grace_minutes: u32,
    /// 1–5 levels; each alerts someone (at most 20 roles and 20 officers); timeouts 5 min–7 days.
    pub levels: Vec<EscalationLevelInput>,
    /// Alerts pass quiet hours.
    pub urgent: bool,
    /// Missed appointments attach.
    pub attach_missed_appointments: bool,
    /// "Need help" replies attach.
    pub attach_help_requests: bool,
}

fn view(code: String, p: EscalationPolicy, is_own: bool) -> EscalationPolicyView {
    EscalationPolicyView {
        commune_code: code,
        is_own,
        misses_to_open: p.misses_to_open,
        consecutive_misses_to_open: p.consecutive_misses_to_open,
        lookback_days: p.lookback_days,
        grace_minutes: p.grace_minutes,
        levels: p
            .levels
            .into_iter()
            .map(|l| EscalationLevel {
                case_officers: l.audience.case_officers,
                roles: l.audience.roles.into_iter().map(Into::into).collect(),
                officer_ids: l
                    .audience
                    .officers
                    .iter()
                    .filter_map(|s| uuid::Uuid::parse_str(s).ok())
                    .map(|id| ids::encode("Officer", id))
                    .collect(),
                ack_timeout_minutes: l.ack_timeout_minutes,
                channels: l.channels.into_iter().map(Into::into).collect(),
                channels_at_once: l.channels_at_once,
            })
            .collect(),
        urgent: p.urgent,
        attach_missed_appointments: p.attach_missed_appointments,
        attach_help_requests: p.attach_help_requests,
    }
}

/// `client.escalations`: the queue filtered to one client (scope and permission as the queue).
pub(crate) async fn of_client(
    ctx: &Context<'_>,
    client_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<CountedConnection<Escalation>> {
    let (db, rc) = env(ctx);
    let page = uuid_page(ctx, first, after)?;
    let filter = ServiceFilter {
        client_id: Some(client_id),
        ..ServiceFilter::default()
    };
    let page = service::list(db, rc, filter, page).await?;
    Ok(connection(page, |m| m.id.to_string(), Escalation))
}

/// Escalation queries.
#[derive(Default)]
pub struct EscalationsQuery;

#[Object]
impl EscalationsQuery {
    /// Escalations in the caller's communes, oldest first.
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        filter: Option<EscalationFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Escalation>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = ServiceFilter {
            commune_code: f.commune_code,
            client_id: f
                .client_id
                .map(|id| ids::decode("Client", "filter.clientId", &id))
                .transpose()?,
            level: f.level,
            status: f.status.map(Into::into),
            min_age_minutes: f.min_age_minutes,
        };
        let page = service::list(db, rc, filter, page).await?;
        Ok(connection(page, |m| m.id.to_string(), Escalation))
    }

    /// The escalation policy in force in a commune.
    async fn escalation_policy(
        &self,
        ctx: &Context<'_>,
        commune_code: String,
    ) -> Result<EscalationPolicyView> {
        let (db, rc) = env(ctx);
        let defaults = &planning(ctx).escalation_defaults;
        let (code, p, own) = service::policy(db, rc, defaults, &commune_code).await?;
        Ok(view(code, p, own))
    }
}

/// Escalation mutations.
#[derive(Default)]
pub struct EscalationsMutation;

#[Object]
impl EscalationsMutation {
    /// Takes an open escalation: it stops climbing (officers alerted at its level or below, and
    /// administrators).
    async fn acknowledge_escalation(&self, ctx: &Context<'_>, id: ID) -> Result<Escalation> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Escalation", "id", &id)?;
        let defaults = &planning(ctx).escalation_defaults;
        Ok(Escalation(
            service::acknowledge(db, rc, defaults, id).await?,
        ))
    }

    /// Closes an escalation with an outcome and a note.
    async fn resolve_escalation(
        &self,
        ctx: &Context<'_>,
        input: ResolveEscalationInput,
    ) -> Result<Escalation> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Escalation", "id", &input.id)?;
        let defaults = &planning(ctx).escalation_defaults;
        Ok(Escalation(
            service::resolve(db, rc, defaults, id, input.outcome.into(), input.note).await?,
        ))
    }

    /// Replaces a commune's escalation policy (administrators, commune police chief, chairman).
    async fn set_escalation_policy(
        &self,
        ctx: &Context<'_>,
        input: SetEscalationPolicyInput,
    ) -> Result<EscalationPolicyView> {
        let (db, rc) = env(ctx);
        if input.levels.len() > domain::escalation::policy::MAX_LEVELS {
            return Err(AppError::field("levels", "at most 5 levels").into());
        }
        let mut levels = Vec::with_capacity(input.levels.len());
        for l in input.levels {
            if l.officer_ids.len() > domain::escalation::policy::MAX_LEVEL_MEMBERS {
                return Err(AppError::field("levels.officerIds", "at most 20 officers").into());
            }
            let officers = l
                .officer_ids
                .iter()
                .map(|id| ids::decode("Officer", "levels.officerIds", id).map(|u| u.to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            levels.push(Level {
                audience: LevelAudience {
                    case_officers: l.case_officers,
                    roles: l.roles.into_iter().map(Into::into).collect(),
                    officers,
                },
                ack_timeout_minutes: l.ack_timeout_minutes,
                channels: l.channels.into_iter().map(Into::into).collect(),
                channels_at_once: l.channels_at_once,
            });
        }
        let policy = EscalationPolicy {
            misses_to_open: input.misses_to_open,
            consecutive_misses_to_open: input.consecutive_misses_to_open,
            lookback_days: input.lookback_days,
            grace_minutes: input.grace_minutes,
            levels,
            urgent: input.urgent,
            attach_missed_appointments: input.attach_missed_appointments,
            attach_help_requests: input.attach_help_requests,
        };
        let (code, p, own) =
            service::set_policy(db, rc, &input.commune_code, policy, rc.now).await?;
        Ok(view(code, p, own))
    }
}

/// The live escalation feed.
#[derive(Default)]
pub struct EscalationsSubscription;

#[async_graphql::Subscription]
impl EscalationsSubscription {
    /// New and changed escalations in the caller's communes, from the moment of subscribing
    /// (over `/graphql/ws`, graphql-transport-ws or graphql-ws; polled about every second).
    /// At most 5 per connection.
    async fn escalation_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl futures::Stream<Item = Escalation> + use<>> {
        use async_graphql::ErrorExtensions;
        use futures::StreamExt;

        use crate::schedules::escalation_feed::{self as feed, ConnectionSubscriptions};

        let (db, rc) = env(ctx);
        let principal = rc.principal()?.clone();
        principal.require(domain::access::Permission::SchedulesRead)?;
        #[allow(clippy::expect_used)]
        let gate = ctx
            .data::<feed::SubscriptionGate>()
            .expect("subscription gate in schema data");
        let connection = ctx
            .data::<ConnectionSubscriptions>()
            .map_err(|_| AppError::forbidden("subscriptions are served on /graphql/ws only"))?;
        #[allow(clippy::expect_used)]
        let clock = ctx
            .data::<std::sync::Arc<dyn domain::Clock>>()
            .expect("clock in connection data")
            .clone();
        let permit = gate.admit(connection).map_err(|_| {
            async_graphql::Error::new(format!(
                "too many live subscriptions (at most {} per connection); close one or retry later",
                feed::MAX_PER_CONNECTION
            ))
            .extend_with(|_, e| e.set("code", "TOO_MANY_SUBSCRIPTIONS"))
        })?;
        Ok(feed::follow(db.clone(), principal, clock, permit).map(Escalation))
    }
}
