//! A signed acknowledgement link of one escalation for one officer, hashed.

use sea_orm::entity::prelude::*;

/// A signed acknowledgement link of one escalation for one officer, hashed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_ack_links")]
pub struct Model {
    /// SHA-256 of the token, lower-case hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub escalation_id: Uuid,
    pub officer_id: Uuid,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
