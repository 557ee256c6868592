//! An officer or supporter assigned to a supervision order.

use sea_orm::entity::prelude::*;

/// An officer or supporter assigned to a supervision order.
///
/// `Default` and `Deserialize`: the API's one-statement pages read rows of this table as JSON
/// objects holding only the columns their fields need.
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[serde(default)]
#[sea_orm(table_name = "order_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub officer_id: Uuid,
    pub role: String,
    pub assigned_on: Date,
    pub ended_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
