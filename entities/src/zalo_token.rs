//! The Zalo OA's OAuth tokens: a single row (`id` = 1) shared by every worker.

use sea_orm::entity::prelude::*;

/// The Zalo OA's current access token and its single-use refresh token.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zalo_tokens")]
pub struct Model {
    /// Always 1: one OA per deployment.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    pub access_token: String,
    #[sea_orm(column_type = "Text")]
    pub refresh_token: String,
    pub access_expires_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// The row never appears in logs with its secrets.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.id)
            .field("access_expires_at", &self.access_expires_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// No relations: the row stands alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
