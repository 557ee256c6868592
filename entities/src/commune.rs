//! A commune-level unit (xã, phường, đặc khu), current or pre-merger.

use sea_orm::entity::prelude::*;

/// A commune-level unit (xã, phường, đặc khu), current or pre-merger.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "communes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub province_code: String,
    pub name: String,
    pub name_search: String,
    pub kind: String,
    pub is_current: bool,
    pub successor_code: Option<String>,
    pub abolished_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
