//! Webhook events already processed: a replayed or retried delivery of the same body is
//! recognised by its digest and answered without doing anything twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("webhook_events")
                // Lower-case hex SHA-256 of the raw body (or of the callback's parameters): the
                // same event delivered twice has the same id, so the insert is the claim.
                .col(string_len("id", 64).primary_key())
                // `zalo` or `esms`.
                .col(string("source"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_webhook_events_received")
                .table("webhook_events")
                .col("received_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("webhook_events").to_owned())
            .await
    }
}
