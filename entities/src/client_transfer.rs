//! A move of a client to another commune; the history stays.

use sea_orm::entity::prelude::*;

/// A move of a client to another commune; the history stays.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub order_id: Option<Uuid>,
    pub from_commune_code: String,
    pub to_commune_code: String,
    pub decided_on: Date,
    pub reason: String,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
