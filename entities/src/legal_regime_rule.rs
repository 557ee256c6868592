//! One period rule of a legal regime.

use sea_orm::entity::prelude::*;

/// One period rule of a legal regime.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legal_regime_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub regime_id: Uuid,
    pub rehab_kind: String,
    pub age_group: String,
    pub months: i32,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
