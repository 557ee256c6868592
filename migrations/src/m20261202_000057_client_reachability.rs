//! Reachability watch (issue 13, item 3): per client, how many messages in a row reached
//! nobody and, while the client counts as unreachable, since when.
//!
//! A table of its own rather than columns on `clients`: only clients a message ever failed
//! for have a row, so the finish of a message that got through (the hot path) looks up a
//! small table by primary key and writes nothing unless a count is running.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("client_reachability")
                .col(pk_uuid("client_id"))
                // Client messages in a row that ended failed; reset when one gets through.
                .col(integer("consecutive_failures").default(0))
                // Set once when the client becomes unreachable (the episode's start and the
                // alert's key); cleared when a message gets through.
                .col(timestamp_with_time_zone_null("unreachable_since"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_client_reachability_client")
                        .from("client_reachability", "client_id")
                        .to("clients", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_client_reachability_since")
                .table("client_reachability")
                .col("unreachable_since")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("client_reachability").to_owned())
            .await
    }
}
