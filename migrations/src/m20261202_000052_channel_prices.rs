//! Prices as data (issue 13): what a provider charges per unit on a channel, from a date, and
//! on every gateway attempt the provider, SMS segments and the price in force at its time.
//!
//! `channel_prices` keeps every price ever set (a change is a new row with a later
//! `effective_from`), so an attempt's price can be checked against the table at any time. The
//! seeded rows are the rough prices of issue 13, marked `example`: an administrator replaces
//! them with the contract's prices.
//!
//! `outbox_attempts` gains `commune_code` (copied from the message when the outcome is
//! written, and for earlier attempts here) so a commune's month of attempts is one range of `ix_attempts_commune_time`.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::prelude::{ChronoDate, ChronoDateTimeUtc, Uuid},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(provider, channel, unit, price)` seeded as examples, effective from 2026-01-01.
const EXAMPLES: &[(&str, &str, &str, i64)] = &[
    ("zalo", "zalo_oa", "message", 0),
    ("zalo", "zalo_zns", "zns_custom", 300),
    ("zalo", "zalo_zns", "zns_otp", 350),
    ("zalo", "zalo_zns", "zns_rating", 150),
    ("esms", "sms", "sms_segment", 1000),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("channel_prices")
                .col(pk_uuid("id"))
                .col(string_len("provider", 32))
                .col(string_len("channel", 16))
                .col(string_len("unit", 32))
                .col(big_integer("price_vnd"))
                .col(date("effective_from"))
                // Seeded from the rough figures, not a contract.
                .col(boolean("example").default(false))
                .col(uuid_null("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        // The price in force is the row with the latest `effective_from` on or before the day.
        m.create_index(
            Index::create()
                .name("ux_channel_prices_key")
                .table("channel_prices")
                .col("provider")
                .col("channel")
                .col("unit")
                .col("effective_from")
                .unique()
                .to_owned(),
        )
        .await?;
        for (i, (provider, channel, unit, price)) in EXAMPLES.iter().enumerate() {
            let id = format!("00000000-0000-7000-8000-{:012}", 13_000 + i);
            let insert = Query::insert()
                .into_table("channel_prices")
                .columns([
                    "id",
                    "provider",
                    "channel",
                    "unit",
                    "price_vnd",
                    "effective_from",
                    "example",
                    "updated_at",
                ])
                .values_panic([
                    Uuid::parse_str(&id)
                        .map_err(|e| DbErr::Custom(e.to_string()))?
                        .into(),
                    (*provider).into(),
                    (*channel).into(),
                    (*unit).into(),
                    (*price).into(),
                    ChronoDate::from_ymd_opt(2026, 1, 1).into(),
                    true.into(),
                    ChronoDateTimeUtc::from_timestamp(1_767_225_600, 0).into(),
                ])
                .to_owned();
            m.exec_stmt(insert).await?;
        }
        // One column per statement: SQLite alters one column at a time.
        for col in [
            string_len_null("provider", 32),
            integer_null("segments"),
            string_len_null("unit", 32),
            big_integer_null("price_vnd"),
            big_integer_null("billed_vnd"),
            string_len_null("commune_code", 5),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table("outbox_attempts")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        // Attempts made before this migration get their message's commune (their price stays
        // unknown: it was never recorded).
        m.get_connection()
            .execute_unprepared(
                "UPDATE outbox_attempts SET commune_code = (SELECT m.commune_code \
                 FROM outbox_messages m WHERE m.id = outbox_attempts.message_id)",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("ix_attempts_commune_time")
                .table("outbox_attempts")
                .col("commune_code")
                .col("attempted_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_attempts_commune_time")
                .table("outbox_attempts")
                .to_owned(),
        )
        .await?;
        for col in [
            "commune_code",
            "billed_vnd",
            "price_vnd",
            "unit",
            "segments",
            "provider",
        ] {
            m.alter_table(
                Table::alter()
                    .table("outbox_attempts")
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table("channel_prices").to_owned())
            .await
    }
}
