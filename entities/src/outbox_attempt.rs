//! One call to a gateway for an outbox message, and its classified outcome.

use sea_orm::entity::prelude::*;

/// One call to a gateway for an outbox message, and its classified outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub message_id: Uuid,
    pub channel: String,
    /// When the call started (the row is written before the call, outcome `in_flight`).
    pub attempted_at: DateTimeUtc,
    /// The classified answer; `in_flight` until it is recorded (or for good, if the worker
    /// stopped mid-call).
    pub outcome: String,
    pub reason: Option<String>,
    pub provider_message_id: Option<String>,
    /// When a delivery receipt confirmed this attempt.
    pub delivered_at: Option<DateTimeUtc>,
    /// The provider called (`zalo`, `esms`, `console`); set with the outcome.
    pub provider: Option<String>,
    /// GSM-7 segments of an SMS.
    pub segments: Option<i32>,
    /// The unit priced (`message`, `sms_segment`, `zns_custom`, …).
    pub unit: Option<String>,
    /// The price in force at `attempted_at` for this attempt (units × unit price), whole đồng;
    /// `None` when no price is set for the provider, channel and unit.
    pub price_vnd: Option<i64>,
    /// What the attempt costs: the price when the provider bills this outcome, else 0.
    pub billed_vnd: Option<i64>,
    /// The message's commune (for the monthly report, `ix_attempts_commune_time`).
    pub commune_code: Option<String>,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
