//! An employer that offers jobs to people after rehab.

use sea_orm::entity::prelude::*;

/// An employer that offers jobs to people after rehab.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub commune_code: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub workforce_total: Option<i32>,
    pub workforce_after_rehab: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
