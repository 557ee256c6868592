//! The outbox: every message that must go out is a row first, written in the same transaction
//! as the change that causes it; the worker drains it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("outbox_messages")
                .col(pk_uuid("id"))
                // Deterministic key (e.g. `reminder:{appointment}:{offset}:{start}`): re-planning
                // the same thing can never add a second row.
                .col(string_uniq("dedupe_key"))
                .col(string("recipient_kind"))
                .col(uuid_null("client_id"))
                .col(uuid_null("officer_id"))
                .col(char_len("commune_code", 5))
                .col(string("template"))
                .col(text("vars"))
                .col(timestamp_with_time_zone("due_at"))
                .col(boolean("urgent"))
                .col(string("status"))
                .col(string_null("channel"))
                .col(integer("channel_index"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(uuid_null("lease_token"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(string_null("last_outcome"))
                .col(string_null("last_reason"))
                .col(string_null("provider_message_id"))
                .col(string("source_type"))
                .col(uuid_null("source_id"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_due")
                .table("outbox_messages")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_client")
                .table("outbox_messages")
                .col("client_id")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_source")
                .table("outbox_messages")
                .col("source_type")
                .col("source_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_provider")
                .table("outbox_messages")
                .col("provider_message_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("outbox_attempts")
                .col(pk_uuid("id"))
                .col(uuid("message_id"))
                .col(string("channel"))
                .col(timestamp_with_time_zone("attempted_at"))
                .col(string("outcome"))
                .col(string_null("reason"))
                .col(string_null("provider_message_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("outbox_attempts", "message_id")
                        .to("outbox_messages", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_attempts_message")
                .table("outbox_attempts")
                .col("message_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("outbox_attempts").to_owned())
            .await?;
        m.drop_table(Table::drop().table("outbox_messages").to_owned())
            .await
    }
}
