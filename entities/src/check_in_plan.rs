//! A recurring check-in plan attached to a supervision order.

use sea_orm::entity::prelude::*;

/// A recurring check-in plan attached to a supervision order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_in_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub rule: String,
    pub window_opens_at: String,
    pub window_minutes: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub holiday_policy: String,
    pub replaced_by: Option<Uuid>,
    pub planned_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
