//! Replies that are neither a check-in nor an opt-out: kept for the officer to read.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("reply_notes")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(char_len("commune_code", 5))
                .col(string("channel"))
                .col(text("text"))
                .col(timestamp_with_time_zone("received_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("reply_notes", "client_id")
                        .to("clients", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_reply_notes_client")
                .table("reply_notes")
                .col("client_id")
                .col("received_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("reply_notes").to_owned())
            .await
    }
}
