//! Writes generated rows in large multi-row INSERTs and keeps per-table figures.

use std::{
    collections::BTreeMap,
    hash::{DefaultHasher, Hash, Hasher},
    time::{Duration, Instant},
};

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, Iterable,
    QueryTrait, sea_query::PostgresQueryBuilder,
};

/// Bound parameters per statement: below PostgreSQL's 65,535 and SQLite's 32,766.
const MAX_PARAMS: usize = 30_000;

/// Rows written and time spent, per table; and a checksum of every row in write order.
#[derive(Debug, Default)]
pub struct Sink {
    /// Per table: rows and time spent inserting them.
    pub tables: BTreeMap<&'static str, (u64, Duration)>,
    hasher: DefaultHasher,
    /// Text left out of the checksum: ids the product's own reference data chose at random.
    unhashed: Vec<String>,
}

impl Sink {
    /// Inserts `rows` of one table in statements of as many rows as the parameter limit allows.
    pub async fn put<M, A>(
        &mut self,
        db: &impl ConnectionTrait,
        table: &'static str,
        rows: Vec<M>,
    ) -> Result<(), DbErr>
    where
        M: IntoActiveModel<A> + std::fmt::Debug,
        A: ActiveModelTrait + Send,
    {
        if rows.is_empty() {
            return Ok(());
        }
        for row in &rows {
            let mut text = format!("{row:?}");
            for skip in &self.unhashed {
                text = text.replace(skip.as_str(), "");
            }
            text.hash(&mut self.hasher);
        }
        let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
        let per_statement = (MAX_PARAMS / columns).max(1);
        let count = rows.len() as u64;
        let started = Instant::now();
        let mut rows = rows
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .peekable();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        while rows.peek().is_some() {
            let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
            let insert = A::Entity::insert_many(chunk);
            if postgres {
                // Literal values: PostgreSQL plans a 30,000-parameter statement far slower
                // than it parses the same rows as text.
                let sql = insert.into_query().to_string(PostgresQueryBuilder);
                db.execute_unprepared(&sql).await?;
            } else {
                insert.exec_without_returning(db).await?;
            }
        }
        let entry = self.tables.entry(table).or_default();
        entry.0 += count;
        entry.1 += started.elapsed();
        Ok(())
    }

    /// Leaves `text` out of the checksum (e.g. the legal regime's random id).
    pub fn leave_out_of_checksum(&mut self, text: String) {
        self.unhashed.push(text);
    }

    /// A checksum of every row written so far, in order (same seed → same value).
    pub fn checksum(&self) -> u64 {
        self.hasher.finish()
    }
}
