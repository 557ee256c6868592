//! What earlier sends taught us about reaching a client on Zalo (issue 13, item 2): ZNS found
//! the number not on Zalo (skipped until `zns_unreachable_until`), or Zalo refused an OA
//! message (skipped until the client interacts again). Reasons are the provider's code and
//! fixed words, never personal data.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Added one at a time: SQLite alters one column per statement.
fn columns() -> [ColumnDef; 4] {
    [
        timestamp_with_time_zone_null("zns_unreachable_until"),
        string_len_null("zns_unreachable_reason", 80),
        timestamp_with_time_zone_null("oa_refused_at"),
        string_len_null("oa_refused_reason", 80),
    ]
}

const NAMES: [&str; 4] = [
    "zns_unreachable_until",
    "zns_unreachable_reason",
    "oa_refused_at",
    "oa_refused_reason",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut column in columns() {
            m.alter_table(
                Table::alter()
                    .table("clients")
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in NAMES {
            m.alter_table(Table::alter().table("clients").drop_column(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
