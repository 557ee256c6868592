//! Zalo OAuth tokens: one row holding the current access and refresh token.
//!
//! The refresh token is single-use, so it lives in the database (shared by every worker)
//! and is replaced atomically on each refresh; see `worker::zalo_tokens`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("zalo_tokens")
                // Always 1: there is one OA per deployment, so one row.
                .col(
                    integer("id")
                        .primary_key()
                        .check(Expr::col("id").eq(1))
                        .to_owned(),
                )
                .col(text("access_token"))
                .col(text("refresh_token"))
                .col(timestamp_with_time_zone("access_expires_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("zalo_tokens").to_owned())
            .await
    }
}
