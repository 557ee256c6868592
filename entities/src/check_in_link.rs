//! A short one-tap check-in link: the hash of its token and the occurrence it names.

use sea_orm::entity::prelude::*;

/// A short one-tap check-in link: the hash of its token and the occurrence it names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_in_links")]
pub struct Model {
    /// SHA-256 of the token, lower-case hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub occurrence_id: Uuid,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
