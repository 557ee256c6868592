//! A job opening of an employer.

use sea_orm::entity::prelude::*;

/// A job opening of an employer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_openings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub employer_id: Uuid,
    pub commune_code: String,
    pub title: String,
    pub description: Option<String>,
    pub wage_vnd: Option<i64>,
    pub seats: i32,
    pub opens_on: Date,
    pub closes_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
