//! A message that must go out: the outbox row is the source of truth.

use sea_orm::entity::prelude::*;

/// A message that must go out: the outbox row is the source of truth.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dedupe_key: String,
    pub recipient_kind: String,
    pub client_id: Option<Uuid>,
    pub officer_id: Option<Uuid>,
    pub commune_code: String,
    pub template: String,
    pub vars: String,
    pub due_at: DateTimeUtc,
    pub urgent: bool,
    pub status: String,
    pub channel: Option<String>,
    pub channel_index: i32,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_token: Option<Uuid>,
    pub lease_until: Option<DateTimeUtc>,
    pub last_outcome: Option<String>,
    pub last_reason: Option<String>,
    pub provider_message_id: Option<String>,
    pub source_type: String,
    pub source_id: Option<Uuid>,
    pub sent_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// After this instant the message is no longer worth sending (cancelled instead).
    pub expires_at: Option<DateTimeUtc>,
    /// The worker holding the claim (while `sending`); released when its heartbeat stops.
    pub worker_id: Option<Uuid>,
    /// The channels this message may use, in order (`sms,zalo_oa`); null: the recipient's
    /// usual plan. Escalation levels set it.
    pub channels: Option<String>,
    /// Why it was held back rather than sent (the commune's monthly budget was spent); it
    /// stays when the message goes later, the status says whether it still waits.
    pub held_reason: Option<String>,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
