//! The acknowledgement code of one escalation, hashed.

use sea_orm::entity::prelude::*;

/// The acknowledgement code of one escalation, hashed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_ack_codes")]
pub struct Model {
    /// SHA-256 of the code, lower-case hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub escalation_id: Uuid,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
