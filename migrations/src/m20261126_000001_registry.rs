//! Registry: places, legal regimes, officers, clients, supervision orders, access, audit.

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
                .table("provinces")
                .col(char_len("code", 2).primary_key())
                .col(string("name"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("communes")
                .col(char_len("code", 5).primary_key())
                .col(char_len("province_code", 2))
                .col(string("name"))
                .col(string("name_search"))
                .col(string("kind"))
                .col(boolean("is_current"))
                .col(char_len_null("successor_code", 5))
                .col(date_null("abolished_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("communes", "province_code", "provinces", "code"))
                .foreign_key(&mut fk("communes", "successor_code", "communes", "code"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "communes",
            "ix_communes_province",
            &["province_code", "code"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("legal_regimes")
                .col(pk_uuid("id"))
                .col(string_uniq("code"))
                .col(string("name"))
                .col(date("effective_from"))
                .col(date_null("effective_to"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("legal_regime_rules")
                .col(pk_uuid("id"))
                .col(uuid("regime_id"))
                .col(string("rehab_kind"))
                .col(string("age_group"))
                .col(integer("months"))
                .foreign_key(&mut fk(
                    "legal_regime_rules",
                    "regime_id",
                    "legal_regimes",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "legal_regime_rules",
                "ux_regime_rules",
                &["regime_id", "rehab_kind", "age_group"],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("officers")
                .col(pk_uuid("id"))
                .col(char_len("province_code", 2))
                .col(char_len_null("commune_code", 5))
                .col(string("full_name"))
                .col(string("name_search"))
                .col(string_null("phone"))
                .col(string_null("zalo_user_id"))
                .col(string("role"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("officers", "province_code", "provinces", "code"))
                .foreign_key(&mut fk("officers", "commune_code", "communes", "code"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "officers",
            "ix_officers_commune",
            &["commune_code", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("clients")
                .col(pk_uuid("id"))
                .col(char_len("commune_code", 5))
                .col(string("full_name"))
                .col(string("name_search"))
                .col(date("date_of_birth"))
                .col(string("sex"))
                .col(string_null("national_id"))
                .col(string_null("phone"))
                .col(string_null("zalo_user_id"))
                .col(text("address"))
                .col(timestamp_with_time_zone_null("sms_consent_at"))
                .col(string_null("sms_consent_method"))
                .col(timestamp_with_time_zone_null("zalo_consent_at"))
                .col(string_null("zalo_consent_method"))
                .col(string_null("preferred_channel"))
                .col(timestamp_with_time_zone_null("opted_out_at"))
                .col(string("status"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("clients", "commune_code", "communes", "code"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("clients", "ux_clients_national_id", &["national_id"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "clients",
            "ix_clients_commune",
            &["commune_code", "id"],
        ))
        .await?;
        m.create_index(index("clients", "ix_clients_phone", &["phone"]))
            .await?;
        m.create_index(index("clients", "ix_clients_zalo", &["zalo_user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("supervision_orders")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(char_len("commune_code", 5))
                .col(string_null("decision_number"))
                .col(date_null("decision_date"))
                .col(string_null("signer_name"))
                .col(string_null("signer_title"))
                .col(string("rehab_kind"))
                .col(string_null("rehab_facility"))
                .col(date("rehab_completed_on"))
                .col(uuid_null("legal_regime_id"))
                .col(integer_null("period_months"))
                .col(date_null("start_date"))
                .col(date_null("end_date"))
                .col(uuid_null("previous_order_id"))
                .col(string("status"))
                .col(string_null("status_reason"))
                .col(string_null("certificate_number"))
                .col(timestamp_with_time_zone("status_changed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("supervision_orders", "client_id", "clients", "id"))
                .foreign_key(&mut fk(
                    "supervision_orders",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .foreign_key(&mut fk(
                    "supervision_orders",
                    "legal_regime_id",
                    "legal_regimes",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "supervision_orders",
            "ix_orders_client",
            &["client_id"],
        ))
        .await?;
        m.create_index(index(
            "supervision_orders",
            "ix_orders_commune",
            &["commune_code", "id"],
        ))
        .await?;
        m.create_index(
            index(
                "supervision_orders",
                "ux_orders_decision",
                &["commune_code", "decision_number"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        // At most one open order per client, even under concurrent writes (partial index:
        // supported alike by SQLite and PostgreSQL).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_orders_one_open ON supervision_orders (client_id) \
                 WHERE status IN ('pending_decision', 'active', 'suspended')",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("order_pauses")
                .col(pk_uuid("id"))
                .col(uuid("order_id"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(string("reason"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "order_pauses",
                    "order_id",
                    "supervision_orders",
                    "id",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("order_pauses", "ix_pauses_order", &["order_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("order_assignments")
                .col(pk_uuid("id"))
                .col(uuid("order_id"))
                .col(uuid("officer_id"))
                .col(string("role"))
                .col(date("assigned_on"))
                .col(date_null("ended_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "order_assignments",
                    "order_id",
                    "supervision_orders",
                    "id",
                ))
                .foreign_key(&mut fk("order_assignments", "officer_id", "officers", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_assignments",
            "ix_assignments_order",
            &["order_id"],
        ))
        .await?;
        m.create_index(index(
            "order_assignments",
            "ix_assignments_officer",
            &["officer_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("client_transfers")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(uuid_null("order_id"))
                .col(char_len("from_commune_code", 5))
                .col(char_len("to_commune_code", 5))
                .col(date("decided_on"))
                .col(string("reason"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("client_transfers", "client_id", "clients", "id"))
                .foreign_key(&mut fk(
                    "client_transfers",
                    "from_commune_code",
                    "communes",
                    "code",
                ))
                .foreign_key(&mut fk(
                    "client_transfers",
                    "to_commune_code",
                    "communes",
                    "code",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "client_transfers",
            "ix_transfers_client",
            &["client_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("accounts")
                .col(pk_uuid("id"))
                .col(string("kind"))
                .col(uuid_null("officer_id"))
                .col(char_len_null("province_code", 2))
                .col(string("display_name"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("disabled_at"))
                .foreign_key(&mut fk("accounts", "officer_id", "officers", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("access_tokens")
                .col(pk_uuid("id"))
                .col(uuid("account_id"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("access_tokens", "account_id", "accounts", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("api_keys")
                .col(pk_uuid("id"))
                .col(string("name"))
                .col(string_uniq("key_hash"))
                .col(string("scopes"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("api_key_communes")
                .col(uuid("api_key_id"))
                .col(char_len("commune_code", 5))
                .primary_key(Index::create().col("api_key_id").col("commune_code"))
                .foreign_key(&mut fk("api_key_communes", "api_key_id", "api_keys", "id"))
                .foreign_key(&mut fk(
                    "api_key_communes",
                    "commune_code",
                    "communes",
                    "code",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(pk_uuid("id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("actor_kind"))
                .col(uuid_null("actor_id"))
                .col(string("action"))
                .col(string("entity_type"))
                .col(uuid_null("entity_id"))
                .col(char_len_null("commune_code", 5))
                .col(string_null("request_id"))
                .col(text_null("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "audit_log",
            "ix_audit_entity",
            &["entity_type", "entity_id"],
        ))
        .await?;
        m.create_index(index("audit_log", "ix_audit_actor", &["actor_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_log",
            "api_key_communes",
            "api_keys",
            "access_tokens",
            "accounts",
            "client_transfers",
            "order_assignments",
            "order_pauses",
            "supervision_orders",
            "clients",
            "officers",
            "legal_regime_rules",
            "legal_regimes",
            "communes",
            "provinces",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
