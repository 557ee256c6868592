//! One step in an escalation's history.

use sea_orm::entity::prelude::*;

/// One step in an escalation's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub escalation_id: Uuid,
    /// `opened`, `miss_attached`, `help_attached`, `appointment_attached`, `level_raised`,
    /// `top_reported`, `acknowledged`, `resolved`, `late_check_in`.
    pub kind: String,
    /// The level at the time.
    pub level: i32,
    pub occurred_at: DateTimeUtc,
    /// The officer who acted, if one did.
    pub officer_id: Option<Uuid>,
    pub source_type: Option<String>,
    pub source_id: Option<Uuid>,
    pub detail: Option<String>,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
