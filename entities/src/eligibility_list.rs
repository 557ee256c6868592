//! A commune's list of people eligible for a loan programme, compiled by the police and certified by the People's Committee.

use sea_orm::entity::prelude::*;

/// A commune's list of people eligible for a loan programme, compiled by the police and certified by the People's Committee.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "eligibility_lists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub commune_code: String,
    pub programme_id: Uuid,
    pub title: String,
    pub status: String,
    pub certified_on: Option<Date>,
    pub certified_by: Option<String>,
    pub sent_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
