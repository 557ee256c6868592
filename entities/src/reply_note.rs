//! A reply kept for the officer: neither a check-in nor an opt-out.

use sea_orm::entity::prelude::*;

/// A reply kept for the officer: neither a check-in nor an opt-out.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reply_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub channel: String,
    pub text: String,
    pub received_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
