//! A vocational training programme of a provider: trade, duration, schedule, cost, funding, seats.

use sea_orm::entity::prelude::*;

/// A vocational training programme of a provider: trade, duration, schedule, cost, funding, seats.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_programmes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider_id: Uuid,
    pub commune_code: String,
    pub trade: String,
    pub duration_days: i32,
    pub schedule: Option<String>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub cost_vnd: i64,
    pub funding_source: String,
    pub seats: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
