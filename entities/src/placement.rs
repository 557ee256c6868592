//! A client's placement in a training programme or a job, with its lifecycle status and the support given.

use sea_orm::entity::prelude::*;

/// A client's placement in a training programme or a job, with its lifecycle status and the support given.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub kind: String,
    pub programme_id: Option<Uuid>,
    pub opening_id: Option<Uuid>,
    pub status: String,
    pub referred_on: Date,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub wage_vnd: Option<i64>,
    pub tuition_paid_vnd: i64,
    pub stipend_vnd: i64,
    pub tools_vnd: i64,
    pub support_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
