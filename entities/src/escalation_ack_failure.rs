//! A reply with a wrong acknowledgement code, kept for the rate limit.

use sea_orm::entity::prelude::*;

/// A reply with a wrong acknowledgement code, kept for the rate limit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_ack_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The sender: a phone number or a Zalo user id.
    pub sender: String,
    pub failed_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
