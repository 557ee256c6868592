//! What a delivery job reads once for all its messages (up to
//! [`crate::queue::MAX_MESSAGES_PER_JOB`]): their clients or officers, their communes'
//! policies and budgets, and the price table. One statement each per job instead of one per
//! message (issue 9: at a Monday burst the per-message reads were a third of PostgreSQL's time).
//!
//! The facts are as of the job's start, under a second before its last message goes: a
//! client who opts out in that second is treated like one who opts out while a message is
//! already on its way.

use std::collections::{HashMap, HashSet};

use entities::{client, officer, outbox_message};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use store::{policy::Policy, pricing::PriceTable};
use uuid::Uuid;

/// The facts of one job's messages.
pub struct JobFacts {
    clients: HashMap<Uuid, client::Model>,
    officers: HashMap<Uuid, officer::Model>,
    policies: HashMap<String, Result<Policy, String>>,
    budgeted: HashSet<String>,
    /// The prices in force as the job starts: the channel order and what attempts are billed.
    pub prices: PriceTable,
}

impl JobFacts {
    /// Reads the facts of `messages`.
    pub async fn load(
        db: &DatabaseConnection,
        policy_defaults: &Policy,
        messages: &[&outbox_message::Model],
    ) -> Result<Self, DbErr> {
        let client_ids: Vec<Uuid> = messages.iter().filter_map(|m| m.client_id).collect();
        let officer_ids: Vec<Uuid> = messages.iter().filter_map(|m| m.officer_id).collect();
        let mut communes: Vec<String> = messages.iter().map(|m| m.commune_code.clone()).collect();
        communes.sort_unstable();
        communes.dedup();
        let clients = if client_ids.is_empty() {
            HashMap::new()
        } else {
            client::Entity::find()
                .filter(client::Column::Id.is_in(client_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };
        let officers = if officer_ids.is_empty() {
            HashMap::new()
        } else {
            officer::Entity::find()
                .filter(officer::Column::Id.is_in(officer_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect()
        };
        Ok(Self {
            clients,
            officers,
            policies: store::policy::policies_for(db, policy_defaults, &communes).await?,
            budgeted: store::budget::with_budget(db, &communes).await?,
            prices: PriceTable::load(db).await?,
        })
    }

    /// The client `id`, unless it is gone.
    pub fn client(&self, id: Uuid) -> Option<&client::Model> {
        self.clients.get(&id)
    }

    /// The officer `id`, unless they are gone.
    pub fn officer(&self, id: Uuid) -> Option<&officer::Model> {
        self.officers.get(&id)
    }

    /// The effective policy of `commune_code` (an error when its stored overrides cannot be
    /// read: that commune's messages wait, with the error logged).
    pub fn policy(&self, commune_code: &str) -> Result<&Policy, DbErr> {
        match self.policies.get(commune_code) {
            Some(Ok(policy)) => Ok(policy),
            Some(Err(e)) => Err(DbErr::Custom(e.clone())),
            None => Err(DbErr::Custom(format!(
                "no policy loaded for commune {commune_code}"
            ))),
        }
    }

    /// Whether `commune_code` has a monthly budget.
    pub fn budgeted(&self, commune_code: &str) -> bool {
        self.budgeted.contains(commune_code)
    }
}
