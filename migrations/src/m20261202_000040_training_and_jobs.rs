//! Vocational training and employment: providers, programmes, employers, job openings, and
//! the placements that link a client to one of them (issue #12).
//!
//! Every table carries the commune that owns the row (`commune_code`), so an officer's and a
//! partner key's commune scope filters it directly, with an index led by that column.

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
                .table("training_providers")
                .col(pk_uuid("id"))
                .col(string_len("commune_code", 5))
                .col(string("name"))
                .col(string("kind"))
                .col(text_null("address"))
                .col(string_null("phone"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "training_providers",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("training_programmes")
                .col(pk_uuid("id"))
                .col(uuid("provider_id"))
                .col(string_len("commune_code", 5))
                .col(string("trade"))
                .col(integer("duration_days"))
                .col(text_null("schedule"))
                .col(date_null("starts_on"))
                .col(date_null("ends_on"))
                .col(big_integer("cost_vnd"))
                .col(string("funding_source"))
                .col(integer("seats"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "training_programmes",
                    "provider_id",
                    "training_providers",
                    "id",
                ))
                .foreign_key(&mut fk(
                    "training_programmes",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("employers")
                .col(pk_uuid("id"))
                .col(string_len("commune_code", 5))
                .col(string("name"))
                .col(text_null("address"))
                .col(string_null("phone"))
                .col(integer_null("workforce_total"))
                .col(integer_null("workforce_after_rehab"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("employers", "commune_code", "communes", "code"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("job_openings")
                .col(pk_uuid("id"))
                .col(uuid("employer_id"))
                .col(string_len("commune_code", 5))
                .col(string("title"))
                .col(text_null("description"))
                .col(big_integer_null("wage_vnd"))
                .col(integer("seats"))
                .col(date("opens_on"))
                .col(date_null("closes_on"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("job_openings", "employer_id", "employers", "id"))
                .foreign_key(&mut fk("job_openings", "commune_code", "communes", "code"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("placements")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(string_len("commune_code", 5))
                .col(string("kind"))
                .col(uuid_null("programme_id"))
                .col(uuid_null("opening_id"))
                .col(string("status"))
                .col(date("referred_on"))
                .col(date_null("starts_on"))
                .col(date_null("ends_on"))
                .col(big_integer_null("wage_vnd"))
                .col(big_integer("tuition_paid_vnd"))
                .col(big_integer("stipend_vnd"))
                .col(big_integer("tools_vnd"))
                .col(text_null("support_note"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("placements", "client_id", "clients", "id"))
                .foreign_key(&mut fk("placements", "commune_code", "communes", "code"))
                .foreign_key(&mut fk(
                    "placements",
                    "programme_id",
                    "training_programmes",
                    "id",
                ))
                .foreign_key(&mut fk("placements", "opening_id", "job_openings", "id"))
                .to_owned(),
        )
        .await?;

        // Commune-filtered lists, newest first by id; a client's placements; a programme's
        // or opening's placements (seats taken).
        for (table, name, cols) in [
            (
                "training_providers",
                "ix_training_providers_commune",
                &["commune_code", "id"][..],
            ),
            (
                "training_programmes",
                "ix_training_programmes_commune",
                &["commune_code", "id"],
            ),
            (
                "training_programmes",
                "ix_training_programmes_provider",
                &["provider_id"],
            ),
            ("employers", "ix_employers_commune", &["commune_code", "id"]),
            (
                "job_openings",
                "ix_job_openings_commune",
                &["commune_code", "id"],
            ),
            ("job_openings", "ix_job_openings_employer", &["employer_id"]),
            (
                "placements",
                "ix_placements_commune_status",
                &["commune_code", "status", "id"],
            ),
            ("placements", "ix_placements_client", &["client_id", "id"]),
            ("placements", "ix_placements_programme", &["programme_id"]),
            ("placements", "ix_placements_opening", &["opening_id"]),
        ] {
            m.create_index(index(table, name, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "placements",
            "job_openings",
            "employers",
            "training_programmes",
            "training_providers",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
