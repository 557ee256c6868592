//! Request-scoped DataLoaders: every relation of a page loads in one query per kind, and every
//! load goes through a scoped service function, so nested fields obey the caller's scope too.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use entities::{
    check_in, check_in_occurrence, check_in_plan, client, client_transfer, commune, officer,
    order_pause, province, supervision_order,
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    context::RequestContext,
    error::AppError,
    registry::{clients, officers, orders, places, transfers},
    schedules::{check_ins, plans},
};

/// The one loader of a request; each key type below is one relation.
pub struct RegistryLoader {
    db: DatabaseConnection,
    rc: Arc<RequestContext>,
}

impl RegistryLoader {
    /// A DataLoader for one request.
    pub fn for_request(
        db: DatabaseConnection,
        rc: Arc<RequestContext>,
        delay: std::time::Duration,
    ) -> DataLoader<Self> {
        // The delay lets every sibling field of a page join one batch before it runs.
        DataLoader::new(Self { db, rc }, tokio::spawn).delay(delay)
    }
}

/// The request's loader.
pub(crate) fn loader<'a>(ctx: &'a Context<'_>) -> &'a DataLoader<RegistryLoader> {
    #[allow(clippy::expect_used)]
    ctx.data::<DataLoader<RegistryLoader>>()
        .expect("loader in request data")
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn gql(e: AppError) -> async_graphql::Error {
    e.into()
}

macro_rules! key {
    ($name:ident, $inner:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(pub $inner);
    };
}

key!(ClientKey, Uuid, "A client by id.");
key!(OfficerKey, Uuid, "An officer by id.");
key!(OrderKey, Uuid, "An order by id.");
key!(OrdersOfClient, Uuid, "The orders of a client.");
key!(
    StaffedOrdersOfClient,
    Uuid,
    "The orders of a client, each with its assignments and their officers."
);
key!(PausesOfOrder, Uuid, "The pauses of an order.");
key!(
    AssignmentsOfOrder,
    Uuid,
    "The assignments of an order, each with its officer."
);
key!(TransfersOfClient, Uuid, "The transfers of a client.");
key!(CommuneKey, String, "A commune by code.");
key!(ProvinceKey, String, "A province by code.");
key!(CheckInOfOccurrence, Uuid, "The check-in of an occurrence.");
key!(PlansOfOrder, Uuid, "The check-in plans of an order.");
key!(RepliesOfClient, Uuid, "The reply notes of a client.");
key!(AppointmentKey, Uuid, "An appointment by id.");
key!(
    InstalmentsOfLoan,
    Uuid,
    "The repayment schedule of a loan application."
);
key!(
    ReachabilityOfClient,
    Uuid,
    "Whether messages still reach a client."
);
key!(
    RefusalsOfClient,
    Uuid,
    "The latest refusal per channel of messages to a client."
);
/// A client's first `limit` rows of a per-client list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FirstOfClient {
    /// The client.
    pub client: Uuid,
    /// How many the field asked for.
    pub limit: u64,
}

key!(
    UpcomingOfClient,
    FirstOfClient,
    "The first upcoming check-in occurrences of a client."
);
key!(
    UpcomingAppointmentsOfClient,
    FirstOfClient,
    "The first upcoming scheduled appointments of a client."
);

/// Per-client "first N" keys served by one statement: `load` gets each client once and the
/// largest N of the batch, and each key keeps its client's first N rows (rows come in order).
async fn first_per_client<K, V, Fut>(
    keys: &[K],
    first: impl Fn(&K) -> FirstOfClient,
    load: impl FnOnce(Vec<Uuid>, u64) -> Fut,
    client_of_row: impl Fn(&V) -> Uuid,
) -> LoadResult<K, Vec<V>>
where
    K: Clone + std::hash::Hash + Eq,
    V: Clone,
    Fut: std::future::Future<Output = Result<Vec<V>, AppError>>,
{
    let mut clients: Vec<Uuid> = keys.iter().map(|k| first(k).client).collect();
    clients.sort_unstable();
    clients.dedup();
    let limit = keys.iter().map(|k| first(k).limit).max().unwrap_or(0);
    let by_client = group(load(clients, limit).await.map_err(gql)?, client_of_row);
    Ok(keys
        .iter()
        .map(|k| {
            let FirstOfClient { client, limit } = first(k);
            let rows = by_client.get(&client).map_or(&[][..], Vec::as_slice);
            (k.clone(), first_rows(rows, limit))
        })
        .collect())
}

/// The first `limit` of a client's rows (read for the largest `first:` asked of them).
pub(crate) fn first_rows<M: Clone>(rows: &[M], limit: u64) -> Vec<M> {
    let n = usize::try_from(limit).unwrap_or(usize::MAX).min(rows.len());
    rows[..n].to_vec()
}

fn unwrap_keys<K, I: Clone>(keys: &[K], f: impl Fn(&K) -> I) -> Vec<I> {
    keys.iter().map(f).collect()
}

fn group<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

impl Loader<ClientKey> for RegistryLoader {
    type Value = client::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[ClientKey]) -> LoadResult<ClientKey, Self::Value> {
        let rows = clients::by_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(rows.into_iter().map(|r| (ClientKey(r.id), r)).collect())
    }
}

impl Loader<OfficerKey> for RegistryLoader {
    type Value = officer::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[OfficerKey]) -> LoadResult<OfficerKey, Self::Value> {
        let rows = officers::by_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(rows.into_iter().map(|r| (OfficerKey(r.id), r)).collect())
    }
}

impl Loader<OrderKey> for RegistryLoader {
    type Value = supervision_order::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[OrderKey]) -> LoadResult<OrderKey, Self::Value> {
        let rows = orders::by_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(rows.into_iter().map(|r| (OrderKey(r.id), r)).collect())
    }
}

impl Loader<OrdersOfClient> for RegistryLoader {
    type Value = Vec<supervision_order::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[OrdersOfClient]) -> LoadResult<OrdersOfClient, Self::Value> {
        let rows = orders::by_client_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| OrdersOfClient(r.client_id)))
    }
}

impl Loader<StaffedOrdersOfClient> for RegistryLoader {
    type Value = Vec<orders::StaffedOrder>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[StaffedOrdersOfClient],
    ) -> LoadResult<StaffedOrdersOfClient, Self::Value> {
        let rows = orders::staffed_by_client_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(group(rows, |(order, _)| {
            StaffedOrdersOfClient(order.client_id)
        }))
    }
}

impl Loader<PausesOfOrder> for RegistryLoader {
    type Value = Vec<order_pause::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[PausesOfOrder]) -> LoadResult<PausesOfOrder, Self::Value> {
        let rows = orders::pauses_by_order_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| PausesOfOrder(r.order_id)))
    }
}

impl Loader<AssignmentsOfOrder> for RegistryLoader {
    type Value = Vec<orders::StaffedAssignment>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[AssignmentsOfOrder],
    ) -> LoadResult<AssignmentsOfOrder, Self::Value> {
        let rows =
            orders::assignments_by_order_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
                .await
                .map_err(gql)?;
        Ok(group(rows, |r| AssignmentsOfOrder(r.assignment.order_id)))
    }
}

impl Loader<TransfersOfClient> for RegistryLoader {
    type Value = Vec<client_transfer::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[TransfersOfClient]) -> LoadResult<TransfersOfClient, Self::Value> {
        let rows = transfers::by_client_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| TransfersOfClient(r.client_id)))
    }
}

impl Loader<CommuneKey> for RegistryLoader {
    type Value = commune::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[CommuneKey]) -> LoadResult<CommuneKey, Self::Value> {
        let rows = places::communes_by_codes(&self.db, &unwrap_keys(keys, |k| k.0.clone()))
            .await
            .map_err(gql)?;
        Ok(rows
            .into_iter()
            .map(|r| (CommuneKey(r.code.clone()), r))
            .collect())
    }
}

impl Loader<ProvinceKey> for RegistryLoader {
    type Value = province::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[ProvinceKey]) -> LoadResult<ProvinceKey, Self::Value> {
        let rows = places::provinces_by_codes(&self.db, &unwrap_keys(keys, |k| k.0.clone()))
            .await
            .map_err(gql)?;
        Ok(rows
            .into_iter()
            .map(|r| (ProvinceKey(r.code.clone()), r))
            .collect())
    }
}

impl Loader<CheckInOfOccurrence> for RegistryLoader {
    type Value = check_in::Model;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[CheckInOfOccurrence],
    ) -> LoadResult<CheckInOfOccurrence, Self::Value> {
        let rows =
            check_ins::check_ins_by_occurrence_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
                .await
                .map_err(gql)?;
        Ok(rows
            .into_iter()
            .map(|r| (CheckInOfOccurrence(r.occurrence_id), r))
            .collect())
    }
}

impl Loader<PlansOfOrder> for RegistryLoader {
    type Value = Vec<check_in_plan::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[PlansOfOrder]) -> LoadResult<PlansOfOrder, Self::Value> {
        let rows = plans::by_order_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| PlansOfOrder(r.order_id)))
    }
}

impl Loader<UpcomingOfClient> for RegistryLoader {
    type Value = Vec<check_in_occurrence::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[UpcomingOfClient]) -> LoadResult<UpcomingOfClient, Self::Value> {
        let load = |clients: Vec<Uuid>, limit| async move {
            check_ins::upcoming_by_client_ids(&self.db, &self.rc, &clients, limit).await
        };
        first_per_client(keys, |k| k.0, load, |r| r.client_id).await
    }
}

impl Loader<UpcomingAppointmentsOfClient> for RegistryLoader {
    type Value = Vec<entities::appointment::Model>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[UpcomingAppointmentsOfClient],
    ) -> LoadResult<UpcomingAppointmentsOfClient, Self::Value> {
        let load = |clients: Vec<Uuid>, limit| async move {
            crate::schedules::appointments::upcoming_by_client_ids(
                &self.db, &self.rc, &clients, limit,
            )
            .await
        };
        first_per_client(keys, |k| k.0, load, |r| r.client_id).await
    }
}

key!(
    AttemptsOfMessage,
    Uuid,
    "The gateway attempts of an outbox message."
);

impl Loader<AttemptsOfMessage> for RegistryLoader {
    type Value = Vec<entities::outbox_attempt::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[AttemptsOfMessage]) -> LoadResult<AttemptsOfMessage, Self::Value> {
        let ids = unwrap_keys(keys, |k| k.0);
        let rows = crate::schedules::messages::attempts_by_message_ids(&self.db, &self.rc, &ids)
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| AttemptsOfMessage(r.message_id)))
    }
}

impl Loader<RepliesOfClient> for RegistryLoader {
    type Value = Vec<entities::reply_note::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[RepliesOfClient]) -> LoadResult<RepliesOfClient, Self::Value> {
        let rows =
            check_ins::reply_notes_by_client_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
                .await
                .map_err(gql)?;
        Ok(group(rows, |r| RepliesOfClient(r.client_id)))
    }
}

impl Loader<ReachabilityOfClient> for RegistryLoader {
    type Value = entities::client_reachability::Model;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[ReachabilityOfClient],
    ) -> LoadResult<ReachabilityOfClient, Self::Value> {
        let rows = crate::registry::reachability::by_client_ids(
            &self.db,
            &self.rc,
            &unwrap_keys(keys, |k| k.0),
        )
        .await
        .map_err(gql)?;
        Ok(rows
            .into_iter()
            .map(|r| (ReachabilityOfClient(r.client_id), r))
            .collect())
    }
}

impl Loader<RefusalsOfClient> for RegistryLoader {
    type Value = Vec<crate::registry::reachability::ChannelRefusal>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[RefusalsOfClient]) -> LoadResult<RefusalsOfClient, Self::Value> {
        let rows = crate::registry::reachability::refusals_by_client_ids(
            &self.db,
            &self.rc,
            &unwrap_keys(keys, |k| k.0),
        )
        .await
        .map_err(gql)?;
        Ok(group(rows, |r| RefusalsOfClient(r.client_id)))
    }
}

impl Loader<AppointmentKey> for RegistryLoader {
    type Value = entities::appointment::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[AppointmentKey]) -> LoadResult<AppointmentKey, Self::Value> {
        let rows =
            crate::schedules::appointments::by_ids(&self.db, &self.rc, &unwrap_keys(keys, |k| k.0))
                .await
                .map_err(gql)?;
        Ok(rows
            .into_iter()
            .map(|r| (AppointmentKey(r.id), r))
            .collect())
    }
}

impl Loader<InstalmentsOfLoan> for RegistryLoader {
    type Value = Vec<entities::loan_instalment::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[InstalmentsOfLoan]) -> LoadResult<InstalmentsOfLoan, Self::Value> {
        let ids = unwrap_keys(keys, |k| k.0);
        let rows = crate::support::loans::instalments_by_application_ids(&self.db, &self.rc, &ids)
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| InstalmentsOfLoan(r.application_id)))
    }
}

key!(
    EventsOfEscalation,
    Uuid,
    "The history of an escalation (the caller was shown the escalation)."
);

impl Loader<EventsOfEscalation> for RegistryLoader {
    type Value = Vec<entities::escalation_event::Model>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[EventsOfEscalation],
    ) -> LoadResult<EventsOfEscalation, Self::Value> {
        let ids = unwrap_keys(keys, |k| k.0);
        let rows = crate::schedules::escalations::events_by_escalation_ids(&self.db, &ids)
            .await
            .map_err(gql)?;
        Ok(group(rows, |r| EventsOfEscalation(r.escalation_id)))
    }
}

key!(LoanProgrammeKey, Uuid, "A loan programme by id.");

impl Loader<LoanProgrammeKey> for RegistryLoader {
    type Value = entities::loan_programme::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[LoanProgrammeKey]) -> LoadResult<LoanProgrammeKey, Self::Value> {
        let ids = unwrap_keys(keys, |k| k.0);
        let rows = crate::support::loan_programmes::by_ids(&self.db, &self.rc, &ids)
            .await
            .map_err(gql)?;
        Ok(rows
            .into_iter()
            .map(|r| (LoanProgrammeKey(r.id), r))
            .collect())
    }
}

key!(
    PeopleOfEligibilityList,
    Uuid,
    "The entries of an eligibility list, each with its client."
);

impl Loader<PeopleOfEligibilityList> for RegistryLoader {
    type Value = Vec<(
        entities::eligibility_list_entry::Model,
        entities::client::Model,
    )>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[PeopleOfEligibilityList],
    ) -> LoadResult<PeopleOfEligibilityList, Self::Value> {
        let ids = unwrap_keys(keys, |k| k.0);
        let rows = crate::support::eligibility_lists::people_by_list_ids(&self.db, &self.rc, &ids)
            .await
            .map_err(gql)?;
        Ok(group(rows, |(e, _)| PeopleOfEligibilityList(e.list_id)))
    }
}

key!(
    TermsOfProgramme,
    Uuid,
    "The recorded changes of a loan programme's terms."
);

impl Loader<TermsOfProgramme> for RegistryLoader {
    type Value = Vec<entities::loan_programme_terms::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[TermsOfProgramme]) -> LoadResult<TermsOfProgramme, Self::Value> {
        let ids = unwrap_keys(keys, |k| k.0);
        let rows = crate::support::loan_programmes::term_changes_by_programme_ids(
            &self.db, &self.rc, &ids,
        )
        .await
        .map_err(gql)?;
        Ok(group(rows, |r| TermsOfProgramme(r.programme_id)))
    }
}
