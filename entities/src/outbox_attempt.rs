//! One call to a gateway for an outbox message, and its classified outcome.

use sea_orm::entity::prelude::*;

/// One call to a gateway for an outbox message, and its classified outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub message_id: Uuid,
    pub channel: String,
    /// When the call started (the row is written before the call, outcome `in_flight`).
    pub attempted_at: DateTimeUtc,
    /// The classified answer; `in_flight` until it is recorded (or for good, if the worker
    /// stopped mid-call).
    pub outcome: String,
    pub reason: Option<String>,
    pub provider_message_id: Option<String>,
    /// When a delivery receipt confirmed this attempt.
    pub delivered_at: Option<DateTimeUtc>,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
