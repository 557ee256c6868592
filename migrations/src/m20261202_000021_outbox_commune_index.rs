//! An index for a commune's messages: the message list of an officer (scope: their commune)
//! is filtered by commune and paged by id; without it, it read the whole outbox.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_outbox_commune")
                .table("outbox_messages")
                .col("commune_code")
                .col("id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_outbox_commune")
                .table("outbox_messages")
                .to_owned(),
        )
        .await
    }
}
