//! One due check-in of a plan: a window in which the client must check in.

use sea_orm::entity::prelude::*;

/// One due check-in of a plan: a window in which the client must check in.
///
/// `Default` and `Deserialize`: the API's one-statement pages read rows of this table as JSON
/// objects holding only the columns their fields need.
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[serde(default)]
#[sea_orm(table_name = "check_in_occurrences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub client_id: Uuid,
    pub commune_code: String,
    pub scheduled_on: Date,
    pub due_on: Date,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub status: String,
    pub missed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
