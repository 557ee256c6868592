//! Schema migrations of Đồng Hành. One schema for SQLite (embedded default) and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_registry;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261126_000001_registry::Migration)]
    }
}
