//! A running worker process and its last sign of life.

use sea_orm::entity::prelude::*;

/// A running worker process and its last sign of life.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub started_at: DateTimeUtc,
    /// Renewed every few seconds while the worker lives; claims of a worker whose heartbeat is
    /// stale are released.
    pub heartbeat_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
