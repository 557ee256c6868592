//! Monthly messaging budget per commune (issue 13, item 6): the budget in đồng, the month its
//! 80 % alert went out (so it goes once a month), and on each message why it is held back.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("commune_budgets")
                .col(string_len("commune_code", 5).primary_key())
                .col(big_integer("monthly_budget_vnd"))
                // `YYYY-MM` of the last 80 % alert: a guarded update sets it once per month.
                .col(string_len_null("alerted_month", 7))
                .col(uuid_null("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .add_column(string_len_null("held_reason", 200))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("outbox_messages")
                .drop_column("held_reason")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("commune_budgets").to_owned())
            .await
    }
}
