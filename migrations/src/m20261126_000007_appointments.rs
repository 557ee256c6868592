//! Appointments of clients (counselling, drug tests, meetings, …) and their outcomes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("appointments")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(uuid_null("order_id"))
                .col(char_len("commune_code", 5))
                .col(string("kind"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(text("place"))
                .col(uuid_null("officer_id"))
                .col(string_null("provider_name"))
                .col(text_null("notes"))
                .col(string("status"))
                .col(uuid_null("rescheduled_from_id"))
                .col(text_null("outcome_note"))
                .col(string_null("drug_test_result"))
                .col(timestamp_with_time_zone_null("outcome_recorded_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("appointments", "client_id")
                        .to("clients", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("appointments", "order_id")
                        .to("supervision_orders", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("appointments", "commune_code")
                        .to("communes", "code"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("appointments", "officer_id")
                        .to("officers", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("appointments", "rescheduled_from_id")
                        .to("appointments", "id"),
                )
                .to_owned(),
        )
        .await?;
        // A commune's agenda, a client's history, and the overdue detector's scan.
        for (name, cols) in [
            (
                "ix_appointments_commune_starts",
                ["commune_code", "starts_at"],
            ),
            ("ix_appointments_client_starts", ["client_id", "starts_at"]),
            ("ix_appointments_status_ends", ["status", "ends_at"]),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table("appointments")
                    .col(cols[0])
                    .col(cols[1])
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("appointments").to_owned())
            .await?;
        Ok(())
    }
}
