//! Appointments of clients and their outcomes.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use entities::appointment;

use super::{
    clients::{Client, client_field},
    env, ids,
    loaders::{OrderKey, loader},
    officers::{Officer, officer_field},
    orders::SupervisionOrder,
    pagination::{CountedConnection, connection, uuid_page},
    policy_defaults,
};
use crate::{context::SensitiveRead, schedules::appointments};

/// What an appointment is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::schedules::appointments::AppointmentKind")]
pub enum AppointmentKind {
    /// Counselling session.
    CounsellingSession,
    /// Drug test; its result is health data.
    DrugTest,
    /// Meeting with the case officer.
    CaseOfficerMeeting,
    /// Health or methadone visit.
    HealthVisit,
    /// Vocational class.
    VocationalClass,
    /// Job interview.
    JobInterview,
    /// Meeting about a loan.
    LoanMeeting,
    /// Anything else; the notes say what.
    Other,
}

/// Where an appointment stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::schedules::appointments::AppointmentStatus")]
pub enum AppointmentStatus {
    /// Planned, no outcome yet.
    Scheduled,
    /// The client came.
    Attended,
    /// The client did not come (recorded, or marked after the grace period).
    Missed,
    /// Called off.
    Cancelled,
    /// Moved to another appointment, which points back to this one.
    Rescheduled,
}

/// Result of a drug test.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::schedules::appointments::DrugTestResult")]
pub enum DrugTestResult {
    /// No substance found.
    Negative,
    /// Substance found.
    Positive,
    /// The sample could not be read.
    Invalid,
    /// The client refused the test.
    Refused,
}

/// What a person records after an appointment.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::schedules::appointments::Outcome")]
pub enum AppointmentOutcome {
    /// The client came.
    Attended,
    /// The client did not come.
    Missed,
}

/// An appointment of a client: counselling, drug test, meeting, visit, class, interview.
pub struct Appointment(pub appointment::Model);

impl super::plain::PlainFields for Appointment {
    fn is_plain(&self, name: &str) -> bool {
        super::client_prefetch::is_listed(super::client_prefetch::APPOINTMENT_FIELDS, name)
    }
}

#[Object]
impl Appointment {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("Appointment", self.0.id)
    }
    /// What it is for.
    async fn kind(&self) -> Option<AppointmentKind> {
        appointments::AppointmentKind::from_stored(&self.0.kind).map(Into::into)
    }
    /// Start (RFC 3339).
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// End (RFC 3339).
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Where.
    async fn place(&self) -> &str {
        &self.0.place
    }
    /// Where it stands.
    async fn status(&self) -> Option<AppointmentStatus> {
        appointments::AppointmentStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// The outside provider involved (clinic, employer, bank, …).
    async fn provider_name(&self) -> Option<&str> {
        self.0.provider_name.as_deref()
    }
    /// Notes for officers.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// The note recorded with the outcome, or why it was cancelled or moved.
    async fn outcome_note(&self) -> Option<&str> {
        self.0.outcome_note.as_deref()
    }
    /// When a person recorded the outcome; null when the appointment was marked missed
    /// automatically or has no outcome yet.
    async fn outcome_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.0.outcome_recorded_at
    }
    /// Commune code.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// When recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The client; null if the client has since moved outside the caller's scope.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        client_field(ctx, self.0.client_id).await
    }
    /// The commune officer involved.
    async fn officer(&self, ctx: &Context<'_>) -> Result<Option<Officer>> {
        match self.0.officer_id {
            Some(id) => officer_field(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The supervision order it belongs to.
    async fn order(&self, ctx: &Context<'_>) -> Result<Option<SupervisionOrder>> {
        let Some(id) = self.0.order_id else {
            return Ok(None);
        };
        Ok(loader(ctx)
            .load_one(OrderKey(id))
            .await?
            .map(SupervisionOrder::new))
    }
    /// The appointment this one replaces, when it was rescheduled.
    async fn rescheduled_from(&self, ctx: &Context<'_>) -> Result<Option<Appointment>> {
        let Some(id) = self.0.rescheduled_from_id else {
            return Ok(None);
        };
        Ok(loader(ctx)
            .load_one(super::loaders::AppointmentKey(id))
            .await?
            .map(Appointment))
    }
    /// Drug test result. Health data: needs `health:read`; every read is audited.
    async fn drug_test_result(&self, ctx: &Context<'_>) -> Result<Option<DrugTestResult>> {
        let (_, rc) = env(ctx);
        rc.principal()?.require(Permission::HealthRead)?;
        if self.0.kind == appointments::AppointmentKind::DrugTest.as_str() {
            rc.note_sensitive_read(SensitiveRead {
                entity_type: "appointment",
                entity_id: self.0.id,
                commune_code: self.0.commune_code.clone(),
                field: "drugTestResult",
            });
        }
        Ok(self
            .0
            .drug_test_result
            .as_deref()
            .and_then(appointments::DrugTestResult::from_stored)
            .map(Into::into))
    }
}

/// Filter of `appointments`.
#[derive(InputObject, Default)]
pub struct AppointmentFilter {
    /// Only this client's appointments.
    pub client_id: Option<ID>,
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only appointments with this officer.
    pub officer_id: Option<ID>,
    /// Only this status.
    pub status: Option<AppointmentStatus>,
    /// Only this kind.
    pub kind: Option<AppointmentKind>,
    /// Only appointments starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// Appointment queries.
#[derive(Default)]
pub struct AppointmentsQuery;

#[Object]
impl AppointmentsQuery {
    /// Appointments in the caller's scope.
    async fn appointments(
        &self,
        ctx: &Context<'_>,
        filter: Option<AppointmentFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Appointment>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = appointments::AppointmentFilter {
            client_id: f
                .client_id
                .map(|id| ids::decode("Client", "filter.clientId", &id))
                .transpose()?,
            commune_code: f.commune_code,
            officer_id: f
                .officer_id
                .map(|id| ids::decode("Officer", "filter.officerId", &id))
                .transpose()?,
            status: f.status.map(Into::into),
            kind: f.kind.map(Into::into),
            from: f.from,
            to: f.to,
        };
        let page = appointments::list(db, rc, filter, page).await?;
        Ok(connection(page, |a| a.id.to_string(), Appointment))
    }

    /// One appointment by id; null when unknown or outside the caller's scope.
    async fn appointment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Appointment>> {
        let uuid = ids::decode("Appointment", "id", &id)?;
        Ok(loader(ctx)
            .load_one(super::loaders::AppointmentKey(uuid))
            .await?
            .map(Appointment))
    }
}

/// Input of `createAppointment`.
#[derive(InputObject)]
pub struct CreateAppointmentInput {
    /// The client.
    pub client_id: ID,
    /// The supervision order it belongs to (must be the client's).
    pub order_id: Option<ID>,
    /// What it is for.
    pub kind: AppointmentKind,
    /// Start (RFC 3339); at most one day in the past.
    pub starts_at: DateTime<Utc>,
    /// End, after the start and at most 12 hours later.
    pub ends_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// An active officer of the client's commune.
    pub officer_id: Option<ID>,
    /// The outside provider involved.
    pub provider_name: Option<String>,
    /// Notes for officers.
    pub notes: Option<String>,
}

/// Input of `rescheduleAppointment`.
#[derive(InputObject)]
pub struct RescheduleAppointmentInput {
    /// The scheduled appointment to move.
    pub appointment_id: ID,
    /// New start.
    pub starts_at: DateTime<Utc>,
    /// New end.
    pub ends_at: DateTime<Utc>,
    /// New place (default: the same).
    pub place: Option<String>,
    /// New officer (default: the same).
    pub officer_id: Option<ID>,
    /// New notes (default: the same).
    pub notes: Option<String>,
    /// Why it moved.
    pub reason: Option<String>,
}

/// Input of `cancelAppointment`.
#[derive(InputObject)]
pub struct CancelAppointmentInput {
    /// The scheduled appointment.
    pub appointment_id: ID,
    /// Why.
    pub reason: Option<String>,
}

/// Input of `recordAppointmentOutcome`.
#[derive(InputObject)]
pub struct RecordAppointmentOutcomeInput {
    /// The appointment, once started.
    pub appointment_id: ID,
    /// Attended or missed.
    pub outcome: AppointmentOutcome,
    /// A short note.
    pub note: Option<String>,
    /// Drug tests only, and only when attended; needs `health:read`.
    pub drug_test_result: Option<DrugTestResult>,
}

/// Payload carrying an appointment.
#[derive(SimpleObject)]
pub struct AppointmentPayload {
    /// The appointment.
    pub appointment: Appointment,
}

/// Payload of `rescheduleAppointment`.
#[derive(SimpleObject)]
pub struct RescheduleAppointmentPayload {
    /// The new appointment.
    pub appointment: Appointment,
    /// The old one, now `RESCHEDULED`.
    pub previous: Appointment,
}

fn optional_id(kind: &str, field: &'static str, id: Option<&ID>) -> Result<Option<uuid::Uuid>> {
    Ok(id.map(|id| ids::decode(kind, field, id)).transpose()?)
}

/// Appointment mutations.
#[derive(Default)]
pub struct AppointmentsMutation;

#[Object]
impl AppointmentsMutation {
    /// Schedules an appointment and queues its reminders to the client.
    async fn create_appointment(
        &self,
        ctx: &Context<'_>,
        input: CreateAppointmentInput,
    ) -> Result<AppointmentPayload> {
        let (db, rc) = env(ctx);
        let new = appointments::NewAppointment {
            client_id: ids::decode("Client", "clientId", &input.client_id)?,
            order_id: optional_id("SupervisionOrder", "orderId", input.order_id.as_ref())?,
            kind: input.kind.into(),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            place: input.place,
            officer_id: optional_id("Officer", "officerId", input.officer_id.as_ref())?,
            provider_name: input.provider_name,
            notes: input.notes,
        };
        let a = appointments::create(db, rc, policy_defaults(ctx), new).await?;
        Ok(AppointmentPayload {
            appointment: Appointment(a),
        })
    }

    /// Moves a scheduled appointment to a new time; its reminders move with it.
    async fn reschedule_appointment(
        &self,
        ctx: &Context<'_>,
        input: RescheduleAppointmentInput,
    ) -> Result<RescheduleAppointmentPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Appointment", "appointmentId", &input.appointment_id)?;
        let change = appointments::Reschedule {
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            place: input.place,
            officer_id: optional_id("Officer", "officerId", input.officer_id.as_ref())?,
            notes: input.notes,
            reason: input.reason,
        };
        let (old, new) = appointments::reschedule(db, rc, policy_defaults(ctx), id, change).await?;
        Ok(RescheduleAppointmentPayload {
            appointment: Appointment(new),
            previous: Appointment(old),
        })
    }

    /// Cancels a scheduled appointment and its pending reminders.
    async fn cancel_appointment(
        &self,
        ctx: &Context<'_>,
        input: CancelAppointmentInput,
    ) -> Result<AppointmentPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Appointment", "appointmentId", &input.appointment_id)?;
        Ok(AppointmentPayload {
            appointment: Appointment(appointments::cancel(db, rc, id, input.reason).await?),
        })
    }

    /// Records whether the client came, and a drug test's result.
    async fn record_appointment_outcome(
        &self,
        ctx: &Context<'_>,
        input: RecordAppointmentOutcomeInput,
    ) -> Result<AppointmentPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Appointment", "appointmentId", &input.appointment_id)?;
        let outcome = appointments::RecordedOutcome {
            outcome: input.outcome.into(),
            note: input.note,
            drug_test_result: input.drug_test_result.map(Into::into),
        };
        Ok(AppointmentPayload {
            appointment: Appointment(appointments::record_outcome(db, rc, id, outcome).await?),
        })
    }
}
