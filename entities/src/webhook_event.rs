//! A webhook event already processed, kept so that a retry or replay does nothing twice.

use sea_orm::entity::prelude::*;

/// A webhook event already processed, kept so that a retry or replay does nothing twice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// Lower-case hex SHA-256 of the event (raw body, or the callback's parameters).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `zalo` or `esms`.
    pub source: String,
    pub received_at: DateTimeUtc,
}

/// No relations: the row stands alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
