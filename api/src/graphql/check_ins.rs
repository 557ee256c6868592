//! Check-in plans, occurrences and check-ins.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveTime, Utc};
use domain::schedule::{CheckInRule, HolidayPolicy as DomainHolidayPolicy};
use entities::{check_in, check_in_occurrence, check_in_plan};
use store::occurrences::{OccurrenceStatus as Status, PlanningContext};

use super::date::Date;
use super::{
    clients::{Client, client_field},
    env, ids,
    loaders::{CheckInOfOccurrence, loader},
    pagination::{CountedConnection, connection, uuid_page},
};
use crate::{
    error::AppError,
    schedules::{check_ins, plans},
};

/// The planning context (calendar, link key, policy), shared by resolvers.
pub(crate) fn planning<'a>(ctx: &'a Context<'_>) -> &'a PlanningContext {
    #[allow(clippy::expect_used)]
    ctx.data::<PlanningContext>()
        .expect("planning context in schema data")
}

/// A day of the week.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "chrono::Weekday")]
pub enum Weekday {
    /// Thứ Hai.
    Mon,
    /// Thứ Ba.
    Tue,
    /// Thứ Tư.
    Wed,
    /// Thứ Năm.
    Thu,
    /// Thứ Sáu.
    Fri,
    /// Thứ Bảy.
    Sat,
    /// Chủ nhật.
    Sun,
}

/// What a check-in on a public holiday (including Tết) does.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::schedule::HolidayPolicy")]
pub enum HolidayPolicy {
    /// No check-in that day.
    Skip,
    /// Due on the next working day instead.
    MoveToNextWorkingDay,
}

/// Status of an occurrence.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "store::occurrences::OccurrenceStatus")]
pub enum OccurrenceStatus {
    /// Waiting for its window, or open now.
    Scheduled,
    /// Checked in within the window.
    CheckedIn,
    /// Checked in after the window.
    Late,
    /// No check-in before the window closed.
    Missed,
    /// Withdrawn by a plan change.
    Cancelled,
}

/// How a check-in was made.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::schedules::check_ins::CheckInMethod")]
pub enum CheckInMethod {
    /// In person at the commune office.
    InPerson,
    /// By phone with the officer.
    PhoneCall,
    /// At a home visit.
    HomeVisit,
    /// In a partner app.
    PartnerApp,
    /// By the one-tap link of a prompt.
    Link,
    /// By SMS reply.
    SmsReply,
    /// By Zalo reply.
    ZaloReply,
}

/// How the client says they are.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::messaging::reply::Wellbeing")]
pub enum Wellbeing {
    /// "I'm fine."
    Ok,
    /// "I need help": the case officers are alerted.
    NeedHelp,
}

/// A weekly rule.
#[derive(InputObject, SimpleObject, Clone, Debug)]
#[graphql(input_name = "WeeklyRuleInput")]
pub struct WeeklyRule {
    /// Days of a check-in week (Monday and Thursday for "twice a week").
    pub weekdays: Vec<Weekday>,
    /// 1 = every week, 2 = every other week, …
    #[graphql(default = 1)]
    pub interval_weeks: u32,
}

/// A recurrence rule: set exactly one field.
#[derive(InputObject, SimpleObject, Clone, Debug, Default)]
#[graphql(input_name = "CheckInRuleInput")]
pub struct CheckInRuleShape {
    /// On weekdays.
    pub weekly: Option<WeeklyRule>,
    /// Every N days from the plan's start.
    pub every_n_days: Option<u32>,
    /// On this day of every month (the last day in shorter months).
    pub monthly_on_day: Option<u32>,
}

impl CheckInRuleShape {
    fn into_rule(self) -> Result<CheckInRule, AppError> {
        match (self.weekly, self.every_n_days, self.monthly_on_day) {
            (Some(w), None, None) => Ok(CheckInRule::Weekly {
                weekdays: w.weekdays.into_iter().map(Into::into).collect(),
                interval_weeks: w.interval_weeks,
            }),
            (None, Some(n), None) => Ok(CheckInRule::EveryNDays { n }),
            (None, None, Some(day)) => Ok(CheckInRule::Monthly { day }),
            _ => Err(AppError::field(
                "rule",
                "set exactly one of weekly, everyNDays, monthlyOnDay",
            )),
        }
    }

    fn from_rule(rule: &CheckInRule) -> Self {
        match rule {
            CheckInRule::Weekly {
                weekdays,
                interval_weeks,
            } => Self {
                weekly: Some(WeeklyRule {
                    weekdays: weekdays.iter().copied().map(Into::into).collect(),
                    interval_weeks: *interval_weeks,
                }),
                ..Self::default()
            },
            CheckInRule::EveryNDays { n } => Self {
                every_n_days: Some(*n),
                ..Self::default()
            },
            CheckInRule::Monthly { day } => Self {
                monthly_on_day: Some(*day),
                ..Self::default()
            },
        }
    }
}

fn parse_opens_at(raw: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| AppError::field("opensAt", "use local time HH:MM, e.g. 08:00"))
}

/// A recurring check-in plan of a supervision order.
pub struct CheckInPlan(pub check_in_plan::Model);

#[Object]
impl CheckInPlan {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("CheckInPlan", self.0.id)
    }
    /// The rule.
    async fn rule(&self) -> Option<CheckInRuleShape> {
        serde_json::from_str::<CheckInRule>(&self.0.rule)
            .ok()
            .map(|r| CheckInRuleShape::from_rule(&r))
    }
    /// Local opening time, `HH:MM`.
    async fn opens_at(&self) -> &str {
        &self.0.window_opens_at
    }
    /// Window length in minutes.
    async fn window_minutes(&self) -> i32 {
        self.0.window_minutes
    }
    /// First day.
    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }
    /// Last day.
    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }
    /// Holiday policy.
    async fn holiday_policy(&self) -> HolidayPolicy {
        DomainHolidayPolicy::from_stored(&self.0.holiday_policy)
            .unwrap_or_default()
            .into()
    }
    /// The plan that replaced this one from its change date.
    async fn replaced_by(&self) -> Option<ID> {
        self.0.replaced_by.map(|id| ids::encode("CheckInPlan", id))
    }
}

/// A recorded check-in.
pub struct CheckIn(pub check_in::Model);

#[Object]
impl CheckIn {
    /// How.
    async fn method(&self) -> Option<CheckInMethod> {
        use crate::schedules::check_ins::CheckInMethod as M;
        [
            M::InPerson,
            M::PhoneCall,
            M::HomeVisit,
            M::PartnerApp,
            M::Link,
            M::SmsReply,
            M::ZaloReply,
        ]
        .into_iter()
        .find(|m| m.as_str() == self.0.method)
        .map(Into::into)
    }
    /// When.
    async fn checked_in_at(&self) -> DateTime<Utc> {
        self.0.checked_in_at
    }
    /// After the window closed.
    async fn late(&self) -> bool {
        self.0.late
    }
    /// How the client said they are.
    async fn wellbeing(&self) -> Option<Wellbeing> {
        match self.0.wellbeing.as_deref() {
            Some("ok") => Some(Wellbeing::Ok),
            Some("need_help") => Some(Wellbeing::NeedHelp),
            _ => None,
        }
    }
    /// Note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// One due check-in: a window in which the client must check in.
pub struct CheckInOccurrence(pub check_in_occurrence::Model);

impl super::plain::PlainFields for CheckInOccurrence {
    fn is_plain(&self, name: &str) -> bool {
        super::client_prefetch::is_listed(super::client_prefetch::OCCURRENCE_FIELDS, name)
    }
}

#[Object]
impl CheckInOccurrence {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("CheckInOccurrence", self.0.id)
    }
    /// The rule's nominal local date.
    async fn scheduled_on(&self) -> Date {
        Date(self.0.scheduled_on)
    }
    /// The local date it is actually due (later if moved off a holiday).
    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }
    /// Window opens.
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.opens_at
    }
    /// Window closes; missed at this instant without a check-in.
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.closes_at
    }
    /// Status.
    async fn status(&self) -> Option<OccurrenceStatus> {
        Status::from_stored(&self.0.status).map(Into::into)
    }
    /// When it became missed (= `closesAt`).
    async fn missed_at(&self) -> Option<DateTime<Utc>> {
        self.0.missed_at
    }
    /// The check-in, if any.
    async fn check_in(&self, ctx: &Context<'_>) -> Result<Option<CheckIn>> {
        Ok(loader(ctx)
            .load_one(CheckInOfOccurrence(self.0.id))
            .await?
            .map(CheckIn))
    }
    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        client_field(ctx, self.0.client_id).await
    }
}

/// Check-in compliance over a period.
#[derive(SimpleObject)]
pub struct Compliance {
    /// Windows due (closed) in the period.
    pub due: u64,
    /// Checked in on time.
    pub on_time: u64,
    /// Checked in late.
    pub late: u64,
    /// Missed.
    pub missed: u64,
    /// Share on time, 0–1 (null when nothing was due).
    pub on_time_rate: Option<f64>,
}

/// Filter of `checkInOccurrences`.
#[derive(InputObject, Default)]
pub struct OccurrenceFilter {
    /// One client.
    pub client_id: Option<ID>,
    /// One commune.
    pub commune_code: Option<String>,
    /// One status.
    pub status: Option<OccurrenceStatus>,
    /// Windows opening at or after this instant.
    pub opens_from: Option<DateTime<Utc>>,
    /// Windows opening before this instant.
    pub opens_before: Option<DateTime<Utc>>,
}

/// Check-in queries.
#[derive(Default)]
pub struct CheckInsQuery;

#[Object]
impl CheckInsQuery {
    /// Check-in occurrences in the caller's scope (history, agenda, upcoming).
    async fn check_in_occurrences(
        &self,
        ctx: &Context<'_>,
        filter: Option<OccurrenceFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<CheckInOccurrence>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = check_ins::OccurrenceFilter {
            client_id: f
                .client_id
                .map(|id| ids::decode("Client", "filter.clientId", &id))
                .transpose()?,
            commune_code: f.commune_code,
            status: f.status.map(Into::into),
            opens_from: f.opens_from,
            opens_before: f.opens_before,
        };
        let page = check_ins::list_occurrences(db, rc, filter, page).await?;
        Ok(connection(page, |o| o.id.to_string(), CheckInOccurrence))
    }

    /// A client's check-in compliance over local dates `from..=to`.
    async fn compliance(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        from: Date,
        to: Date,
    ) -> Result<Compliance> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Client", "clientId", &client_id)?;
        let c = check_ins::compliance(db, rc, id, from.0, to.0).await?;
        let on_time_rate = (c.due > 0).then(|| c.on_time as f64 / c.due as f64);
        Ok(Compliance {
            due: c.due,
            on_time: c.on_time,
            late: c.late,
            missed: c.missed,
            on_time_rate,
        })
    }
}

/// Input of `createCheckInPlan`.
#[derive(InputObject)]
pub struct CreateCheckInPlanInput {
    /// The active supervision order.
    pub order_id: ID,
    /// The rule.
    pub rule: CheckInRuleShape,
    /// Local opening time, `HH:MM`.
    pub opens_at: String,
    /// Window length in minutes (1 to 10080).
    pub window_minutes: u32,
    /// First day (default: today or the order's start).
    pub starts_on: Option<Date>,
    /// Last day (default: the order's end).
    pub ends_on: Option<Date>,
    /// Holiday policy (default: the commune's).
    pub holiday_policy: Option<HolidayPolicy>,
}

/// Input of `changeCheckInPlan`: the new plan from `effectiveFrom` on.
#[derive(InputObject)]
pub struct ChangeCheckInPlanInput {
    /// The running plan.
    pub plan_id: ID,
    /// First day of the new plan (tomorrow at the earliest).
    pub effective_from: Date,
    /// The new rule.
    pub rule: CheckInRuleShape,
    /// Local opening time, `HH:MM`.
    pub opens_at: String,
    /// Window length in minutes.
    pub window_minutes: u32,
    /// Last day (default: the old plan's).
    pub ends_on: Option<Date>,
    /// Holiday policy.
    pub holiday_policy: Option<HolidayPolicy>,
}

/// Input of `recordCheckIn`.
#[derive(InputObject)]
pub struct RecordCheckInInput {
    /// The occurrence.
    pub occurrence_id: ID,
    /// How the client checked in.
    pub method: CheckInMethod,
    /// How the client says they are.
    pub wellbeing: Option<Wellbeing>,
    /// A short note.
    pub note: Option<String>,
}

/// Payload carrying a plan.
#[derive(SimpleObject)]
pub struct CheckInPlanPayload {
    /// The plan.
    pub plan: CheckInPlan,
}

/// Payload of `recordCheckIn`.
#[derive(SimpleObject)]
pub struct RecordCheckInPayload {
    /// The occurrence, now checked in (or late).
    pub occurrence: CheckInOccurrence,
    /// The check-in.
    pub check_in: CheckIn,
}

/// A one-tap link for an occurrence.
#[derive(SimpleObject)]
pub struct CheckInLinkPayload {
    /// URL to send to the client.
    pub url: String,
    /// The link stops working when the window closes.
    pub expires_at: DateTime<Utc>,
}

/// Check-in mutations.
#[derive(Default)]
pub struct CheckInsMutation;

#[Object]
impl CheckInsMutation {
    /// Attaches a recurring check-in plan to an active order.
    async fn create_check_in_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateCheckInPlanInput,
    ) -> Result<CheckInPlanPayload> {
        let (db, rc) = env(ctx);
        let order_id = ids::decode("SupervisionOrder", "orderId", &input.order_id)?;
        let plan = plans::PlanInput {
            rule: input.rule.into_rule()?,
            opens_at: parse_opens_at(&input.opens_at)?,
            window_minutes: input.window_minutes,
            starts_on: input.starts_on.map(Into::into),
            ends_on: input.ends_on.map(Into::into),
            holiday_policy: input.holiday_policy.map(DomainHolidayPolicy::from),
        };
        Ok(CheckInPlanPayload {
            plan: CheckInPlan(plans::create(db, rc, planning(ctx), order_id, plan).await?),
        })
    }

    /// Changes a plan from a future date; past occurrences and check-ins never move.
    async fn change_check_in_plan(
        &self,
        ctx: &Context<'_>,
        input: ChangeCheckInPlanInput,
    ) -> Result<CheckInPlanPayload> {
        let (db, rc) = env(ctx);
        let plan_id = ids::decode("CheckInPlan", "planId", &input.plan_id)?;
        let plan = plans::PlanInput {
            rule: input.rule.into_rule()?,
            opens_at: parse_opens_at(&input.opens_at)?,
            window_minutes: input.window_minutes,
            starts_on: None,
            ends_on: input.ends_on.map(Into::into),
            holiday_policy: input.holiday_policy.map(DomainHolidayPolicy::from),
        };
        let row =
            plans::change(db, rc, planning(ctx), plan_id, input.effective_from.0, plan).await?;
        Ok(CheckInPlanPayload {
            plan: CheckInPlan(row),
        })
    }

    /// Records a check-in made in person, by phone, at a home visit or in a partner app.
    async fn record_check_in(
        &self,
        ctx: &Context<'_>,
        input: RecordCheckInInput,
    ) -> Result<RecordCheckInPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("CheckInOccurrence", "occurrenceId", &input.occurrence_id)?;
        let record = check_ins::CheckInInput {
            method: input.method.into(),
            wellbeing: input.wellbeing.map(Into::into),
            note: input.note,
        };
        let (occ, check_in) =
            check_ins::record(db, rc, id, record, &planning(ctx).escalation_defaults).await?;
        Ok(RecordCheckInPayload {
            occurrence: CheckInOccurrence(occ),
            check_in: CheckIn(check_in),
        })
    }

    /// A one-tap check-in link for an occurrence, to send by any channel.
    async fn check_in_link(
        &self,
        ctx: &Context<'_>,
        occurrence_id: ID,
    ) -> Result<CheckInLinkPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("CheckInOccurrence", "occurrenceId", &occurrence_id)?;
        let occ = check_ins::occurrence_for_link(db, rc, id).await?;
        let p = planning(ctx);
        let token = store::links::issue(db, &p.link_key, occ.id, rc.now)
            .await
            .map_err(crate::error::AppError::from)?;
        Ok(CheckInLinkPayload {
            url: store::links::url(&p.public_base_url, &token),
            expires_at: occ.closes_at,
        })
    }
}
