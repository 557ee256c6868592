//! A message's own channel list: an escalation level chooses the channels its alerts use and
//! their order (`domain::escalation::Level::channels`). Null keeps the recipient's usual plan.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .add_column(string_len_null("channels", 64))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .drop_column("channels")
                .to_owned(),
        )
        .await
    }
}
