//! When a message stops being worth sending: a reminder once its appointment has begun, a
//! check-in prompt once its window has closed. The sender cancels it instead of sending late.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .add_column(timestamp_with_time_zone_null("expires_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .drop_column("expires_at")
                .to_owned(),
        )
        .await
    }
}
