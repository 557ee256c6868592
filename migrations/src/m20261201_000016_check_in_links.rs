//! Short one-tap check-in links: `/c/<16 characters>` instead of a 54-character signed token,
//! so a prompt with its link fits one SMS segment. The token is derived from the occurrence
//! with the link key (HMAC, 96 bits) and only its SHA-256 hash is stored, to find the
//! occurrence when the link is opened.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("check_in_links")
                .col(char_len("token_hash", 64).primary_key())
                .col(uuid("occurrence_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("check_in_links", "occurrence_id")
                        .to("check_in_occurrences", "id"),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("check_in_links").to_owned())
            .await
    }
}
