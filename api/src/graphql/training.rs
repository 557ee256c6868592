//! Training providers and programmes, employers and job openings.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{employer, job_opening, training_programme, training_provider};

use super::{
    date::Date,
    env, ids,
    loans::optional_id,
    pagination::{CountedConnection, connection, uuid_page},
    vnd::Vnd,
};
use crate::support::training::{self, PlaceFilter};

/// What kind of organisation runs a programme.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::placement::ProviderKind")]
pub enum ProviderKind {
    /// A vocational training centre.
    VocationalCentre,
    /// A company.
    Company,
    /// A cooperative.
    Cooperative,
    /// Anything else.
    Other,
}

/// Who pays for a programme.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::placement::FundingSource")]
pub enum FundingSource {
    /// The state budget.
    StateBudget,
    /// The provider.
    Provider,
    /// A future employer.
    Employer,
    /// The trainee.
    Trainee,
    /// Anything else.
    Other,
}

/// A training provider.
#[derive(SimpleObject)]
pub struct TrainingProvider {
    /// Opaque id.
    pub id: ID,
    /// Commune that registered it.
    pub commune_code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: Option<ProviderKind>,
    /// Address.
    pub address: Option<String>,
}

impl From<training_provider::Model> for TrainingProvider {
    fn from(m: training_provider::Model) -> Self {
        Self {
            id: ids::encode("TrainingProvider", m.id),
            kind: domain::placement::ProviderKind::from_stored(&m.kind).map(Into::into),
            commune_code: m.commune_code,
            name: m.name,
            address: m.address,
        }
    }
}

/// A training programme.
#[derive(SimpleObject)]
pub struct TrainingProgramme {
    /// Opaque id.
    pub id: ID,
    /// The provider.
    pub provider_id: ID,
    /// Commune.
    pub commune_code: String,
    /// Trade taught.
    pub trade: String,
    /// Length in days.
    pub duration_days: i32,
    /// Schedule in words.
    pub schedule: Option<String>,
    /// First day.
    pub starts_on: Option<Date>,
    /// Last day.
    pub ends_on: Option<Date>,
    /// Cost per trainee.
    pub cost_vnd: Vnd,
    /// Who pays.
    pub funding_source: Option<FundingSource>,
    /// Seats.
    pub seats: i32,
}

impl From<training_programme::Model> for TrainingProgramme {
    fn from(m: training_programme::Model) -> Self {
        Self {
            id: ids::encode("TrainingProgramme", m.id),
            provider_id: ids::encode("TrainingProvider", m.provider_id),
            funding_source: domain::placement::FundingSource::from_stored(&m.funding_source)
                .map(Into::into),
            commune_code: m.commune_code,
            trade: m.trade,
            duration_days: m.duration_days,
            schedule: m.schedule,
            starts_on: m.starts_on.map(Into::into),
            ends_on: m.ends_on.map(Into::into),
            cost_vnd: Vnd(m.cost_vnd),
            seats: m.seats,
        }
    }
}

/// An employer.
#[derive(SimpleObject)]
pub struct Employer {
    /// Opaque id.
    pub id: ID,
    /// Commune that registered it.
    pub commune_code: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Workers under labour contract.
    pub workforce_total: Option<i32>,
    /// Of whom people after rehab.
    pub workforce_after_rehab: Option<i32>,
}

impl From<employer::Model> for Employer {
    fn from(m: employer::Model) -> Self {
        Self {
            id: ids::encode("Employer", m.id),
            commune_code: m.commune_code,
            name: m.name,
            address: m.address,
            workforce_total: m.workforce_total,
            workforce_after_rehab: m.workforce_after_rehab,
        }
    }
}

/// A job opening.
#[derive(SimpleObject)]
pub struct JobOpening {
    /// Opaque id.
    pub id: ID,
    /// The employer.
    pub employer_id: ID,
    /// Commune.
    pub commune_code: String,
    /// Job title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Monthly wage offered.
    pub wage_vnd: Option<Vnd>,
    /// Seats.
    pub seats: i32,
    /// First day.
    pub opens_on: Date,
    /// Last day.
    pub closes_on: Option<Date>,
}

impl From<job_opening::Model> for JobOpening {
    fn from(m: job_opening::Model) -> Self {
        Self {
            id: ids::encode("JobOpening", m.id),
            employer_id: ids::encode("Employer", m.employer_id),
            commune_code: m.commune_code,
            title: m.title,
            description: m.description,
            wage_vnd: m.wage_vnd.map(Vnd),
            seats: m.seats,
            opens_on: m.opens_on.into(),
            closes_on: m.closes_on.map(Into::into),
        }
    }
}

/// Filter of the provider, programme, employer and opening lists.
#[derive(InputObject, Default)]
pub struct TrainingFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Programmes: only this provider's; openings: only this employer's.
    pub parent_id: Option<ID>,
    /// Programmes starting, or openings open, on or after this day.
    pub from: Option<Date>,
    /// … and on or before this day.
    pub to: Option<Date>,
}

fn filter(f: Option<TrainingFilter>, parent_kind: &str) -> Result<PlaceFilter> {
    let f = f.unwrap_or_default();
    Ok(PlaceFilter {
        commune_code: f.commune_code,
        parent_id: optional_id(parent_kind, "filter.parentId", f.parent_id.as_ref())?,
        from: f.from.map(Into::into),
        to: f.to.map(Into::into),
    })
}

/// Training and job queries.
#[derive(Default)]
pub struct TrainingQuery;

#[Object]
impl TrainingQuery {
    /// Training providers in the caller's scope.
    async fn training_providers(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<TrainingProvider>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let page =
            training::providers(db, rc, self::filter(filter, "TrainingProvider")?, page).await?;
        Ok(connection(page, |m| m.id.to_string(), Into::into))
    }

    /// Training programmes in the caller's scope.
    async fn training_programmes(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<TrainingProgramme>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let page =
            training::programmes(db, rc, self::filter(filter, "TrainingProvider")?, page).await?;
        Ok(connection(page, |m| m.id.to_string(), Into::into))
    }

    /// Employers in the caller's scope.
    async fn employers(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<Employer>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let page = training::employers(db, rc, self::filter(filter, "Employer")?, page).await?;
        Ok(connection(page, |m| m.id.to_string(), Into::into))
    }

    /// Job openings in the caller's scope.
    async fn job_openings(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<JobOpening>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let page = training::openings(db, rc, self::filter(filter, "Employer")?, page).await?;
        Ok(connection(page, |m| m.id.to_string(), Into::into))
    }
}

/// Input of `createTrainingProvider`.
#[derive(InputObject)]
pub struct CreateTrainingProviderInput {
    /// Commune that registers it.
    pub commune_code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ProviderKind,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// Input of `createTrainingProgramme`.
#[derive(InputObject)]
pub struct CreateTrainingProgrammeInput {
    /// The provider.
    pub provider_id: ID,
    /// Trade taught.
    pub trade: String,
    /// Length in days (1–366).
    pub duration_days: i32,
    /// Schedule in words.
    pub schedule: Option<String>,
    /// First day.
    pub starts_on: Option<Date>,
    /// Last day.
    pub ends_on: Option<Date>,
    /// Cost per trainee.
    pub cost_vnd: Vnd,
    /// Who pays.
    pub funding_source: FundingSource,
    /// Seats.
    pub seats: i32,
}

/// Input of `createEmployer`.
#[derive(InputObject)]
pub struct CreateEmployerInput {
    /// Commune that registers it.
    pub commune_code: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Workers under labour contract.
    pub workforce_total: Option<i32>,
    /// Of whom people after rehab.
    pub workforce_after_rehab: Option<i32>,
}

/// Input of `createJobOpening`.
#[derive(InputObject)]
pub struct CreateJobOpeningInput {
    /// The employer.
    pub employer_id: ID,
    /// Job title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Monthly wage offered.
    pub wage_vnd: Option<Vnd>,
    /// Seats.
    pub seats: i32,
    /// First day.
    pub opens_on: Date,
    /// Last day.
    pub closes_on: Option<Date>,
}

/// Training and job mutations.
#[derive(Default)]
pub struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Registers a training provider.
    async fn create_training_provider(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingProviderInput,
    ) -> Result<TrainingProvider> {
        let (db, rc) = env(ctx);
        let new = training::NewProvider {
            commune_code: input.commune_code,
            name: input.name,
            kind: input.kind.into(),
            address: input.address,
            phone: input.phone,
        };
        Ok(training::create_provider(db, rc, new).await?.into())
    }

    /// Adds a programme to a provider.
    async fn create_training_programme(
        &self,
        ctx: &Context<'_>,
        input: CreateTrainingProgrammeInput,
    ) -> Result<TrainingProgramme> {
        let (db, rc) = env(ctx);
        let new = training::NewProgramme {
            provider_id: ids::decode("TrainingProvider", "providerId", &input.provider_id)?,
            trade: input.trade,
            duration_days: input.duration_days,
            schedule: input.schedule,
            starts_on: input.starts_on.map(Into::into),
            ends_on: input.ends_on.map(Into::into),
            cost_vnd: input.cost_vnd.0,
            funding_source: input.funding_source.into(),
            seats: input.seats,
        };
        Ok(training::create_programme(db, rc, new).await?.into())
    }

    /// Registers an employer.
    async fn create_employer(
        &self,
        ctx: &Context<'_>,
        input: CreateEmployerInput,
    ) -> Result<Employer> {
        let (db, rc) = env(ctx);
        let new = training::NewEmployer {
            commune_code: input.commune_code,
            name: input.name,
            address: input.address,
            phone: input.phone,
            workforce_total: input.workforce_total,
            workforce_after_rehab: input.workforce_after_rehab,
        };
        Ok(training::create_employer(db, rc, new).await?.into())
    }

    /// Adds a job opening to an employer.
    async fn create_job_opening(
        &self,
        ctx: &Context<'_>,
        input: CreateJobOpeningInput,
    ) -> Result<JobOpening> {
        let (db, rc) = env(ctx);
        let new = training::NewOpening {
            employer_id: ids::decode("Employer", "employerId", &input.employer_id)?,
            title: input.title,
            description: input.description,
            wage_vnd: input.wage_vnd.map(|v| v.0),
            seats: input.seats,
            opens_on: input.opens_on.into(),
            closes_on: input.closes_on.map(Into::into),
        };
        Ok(training::create_opening(db, rc, new).await?.into())
    }
}
