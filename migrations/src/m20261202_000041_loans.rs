//! Loan support: programmes as data, the commune's eligibility lists, applications, their
//! repayment schedules and recorded repayments (issue #12).
//!
//! Programmes are national reference data (seeded at start-up); everything else carries the
//! commune that owns it for scope filters. Instalments carry `reminded_at` and `overdue_at`
//! so the worker's claims are single conditional updates.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
    to_col: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create().name(name).table(table).to_owned();
    for col in cols {
        stmt.col(*col);
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("loan_programmes")
                .col(pk_uuid("id"))
                .col(string("code"))
                .col(string("name"))
                .col(string("lender"))
                .col(string("borrower"))
                .col(big_integer("max_amount_vnd"))
                .col(integer("max_term_months"))
                .col(integer("annual_rate_bp"))
                .col(integer("overdue_rate_percent"))
                .col(string("interest_method"))
                .col(boolean("requires_certified_list"))
                .col(integer_null("max_years_since_decision"))
                .col(integer_null("min_age"))
                .col(integer_null("min_rehab_workforce_percent"))
                .col(date("effective_from"))
                .col(date_null("effective_to"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("loan_programmes", "ux_loan_programmes_code", &["code"])
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("eligibility_lists")
                .col(pk_uuid("id"))
                .col(string_len("commune_code", 5))
                .col(uuid("programme_id"))
                .col(string("title"))
                .col(string("status"))
                .col(date_null("certified_on"))
                .col(string_null("certified_by"))
                .col(date_null("sent_on"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "eligibility_lists",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .foreign_key(&mut fk(
                    "eligibility_lists",
                    "programme_id",
                    "loan_programmes",
                    "id",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("eligibility_list_entries")
                .col(pk_uuid("id"))
                .col(uuid("list_id"))
                .col(uuid("client_id"))
                .col(string_len("commune_code", 5))
                .col(text_null("note"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "eligibility_list_entries",
                    "list_id",
                    "eligibility_lists",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "eligibility_list_entries",
                    "client_id",
                    "clients",
                    "id",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("loan_applications")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(string_len("commune_code", 5))
                .col(uuid("programme_id"))
                .col(string("borrower"))
                .col(big_integer("amount_vnd"))
                .col(integer("term_months"))
                .col(text("purpose"))
                .col(uuid_null("placement_id"))
                .col(uuid_null("employer_id"))
                .col(text_null("business_plan"))
                .col(string_null("guarantor"))
                .col(string_null("group_name"))
                .col(string("status"))
                .col(text_null("status_reason"))
                .col(date_null("submitted_on"))
                .col(date_null("decided_on"))
                .col(date_null("disbursed_on"))
                .col(string_null("frequency"))
                .col(integer_null("annual_rate_bp"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("loan_applications", "client_id", "clients", "id"))
                .foreign_key(&mut fk(
                    "loan_applications",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .foreign_key(&mut fk(
                    "loan_applications",
                    "programme_id",
                    "loan_programmes",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "loan_applications",
                    "placement_id",
                    "placements",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "loan_applications",
                    "employer_id",
                    "employers",
                    "id",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("loan_instalments")
                .col(pk_uuid("id"))
                .col(uuid("application_id"))
                .col(uuid("client_id"))
                .col(string_len("commune_code", 5))
                .col(integer("number"))
                .col(date("due_on"))
                .col(big_integer("principal_vnd"))
                .col(big_integer("interest_vnd"))
                .col(big_integer("paid_vnd"))
                .col(date_null("paid_on"))
                .col(timestamp_with_time_zone_null("reminded_at"))
                .col(timestamp_with_time_zone_null("overdue_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "loan_instalments",
                    "application_id",
                    "loan_applications",
                    "id",
                ))
                .foreign_key(&mut fk("loan_instalments", "client_id", "clients", "id"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("loan_repayments")
                .col(pk_uuid("id"))
                .col(uuid("application_id"))
                .col(string_len("commune_code", 5))
                .col(big_integer("amount_vnd"))
                .col(date("paid_on"))
                .col(text_null("note"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "loan_repayments",
                    "application_id",
                    "loan_applications",
                    "id",
                ))
                .to_owned(),
        )
        .await?;

        m.create_index(
            index(
                "eligibility_list_entries",
                "ux_eligibility_list_entries_client",
                &["list_id", "client_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "loan_instalments",
                "ux_loan_instalments_number",
                &["application_id", "number"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        // Commune-filtered lists; a client's loans and list entries; the worker's scans of
        // unpaid instalments by due date.
        for (table, name, cols) in [
            (
                "eligibility_lists",
                "ix_eligibility_lists_commune_status",
                &["commune_code", "status", "id"][..],
            ),
            (
                "eligibility_list_entries",
                "ix_eligibility_list_entries_client",
                &["client_id"],
            ),
            (
                "loan_applications",
                "ix_loan_applications_commune_status",
                &["commune_code", "status", "id"],
            ),
            (
                "loan_applications",
                "ix_loan_applications_client",
                &["client_id", "id"],
            ),
            (
                "loan_applications",
                "ix_loan_applications_programme",
                &["programme_id"],
            ),
            (
                "loan_instalments",
                "ix_loan_instalments_unpaid_due",
                &["paid_on", "due_on"],
            ),
            (
                "loan_instalments",
                "ix_loan_instalments_commune_due",
                &["commune_code", "due_on"],
            ),
            (
                "loan_repayments",
                "ix_loan_repayments_application",
                &["application_id", "paid_on"],
            ),
        ] {
            m.create_index(index(table, name, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "loan_repayments",
            "loan_instalments",
            "loan_applications",
            "eligibility_list_entries",
            "eligibility_lists",
            "loan_programmes",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
