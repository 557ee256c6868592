//! A check-in recorded for an occurrence.

use sea_orm::entity::prelude::*;

/// A check-in recorded for an occurrence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_ins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurrence_id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub method: String,
    pub checked_in_at: DateTimeUtc,
    pub late: bool,
    pub wellbeing: Option<String>,
    pub note: Option<String>,
    pub recorded_by_kind: String,
    pub recorded_by_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
