//! Escalation of missed check-ins (issue 11): per-commune escalation policies, escalations
//! (at most one open per client, by a partial unique index on both databases), their history,
//! acknowledgement codes and links (hashed) and wrong-code replies (for the rate limit).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    table: &'static str,
    col: &'static str,
    to: &'static str,
    to_col: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(to, to_col)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("escalation_policies")
                .col(string_len("commune_code", 5).primary_key())
                .col(text("policy"))
                .col(uuid_null("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "escalation_policies",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("escalations")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(uuid("order_id"))
                .col(string_len("commune_code", 5))
                .col(string("status"))
                .col(integer("level"))
                .col(timestamp_with_time_zone("level_since"))
                .col(timestamp_with_time_zone("opened_at"))
                .col(timestamp_with_time_zone_null("top_reported_at"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .col(uuid_null("acknowledged_by"))
                .col(string_null("ack_method"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(uuid_null("resolved_by"))
                .col(string_null("outcome"))
                .col(text_null("note"))
                .col(integer("misses"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("escalations", "client_id", "clients", "id"))
                .foreign_key(&mut fk(
                    "escalations",
                    "order_id",
                    "supervision_orders",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        // One escalation per client that is not resolved, even under concurrent sweeps.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_escalations_one_open ON escalations (client_id) \
                 WHERE status IN ('open', 'acknowledged')",
            )
            .await?;
        // The officers' queue: by commune, status, level and age.
        m.create_index(
            Index::create()
                .table("escalations")
                .name("ix_escalations_queue")
                .col("commune_code")
                .col("status")
                .col("level")
                .col("opened_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .table("escalations")
                .name("ix_escalations_client")
                .col("client_id")
                .col("opened_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("escalation_events")
                .col(pk_uuid("id"))
                .col(uuid("escalation_id"))
                .col(string("kind"))
                .col(integer("level"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(uuid_null("officer_id"))
                .col(string_null("source_type"))
                .col(uuid_null("source_id"))
                .col(text_null("detail"))
                .foreign_key(&mut fk(
                    "escalation_events",
                    "escalation_id",
                    "escalations",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .table("escalation_events")
                .name("ix_escalation_events_escalation")
                .col("escalation_id")
                .col("occurred_at")
                .to_owned(),
        )
        .await?;
        // A cause (a missed occurrence, a late check-in, a help request) is recorded once.
        m.create_index(
            Index::create()
                .table("escalation_events")
                .name("ux_escalation_events_source")
                .col("source_type")
                .col("source_id")
                .col("kind")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("escalation_ack_codes")
                .col(string_len("code_hash", 64).primary_key())
                .col(uuid("escalation_id").unique_key())
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "escalation_ack_codes",
                    "escalation_id",
                    "escalations",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        // Signed acknowledgement links: one per escalation and officer, so the link says who.
        m.create_table(
            Table::create()
                .table("escalation_ack_links")
                .col(string_len("token_hash", 64).primary_key())
                .col(uuid("escalation_id"))
                .col(uuid("officer_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "escalation_ack_links",
                    "escalation_id",
                    "escalations",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "escalation_ack_links",
                    "officer_id",
                    "officers",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("escalation_ack_failures")
                .col(pk_uuid("id"))
                .col(string("sender"))
                .col(timestamp_with_time_zone("failed_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .table("escalation_ack_failures")
                .name("ix_escalation_ack_failures_sender")
                .col("sender")
                .col("failed_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "escalation_ack_failures",
            "escalation_ack_links",
            "escalation_ack_codes",
            "escalation_events",
            "escalations",
            "escalation_policies",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
