//! Whether messages still reach a client (issue 13, reachability watch).

use sea_orm::entity::prelude::*;

/// Whether messages still reach a client: a row exists once a message to them failed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_reachability")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: Uuid,
    /// Client messages in a row that ended failed (0 once one gets through).
    pub consecutive_failures: i32,
    /// Since when the client counts as unreachable (none: reachable).
    pub unreachable_since: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
