//! Loan programme terms over time (issue #12): an administrator's change of cap, term or rate
//! takes effect on a day and applies to applications submitted from that day on; the
//! programme row keeps the terms it was created with. An application carries the overdue
//! rate fixed at approval beside its rate, so later changes never reach an agreed loan.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("loan_programme_terms")
                .col(pk_uuid("id"))
                .col(uuid("programme_id"))
                .col(date("effective_from"))
                .col(big_integer("max_amount_vnd"))
                .col(integer("max_term_months"))
                .col(integer("annual_rate_bp"))
                .col(integer("overdue_rate_percent"))
                .col(string("reason"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("loan_programme_terms", "programme_id")
                        .to("loan_programmes", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_loan_programme_terms_day")
                .table("loan_programme_terms")
                .col("programme_id")
                .col("effective_from")
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("loan_applications")
                .add_column(integer_null("overdue_rate_percent"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("loan_applications")
                .drop_column("overdue_rate_percent")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("loan_programme_terms").to_owned())
            .await
    }
}
