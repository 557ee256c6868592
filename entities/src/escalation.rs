//! An escalation: a client's missed check-ins that an officer must own until closed.

use sea_orm::entity::prelude::*;

/// An escalation: a client's missed check-ins that an officer must own until closed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub order_id: Uuid,
    pub commune_code: String,
    /// `open`, `acknowledged`, `resolved` (domain `EscalationStatus`).
    pub status: String,
    /// Current level, 1-based.
    pub level: i32,
    pub level_since: DateTimeUtc,
    pub opened_at: DateTimeUtc,
    pub top_reported_at: Option<DateTimeUtc>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
    /// `mutation`, `reply_code`, `link` (domain `AckMethod`).
    pub ack_method: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<Uuid>,
    /// Domain `Outcome`.
    pub outcome: Option<String>,
    pub note: Option<String>,
    /// Missed check-ins recorded on it.
    pub misses: i32,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
