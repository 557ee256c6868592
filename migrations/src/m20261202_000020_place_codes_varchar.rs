//! Place codes become `varchar(n)` on PostgreSQL (they were `char(n)`, i.e. `bpchar`).
//!
//! The application binds codes as `text`. Against a `bpchar` column PostgreSQL resolves
//! `commune_code = $1` to `text = text` by casting the column, so the column's index could not
//! be used: a commune's page walked the whole table. With `varchar` the comparison uses the
//! index. Same for the `char(64)` hash of check-in links. Values are unchanged: every code has
//! exactly its declared length, so no padding is lost.
//!
//! Foreign keys between these columns are dropped and re-created around the change (one
//! transaction: PostgreSQL runs DDL transactionally). SQLite has no fixed-width type (only
//! text affinity), so nothing changes there.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column, width) of every fixed-width text column.
const COLUMNS: [(&str, &str, u32); 21] = [
    ("provinces", "code", 2),
    ("communes", "code", 5),
    ("communes", "province_code", 2),
    ("communes", "successor_code", 5),
    ("accounts", "province_code", 2),
    ("officers", "province_code", 2),
    ("officers", "commune_code", 5),
    ("api_key_communes", "commune_code", 5),
    ("clients", "commune_code", 5),
    ("supervision_orders", "commune_code", 5),
    ("client_transfers", "from_commune_code", 5),
    ("client_transfers", "to_commune_code", 5),
    ("commune_policies", "commune_code", 5),
    ("audit_log", "commune_code", 5),
    ("check_in_plans", "commune_code", 5),
    ("check_in_occurrences", "commune_code", 5),
    ("check_ins", "commune_code", 5),
    ("appointments", "commune_code", 5),
    ("outbox_messages", "commune_code", 5),
    ("reply_notes", "commune_code", 5),
    ("check_in_links", "token_hash", 64),
];

/// Foreign keys that point at `provinces` or `communes` (the referenced code columns change
/// type, so each such constraint is dropped first and re-created after): (table, name,
/// definition).
const FOREIGN_KEYS: &str = "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) \
     FROM pg_constraint c \
     WHERE c.contype = 'f' AND c.confrelid IN ('provinces'::regclass, 'communes'::regclass) \
     ORDER BY 1, 2";

async fn change(m: &SchemaManager<'_>, to: &str) -> Result<(), DbErr> {
    if m.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let db = m.get_connection();
    let fks = db
        .query_all_raw(sea_orm::Statement::from_string(
            DbBackend::Postgres,
            FOREIGN_KEYS,
        ))
        .await?;
    let mut saved = Vec::new();
    for row in fks {
        let table: String = row.try_get_by_index(0)?;
        let name: String = row.try_get_by_index(1)?;
        let definition: String = row.try_get_by_index(2)?;
        db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""))
            .await?;
        saved.push((table, name, definition));
    }
    for (table, column, width) in COLUMNS {
        db.execute_unprepared(&format!(
            "ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" TYPE {to}({width})"
        ))
        .await?;
    }
    for (table, name, definition) in saved {
        db.execute_unprepared(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        change(m, "varchar").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        change(m, "char").await
    }
}
