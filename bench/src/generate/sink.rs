//! Writes generated rows in bulk and keeps per-table figures: `COPY … FROM STDIN` on
//! PostgreSQL, multi-row INSERTs on SQLite (in-process, where statements are cheap).

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    hash::{DefaultHasher, Hash, Hasher},
    time::{Duration, Instant},
};

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, IntoActiveModel, Iterable,
    Value,
    sqlx::{PgPool, postgres::PgPoolCopyExt},
};

/// Bound parameters per SQLite statement (its limit is 32,766).
const MAX_PARAMS: usize = 30_000;

/// Rows written and time spent, per table; and a checksum of every row in write order.
#[derive(Debug, Default)]
pub struct Sink {
    /// Per table: rows and time spent inserting them.
    pub tables: BTreeMap<&'static str, (u64, Duration)>,
    hasher: DefaultHasher,
    /// Text left out of the checksum: ids the product's own reference data chose at random.
    unhashed: Vec<String>,
    /// PostgreSQL pool, when rows go through `COPY`.
    copy: Option<PgPool>,
}

impl Sink {
    /// A sink that writes with `COPY` through `pool` (PostgreSQL); each `COPY` is atomic.
    pub fn copying(pool: PgPool) -> Self {
        Self {
            copy: Some(pool),
            ..Self::default()
        }
    }

    /// Writes `rows` of one table: with `COPY` when the sink has a PostgreSQL pool, otherwise
    /// with INSERTs of as many rows as the parameter limit allows on `db`.
    pub async fn put<M, A>(
        &mut self,
        db: &impl ConnectionTrait,
        table: &'static str,
        rows: Vec<M>,
    ) -> Result<(), DbErr>
    where
        M: IntoActiveModel<A>,
        A: ActiveModelTrait + Send,
    {
        if rows.is_empty() {
            return Ok(());
        }
        let count = rows.len() as u64;
        let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter().collect();
        let models: Vec<A> = rows
            .into_iter()
            .map(IntoActiveModel::into_active_model)
            .collect();
        // The COPY text of every row: sent to PostgreSQL, and what the checksum covers.
        let mut text = String::with_capacity(models.len() * 200);
        for model in &models {
            let start = text.len();
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    text.push('\t');
                }
                copy_value(&mut text, model.get(*column).into_value());
            }
            let mut line = text[start..].to_owned();
            for skip in &self.unhashed {
                line = line.replace(skip.as_str(), "");
            }
            line.hash(&mut self.hasher);
            text.push('\n');
        }
        let started = Instant::now();
        if let Some(pool) = &self.copy {
            let names: Vec<_> = columns
                .iter()
                .map(|c| format!("\"{}\"", c.as_str()))
                .collect();
            let statement = format!("COPY \"{table}\" ({}) FROM STDIN", names.join(", "));
            let fail = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("COPY {table}: {e}"));
            let mut copy = pool.copy_in_raw(&statement).await.map_err(fail)?;
            copy.send(text.into_bytes()).await.map_err(fail)?;
            copy.finish().await.map_err(fail)?;
        } else {
            let per_statement = (MAX_PARAMS / columns.len().max(1)).max(1);
            let mut models = models.into_iter().peekable();
            while models.peek().is_some() {
                let chunk: Vec<A> = models.by_ref().take(per_statement).collect();
                A::Entity::insert_many(chunk)
                    .exec_without_returning(db)
                    .await?;
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

/// Appends a value in the text format of `COPY` (`\N` for NULL, backslash escapes).
fn copy_value(out: &mut String, value: Option<Value>) {
    let null = "\\N";
    let _ = match value {
        None => write!(out, "{null}"),
        Some(Value::String(Some(s))) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
            Ok(())
        }
        Some(Value::Uuid(Some(u))) => write!(out, "{}", u.hyphenated()),
        Some(Value::Bool(Some(b))) => write!(out, "{}", if b { "t" } else { "f" }),
        Some(Value::Int(Some(n))) => write!(out, "{n}"),
        Some(Value::BigInt(Some(n))) => write!(out, "{n}"),
        Some(Value::ChronoDate(Some(d))) => write!(out, "{}", d.format("%Y-%m-%d")),
        Some(Value::ChronoDateTimeUtc(Some(t))) => {
            write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"))
        }
        Some(other) if other_is_null(&other) => write!(out, "{null}"),
        Some(other) => write!(out, "{other:?}"),
    };
}

fn other_is_null(v: &Value) -> bool {
    matches!(
        v,
        Value::String(None)
            | Value::Uuid(None)
            | Value::Bool(None)
            | Value::Int(None)
            | Value::BigInt(None)
            | Value::ChronoDate(None)
            | Value::ChronoDateTimeUtc(None)
    )
}
