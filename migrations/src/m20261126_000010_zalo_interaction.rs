//! When a client last wrote to our Zalo Official Account: free OA messages are allowed for 7 days
//! after it, so the sender prefers OA inside that window.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("clients")
                .add_column(timestamp_with_time_zone_null("zalo_last_interaction_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("clients")
                .drop_column("zalo_last_interaction_at")
                .to_owned(),
        )
        .await
    }
}
