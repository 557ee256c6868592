//! Per-commune policy, check-in plans, their occurrences and check-ins, and app secrets.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("commune_policies")
                .col(char_len("commune_code", 5).primary_key())
                .col(text("overrides"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("commune_policies", "commune_code")
                        .to("communes", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("app_secrets")
                .col(string("name").primary_key())
                .col(string("value"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("check_in_plans")
                .col(pk_uuid("id"))
                .col(uuid("order_id"))
                .col(uuid("client_id"))
                .col(char_len("commune_code", 5))
                .col(text("rule"))
                .col(string("window_opens_at"))
                .col(integer("window_minutes"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(string("holiday_policy"))
                .col(uuid_null("replaced_by"))
                .col(timestamp_with_time_zone_null("planned_until"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("check_in_plans", "order_id")
                        .to("supervision_orders", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("check_in_plans", "client_id")
                        .to("clients", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_plans_order")
                .table("check_in_plans")
                .col("order_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_plans_commune")
                .table("check_in_plans")
                .col("commune_code")
                .col("ends_on")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("check_in_occurrences")
                .col(pk_uuid("id"))
                .col(uuid("plan_id"))
                .col(uuid("client_id"))
                .col(char_len("commune_code", 5))
                .col(date("scheduled_on"))
                .col(date("due_on"))
                .col(timestamp_with_time_zone("opens_at"))
                .col(timestamp_with_time_zone("closes_at"))
                .col(string("status"))
                .col(timestamp_with_time_zone_null("missed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("check_in_occurrences", "plan_id")
                        .to("check_in_plans", "id"),
                )
                .to_owned(),
        )
        .await?;
        // One occurrence per plan and nominal date: re-planning is idempotent.
        m.create_index(
            Index::create()
                .name("ux_occurrence_plan_day")
                .table("check_in_occurrences")
                .col("plan_id")
                .col("scheduled_on")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_occurrences_due")
                .table("check_in_occurrences")
                .col("status")
                .col("closes_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_occurrences_client")
                .table("check_in_occurrences")
                .col("client_id")
                .col("opens_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_occurrences_commune")
                .table("check_in_occurrences")
                .col("commune_code")
                .col("opens_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("check_ins")
                .col(pk_uuid("id"))
                .col(uuid_uniq("occurrence_id"))
                .col(uuid("client_id"))
                .col(char_len("commune_code", 5))
                .col(string("method"))
                .col(timestamp_with_time_zone("checked_in_at"))
                .col(boolean("late"))
                .col(string_null("wellbeing"))
                .col(text_null("note"))
                .col(string("recorded_by_kind"))
                .col(uuid_null("recorded_by_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("check_ins", "occurrence_id")
                        .to("check_in_occurrences", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_check_ins_client")
                .table("check_ins")
                .col("client_id")
                .col("checked_in_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "check_ins",
            "check_in_occurrences",
            "check_in_plans",
            "app_secrets",
            "commune_policies",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
