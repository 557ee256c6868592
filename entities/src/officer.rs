//! An officer or supporter: police, chairman, volunteer, family member, PC04.

use sea_orm::entity::prelude::*;

/// An officer or supporter: police, chairman, volunteer, family member, PC04.
///
/// `Default` and `Deserialize`: the API's one-statement pages read rows of this table as JSON
/// objects holding only the columns their fields need.
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[serde(default)]
#[sea_orm(table_name = "officers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub province_code: String,
    pub commune_code: Option<String>,
    pub full_name: String,
    pub name_search: String,
    pub phone: Option<String>,
    pub zalo_user_id: Option<String>,
    pub role: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
