//! What a provider charges per unit on a channel, from a date (issue 13, "prices as data").

use sea_orm::entity::prelude::*;

/// What a provider charges per unit on a channel, from a date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `zalo`, `esms` (the gateway that sent).
    pub provider: String,
    /// `zalo_zns`, `zalo_oa`, `sms`.
    pub channel: String,
    /// `message`, `sms_segment`, or a ZNS template type (`zns_custom`, …).
    pub unit: String,
    /// Whole đồng per unit.
    pub price_vnd: i64,
    /// First day (Asia/Ho_Chi_Minh) the price applies; it holds until a later row's day.
    pub effective_from: Date,
    /// Seeded from the rough figures, not a contract.
    pub example: bool,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

/// No relations: the row stands alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
