//! Partner key rotation with an overlap: the previous secret's hash and the instant it stops
//! working (issue 8, defect 10).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for column in [
            string_null("previous_key_hash"),
            timestamp_with_time_zone_null("previous_key_expires_at"),
            timestamp_with_time_zone_null("rotated_at"),
        ] {
            m.alter_table(
                Table::alter()
                    .table("api_keys")
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_api_keys_previous_key_hash")
                .table("api_keys")
                .col("previous_key_hash")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_api_keys_previous_key_hash")
                .table("api_keys")
                .to_owned(),
        )
        .await?;
        for column in ["rotated_at", "previous_key_expires_at", "previous_key_hash"] {
            m.alter_table(
                Table::alter()
                    .table("api_keys")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
