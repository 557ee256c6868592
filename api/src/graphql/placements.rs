//! Placements in vocational training and jobs, and a client's support summary.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::placement;

use super::{
    clients::{Client, client_field},
    date::Date,
    env, ids,
    loans::optional_id,
    pagination::{CountedConnection, connection, uuid_page},
    vnd::Vnd,
};
use crate::support::placements::{self, PlacementDetails};

/// Training or job.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::placement::PlacementKind")]
pub enum PlacementKind {
    /// A vocational training programme.
    Training,
    /// A job with an employer.
    Job,
}

/// Where a placement stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::placement::PlacementStatus")]
pub enum PlacementStatus {
    /// Referred (both kinds start here).
    Referred,
    /// Training: enrolled.
    Enrolled,
    /// Training: finished.
    Completed,
    /// Training: left early.
    DroppedOut,
    /// Job: interviewed.
    Interviewed,
    /// Job: offered the job.
    Hired,
    /// Job: not offered the job.
    NotHired,
    /// Job: working.
    Employed,
    /// Job: the employment ended on its end date.
    Ended,
}

/// A client's placement in a training programme or a job.
pub struct Placement(pub placement::Model);

#[Object]
impl Placement {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("Placement", self.0.id)
    }
    /// Training or job.
    async fn kind(&self) -> Option<PlacementKind> {
        domain::placement::PlacementKind::from_stored(&self.0.kind).map(Into::into)
    }
    /// Where it stands.
    async fn status(&self) -> Option<PlacementStatus> {
        domain::placement::PlacementStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// The training programme.
    async fn programme_id(&self) -> Option<ID> {
        self.0
            .programme_id
            .map(|id| ids::encode("TrainingProgramme", id))
    }
    /// The job opening.
    async fn opening_id(&self) -> Option<ID> {
        self.0.opening_id.map(|id| ids::encode("JobOpening", id))
    }
    /// Day of referral.
    async fn referred_on(&self) -> Date {
        self.0.referred_on.into()
    }
    /// First day.
    async fn starts_on(&self) -> Option<Date> {
        self.0.starts_on.map(Into::into)
    }
    /// Last day.
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Into::into)
    }
    /// Monthly wage, for a job.
    async fn wage_vnd(&self) -> Option<Vnd> {
        self.0.wage_vnd.map(Vnd)
    }
    /// Tuition paid for the client.
    async fn tuition_paid_vnd(&self) -> Vnd {
        Vnd(self.0.tuition_paid_vnd)
    }
    /// Stipend paid to the client.
    async fn stipend_vnd(&self) -> Vnd {
        Vnd(self.0.stipend_vnd)
    }
    /// Value of tools given.
    async fn tools_vnd(&self) -> Vnd {
        Vnd(self.0.tools_vnd)
    }
    /// Other support, in words.
    async fn support_note(&self) -> Option<&str> {
        self.0.support_note.as_deref()
    }
    /// Commune code.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// The client; null if outside the caller's scope.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        client_field(ctx, self.0.client_id).await
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A client's training, employment and loans at a glance.
#[derive(SimpleObject)]
pub struct ClientSupportSummary {
    /// The open placement most recently made, else the last one.
    pub current_placement: Option<Placement>,
    /// Whether a job placement is hired or employed.
    pub employed: bool,
    /// Principal and interest still owed on the client's loans.
    pub outstanding_loan_vnd: Vnd,
    /// Loans with money still owed.
    pub open_loans: u64,
}

/// Filter of `placements`.
#[derive(InputObject, Default)]
pub struct PlacementFilter {
    /// Only this client's.
    pub client_id: Option<ID>,
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this kind.
    pub kind: Option<PlacementKind>,
    /// Only this status.
    pub status: Option<PlacementStatus>,
    /// Only this training programme.
    pub programme_id: Option<ID>,
    /// Only this job opening.
    pub opening_id: Option<ID>,
    /// Referred on or after.
    pub referred_from: Option<Date>,
    /// Referred on or before.
    pub referred_to: Option<Date>,
}

/// Placement queries.
#[derive(Default)]
pub struct PlacementsQuery;

#[Object]
impl PlacementsQuery {
    /// Placements in the caller's scope.
    async fn placements(
        &self,
        ctx: &Context<'_>,
        filter: Option<PlacementFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Placement>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = placements::PlacementFilter {
            client_id: optional_id("Client", "filter.clientId", f.client_id.as_ref())?,
            commune_code: f.commune_code,
            kind: f.kind.map(Into::into),
            status: f.status.map(Into::into),
            programme_id: optional_id(
                "TrainingProgramme",
                "filter.programmeId",
                f.programme_id.as_ref(),
            )?,
            opening_id: optional_id("JobOpening", "filter.openingId", f.opening_id.as_ref())?,
            referred_from: f.referred_from.map(Into::into),
            referred_to: f.referred_to.map(Into::into),
        };
        let page = placements::list(db, rc, filter, page).await?;
        Ok(connection(page, |p| p.id.to_string(), Placement))
    }

    /// One placement; null when unknown or outside the caller's scope.
    async fn placement(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Placement>> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Placement", "id", &id)?;
        Ok(placements::get(db, rc, id).await?.map(Placement))
    }

    /// A client's current placement, employment and outstanding loan balance.
    async fn client_support_summary(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
    ) -> Result<ClientSupportSummary> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Client", "clientId", &client_id)?;
        let s = placements::summary(db, rc, id).await?;
        Ok(ClientSupportSummary {
            current_placement: s.current_placement.map(Placement),
            employed: s.employed,
            outstanding_loan_vnd: Vnd(s.outstanding_loan_vnd),
            open_loans: s.open_loans,
        })
    }
}

/// Dates, wage and support; absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct PlacementDetailsInput {
    /// First day.
    pub starts_on: Option<Date>,
    /// Last day, not before the first.
    pub ends_on: Option<Date>,
    /// Monthly wage.
    pub wage_vnd: Option<Vnd>,
    /// Tuition paid.
    pub tuition_paid_vnd: Option<Vnd>,
    /// Stipend paid.
    pub stipend_vnd: Option<Vnd>,
    /// Value of tools given.
    pub tools_vnd: Option<Vnd>,
    /// Other support, in words.
    pub support_note: Option<String>,
}

impl From<PlacementDetailsInput> for PlacementDetails {
    fn from(d: PlacementDetailsInput) -> Self {
        Self {
            starts_on: d.starts_on.map(Into::into),
            ends_on: d.ends_on.map(Into::into),
            wage_vnd: d.wage_vnd.map(|v| v.0),
            tuition_paid_vnd: d.tuition_paid_vnd.map(|v| v.0),
            stipend_vnd: d.stipend_vnd.map(|v| v.0),
            tools_vnd: d.tools_vnd.map(|v| v.0),
            support_note: d.support_note,
        }
    }
}

/// Input of `createPlacement`.
#[derive(InputObject)]
pub struct CreatePlacementInput {
    /// The client.
    pub client_id: ID,
    /// Training or job.
    pub kind: PlacementKind,
    /// For training: the programme.
    pub programme_id: Option<ID>,
    /// For a job: the opening.
    pub opening_id: Option<ID>,
    /// Day of referral (default today; not in the future).
    pub referred_on: Option<Date>,
    /// Dates, wage and support.
    #[graphql(default)]
    pub details: PlacementDetailsInput,
}

/// Input of `updatePlacement`.
#[derive(InputObject)]
pub struct UpdatePlacementInput {
    /// The placement.
    pub placement_id: ID,
    /// New status (`CONFLICT` when the lifecycle does not allow it); absent keeps it.
    pub status: Option<PlacementStatus>,
    /// Dates, wage and support.
    #[graphql(default)]
    pub details: PlacementDetailsInput,
}

/// Payload carrying a placement.
#[derive(SimpleObject)]
pub struct PlacementPayload {
    /// The placement.
    pub placement: Placement,
}

/// Placement mutations.
#[derive(Default)]
pub struct PlacementsMutation;

#[Object]
impl PlacementsMutation {
    /// Refers a client to a training programme or a job.
    async fn create_placement(
        &self,
        ctx: &Context<'_>,
        input: CreatePlacementInput,
    ) -> Result<PlacementPayload> {
        let (db, rc) = env(ctx);
        let new = placements::NewPlacement {
            client_id: ids::decode("Client", "clientId", &input.client_id)?,
            kind: input.kind.into(),
            programme_id: optional_id(
                "TrainingProgramme",
                "programmeId",
                input.programme_id.as_ref(),
            )?,
            opening_id: optional_id("JobOpening", "openingId", input.opening_id.as_ref())?,
            referred_on: input.referred_on.map(Into::into),
            details: input.details.into(),
        };
        Ok(PlacementPayload {
            placement: Placement(placements::create(db, rc, new).await?),
        })
    }

    /// Moves a placement through its lifecycle and records dates, wage and support.
    async fn update_placement(
        &self,
        ctx: &Context<'_>,
        input: UpdatePlacementInput,
    ) -> Result<PlacementPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("Placement", "placementId", &input.placement_id)?;
        let p = placements::change_status(
            db,
            rc,
            id,
            input.status.map(Into::into),
            input.details.into(),
        )
        .await?;
        Ok(PlacementPayload {
            placement: Placement(p),
        })
    }
}
