//! Eligibility lists for loans: compiled, certified, sent to the bank, exported as CSV.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{client, eligibility_list, eligibility_list_entry};

use super::{
    clients::{Client, client_field},
    date::Date,
    env, ids,
    loaders::{PeopleOfEligibilityList, loader},
    loans::optional_id,
    pagination::{CountedConnection, connection, uuid_page},
};
use crate::support::eligibility_lists;

/// Where an eligibility list stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::loan::EligibilityListStatus")]
pub enum EligibilityListStatus {
    /// Being compiled by the commune police; entries may change.
    Drafted,
    /// Certified by the commune People's Committee; frozen.
    Certified,
    /// Sent to the bank.
    SentToBank,
}

/// A person on a list.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct EligibilityListEntry {
    /// Note.
    pub note: Option<String>,
    #[graphql(skip)]
    client_id: uuid::Uuid,
}

#[async_graphql::ComplexObject]
impl EligibilityListEntry {
    /// The client; null if outside the caller's scope.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        client_field(ctx, self.client_id).await
    }
}

/// A commune's list of people eligible for a loan programme.
pub struct EligibilityList(pub eligibility_list::Model);

impl EligibilityList {
    /// The entries with their clients, batched with every other list of the page.
    async fn people(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<(eligibility_list_entry::Model, client::Model)>> {
        Ok(loader(ctx)
            .load_one(PeopleOfEligibilityList(self.0.id))
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl EligibilityList {
    /// Opaque id.
    async fn id(&self) -> ID {
        ids::encode("EligibilityList", self.0.id)
    }
    /// Title, e.g. "Danh sách đợt 1 năm 2026".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where it stands.
    async fn status(&self) -> Option<EligibilityListStatus> {
        domain::loan::EligibilityListStatus::from_stored(&self.0.status).map(Into::into)
    }
    /// Commune code.
    async fn commune_code(&self) -> &str {
        &self.0.commune_code
    }
    /// The programme.
    async fn programme_id(&self) -> ID {
        ids::encode("LoanProgramme", self.0.programme_id)
    }
    /// Day certified.
    async fn certified_on(&self) -> Option<Date> {
        self.0.certified_on.map(Into::into)
    }
    /// Who certified it.
    async fn certified_by(&self) -> Option<&str> {
        self.0.certified_by.as_deref()
    }
    /// Day sent to the bank.
    async fn sent_on(&self) -> Option<Date> {
        self.0.sent_on.map(Into::into)
    }
    /// The people on it.
    async fn entries(&self, ctx: &Context<'_>) -> Result<Vec<EligibilityListEntry>> {
        Ok(self
            .people(ctx)
            .await?
            .into_iter()
            .map(|(e, _)| EligibilityListEntry {
                note: e.note,
                client_id: e.client_id,
            })
            .collect())
    }
    /// The list as CSV for the bank (UTF-8, header row). The national ID column is filled
    /// only for callers with `clients:sensitive_read`; each such read is audited.
    async fn csv(&self, ctx: &Context<'_>) -> Result<String> {
        let (_, rc) = env(ctx);
        Ok(eligibility_lists::export_csv(rc, self.people(ctx).await?)?)
    }
}

/// Filter of `eligibilityLists`.
#[derive(InputObject, Default)]
pub struct EligibilityListFilter {
    /// Only this commune.
    pub commune_code: Option<String>,
    /// Only this status.
    pub status: Option<EligibilityListStatus>,
    /// Only this programme.
    pub programme_id: Option<ID>,
}

/// Eligibility list queries.
#[derive(Default)]
pub struct EligibilityListsQuery;

#[Object]
impl EligibilityListsQuery {
    /// Eligibility lists in the caller's scope.
    async fn eligibility_lists(
        &self,
        ctx: &Context<'_>,
        filter: Option<EligibilityListFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CountedConnection<EligibilityList>> {
        let (db, rc) = env(ctx);
        let page = uuid_page(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = eligibility_lists::ListFilter {
            commune_code: f.commune_code,
            status: f.status.map(Into::into),
            programme_id: optional_id(
                "LoanProgramme",
                "filter.programmeId",
                f.programme_id.as_ref(),
            )?,
        };
        let page = eligibility_lists::list(db, rc, filter, page).await?;
        Ok(connection(page, |l| l.id.to_string(), EligibilityList))
    }

    /// One list; null when unknown or outside the caller's scope.
    async fn eligibility_list(&self, ctx: &Context<'_>, id: ID) -> Result<Option<EligibilityList>> {
        let (db, rc) = env(ctx);
        let id = ids::decode("EligibilityList", "id", &id)?;
        Ok(eligibility_lists::get(db, rc, id)
            .await?
            .map(EligibilityList))
    }
}

/// Input of `createEligibilityList`.
#[derive(InputObject)]
pub struct CreateEligibilityListInput {
    /// The commune compiling it.
    pub commune_code: String,
    /// The loan programme.
    pub programme_id: ID,
    /// Title.
    pub title: String,
}

/// Input of `addEligibilityListEntry`.
#[derive(InputObject)]
pub struct AddEligibilityListEntryInput {
    /// A draft list.
    pub list_id: ID,
    /// A client of the list's commune.
    pub client_id: ID,
    /// Note.
    pub note: Option<String>,
}

/// Input of `changeEligibilityListStatus`.
#[derive(InputObject)]
pub struct ChangeEligibilityListStatusInput {
    /// The list.
    pub list_id: ID,
    /// CERTIFIED (needs `certifiedBy`) or SENT_TO_BANK.
    pub status: EligibilityListStatus,
    /// The People's Committee chairman who certified it.
    pub certified_by: Option<String>,
    /// Day of the step (default today; not in the future).
    pub on: Option<Date>,
}

/// Payload carrying a list.
#[derive(SimpleObject)]
pub struct EligibilityListPayload {
    /// The list.
    pub list: EligibilityList,
}

/// Eligibility list mutations.
#[derive(Default)]
pub struct EligibilityListsMutation;

#[Object]
impl EligibilityListsMutation {
    /// Starts a draft list.
    async fn create_eligibility_list(
        &self,
        ctx: &Context<'_>,
        input: CreateEligibilityListInput,
    ) -> Result<EligibilityListPayload> {
        let (db, rc) = env(ctx);
        let programme = ids::decode("LoanProgramme", "programmeId", &input.programme_id)?;
        let l =
            eligibility_lists::create(db, rc, input.commune_code, programme, input.title).await?;
        Ok(EligibilityListPayload {
            list: EligibilityList(l),
        })
    }

    /// Adds a person to a draft list.
    async fn add_eligibility_list_entry(
        &self,
        ctx: &Context<'_>,
        input: AddEligibilityListEntryInput,
    ) -> Result<EligibilityListPayload> {
        let (db, rc) = env(ctx);
        let list = ids::decode("EligibilityList", "listId", &input.list_id)?;
        let client = ids::decode("Client", "clientId", &input.client_id)?;
        let l = eligibility_lists::add_entry(db, rc, list, client, input.note).await?;
        Ok(EligibilityListPayload {
            list: EligibilityList(l),
        })
    }

    /// Certifies a list or records it sent to the bank (`CONFLICT` out of order).
    async fn change_eligibility_list_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeEligibilityListStatusInput,
    ) -> Result<EligibilityListPayload> {
        let (db, rc) = env(ctx);
        let id = ids::decode("EligibilityList", "listId", &input.list_id)?;
        let l = eligibility_lists::change_status(
            db,
            rc,
            id,
            input.status.into(),
            input.certified_by,
            input.on.map(Into::into),
        )
        .await?;
        Ok(EligibilityListPayload {
            list: EligibilityList(l),
        })
    }
}
