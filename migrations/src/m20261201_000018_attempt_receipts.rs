//! Which gateway attempt a delivery receipt confirmed, and when. An attempt row is now written
//! before the gateway call (outcome `in_flight`) and completed after it, so "was a send
//! interrupted?" is a recorded fact; the receipt time on the attempt shows which send reached
//! the person.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_attempts")
                .add_column(timestamp_with_time_zone_null("delivered_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_attempts")
                .drop_column("delivered_at")
                .to_owned(),
        )
        .await
    }
}
