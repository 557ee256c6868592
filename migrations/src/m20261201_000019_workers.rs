//! Worker heartbeats: every worker process keeps a row here fresh while it lives, and each
//! claimed outbox row names the worker holding it, so a claim of a worker whose heartbeat
//! stopped (a crash, a kill) is released at once instead of waiting out its lease.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("workers")
                .col(pk_uuid("id"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone("heartbeat_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .add_column(uuid_null("worker_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_worker")
                .table("outbox_messages")
                .col("worker_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_outbox_worker")
                .table("outbox_messages")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .drop_column("worker_id")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("workers").to_owned())
            .await
    }
}
