//! A commune's overrides of the deployment policy (JSON).

use sea_orm::entity::prelude::*;

/// A commune's overrides of the deployment policy (JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commune_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_code: String,
    pub overrides: String,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
