//! A person after rehab, managed at their place of residence.

use sea_orm::entity::prelude::*;

/// A person after rehab, managed at their place of residence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub commune_code: String,
    pub full_name: String,
    pub name_search: String,
    pub date_of_birth: Date,
    pub sex: String,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub zalo_user_id: Option<String>,
    pub address: String,
    pub sms_consent_at: Option<DateTimeUtc>,
    pub sms_consent_method: Option<String>,
    pub zalo_consent_at: Option<DateTimeUtc>,
    pub zalo_consent_method: Option<String>,
    pub preferred_channel: Option<String>,
    pub opted_out_at: Option<DateTimeUtc>,
    pub zalo_last_interaction_at: Option<DateTimeUtc>,
    pub zns_unreachable_until: Option<DateTimeUtc>,
    pub zns_unreachable_reason: Option<String>,
    pub oa_refused_at: Option<DateTimeUtc>,
    pub oa_refused_reason: Option<String>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
