//! Invitations to follow the commune's Zalo OA (issue 13, item 5). Zalo's `follow` event names
//! the follower but not their phone, so a follower is tied to a client only by a code we gave
//! that client: the person sends "DK <code>" to the OA, and the sender's Zalo id is linked.
//! A code is random, short enough to type, expires, and is used once; wrong codes are counted
//! per Zalo account (`zalo_invitation_failures`) so that nobody can guess one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("zalo_invitations")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(string_len("commune_code", 5))
                .col(string_len("code", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(string_len("requested_by", 16))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("zalo_invitations", "client_id")
                        .to("clients", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_zalo_invitations_code")
                .table("zalo_invitations")
                .col("code")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_zalo_invitations_client")
                .table("zalo_invitations")
                .col("client_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("zalo_invitation_failures")
                .col(pk_uuid("id"))
                .col(string_len("zalo_user_id", 64))
                .col(timestamp_with_time_zone("failed_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_zalo_invitation_failures_sender")
                .table("zalo_invitation_failures")
                .col("zalo_user_id")
                .col("failed_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("zalo_invitation_failures").to_owned())
            .await?;
        m.drop_table(Table::drop().table("zalo_invitations").to_owned())
            .await
    }
}
