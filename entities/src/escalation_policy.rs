//! A commune's escalation policy (JSON of the domain `EscalationPolicy`); absent: the default.

use sea_orm::entity::prelude::*;

/// A commune's escalation policy (JSON of the domain `EscalationPolicy`); absent: the default.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub commune_code: String,
    pub policy: String,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
