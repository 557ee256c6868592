//! A supervision order: the commune chairman's decision to manage a client after rehab.

use sea_orm::entity::prelude::*;

/// A supervision order: the commune chairman's decision to manage a client after rehab.
///
/// `Default` and `Deserialize`: the API's one-statement pages read rows of this table as JSON
/// objects holding only the columns their fields need.
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[serde(default)]
#[sea_orm(table_name = "supervision_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub decision_number: Option<String>,
    pub decision_date: Option<Date>,
    pub signer_name: Option<String>,
    pub signer_title: Option<String>,
    pub rehab_kind: String,
    pub rehab_facility: Option<String>,
    pub rehab_completed_on: Date,
    pub legal_regime_id: Option<Uuid>,
    pub period_months: Option<i32>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub previous_order_id: Option<Uuid>,
    pub status: String,
    pub status_reason: Option<String>,
    pub certificate_number: Option<String>,
    pub status_changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
