//! A partner app's API key, stored as a SHA-256 hash, with scopes.

use sea_orm::entity::prelude::*;

/// A partner app's API key, stored as a SHA-256 hash, with scopes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub key_hash: String,
    pub scopes: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// Hash of the secret before the last rotation, accepted until `previous_key_expires_at`.
    pub previous_key_hash: Option<String>,
    pub previous_key_expires_at: Option<DateTimeUtc>,
    pub rotated_at: Option<DateTimeUtc>,
}

/// Relations are loaded explicitly by the service layer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
