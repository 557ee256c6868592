//! An appointment of a client: counselling, drug test, meeting, visit, class, interview.

use sea_orm::entity::prelude::*;

/// An appointment of a client: counselling, drug test, meeting, visit, class, interview.
///
/// `Default` and `Deserialize`: the API's one-statement pages read rows of this table as JSON
/// objects holding only the columns their fields need.
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[serde(default)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub order_id: Option<Uuid>,
    pub commune_code: String,
    pub kind: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub place: String,
    pub officer_id: Option<Uuid>,
    pub provider_name: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub rescheduled_from_id: Option<Uuid>,
    pub outcome_note: Option<String>,
    pub drug_test_result: Option<String>,
    pub outcome_recorded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
