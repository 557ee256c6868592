//! Keyset pagination behind every Relay connection: stable under inserts, one query per page
//! plus one count.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Value,
};

use crate::error::{AppError, AppResult};

/// A validated page request: how many rows, after which key.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    /// Rows wanted (already checked against the maximum page size).
    pub first: u64,
    /// Key of the last row of the previous page.
    pub after: Option<K>,
}

impl<K> PageRequest<K> {
    /// Checks `first` against the limits; `None` takes the default.
    pub fn new(
        first: Option<i32>,
        after: Option<K>,
        default: usize,
        max: usize,
    ) -> AppResult<Self> {
        let first = match first {
            None => default,
            Some(n) if n < 0 => return Err(AppError::field("first", "must not be negative")),
            Some(n) if n as usize > max => {
                return Err(AppError::field(
                    "first",
                    format!("at most {max} items per page"),
                ));
            }
            Some(n) => n as usize,
        };
        Ok(Self {
            first: first as u64,
            after,
        })
    }
}

/// One page of rows.
#[derive(Debug)]
pub struct Page<M> {
    /// The rows, in key order.
    pub items: Vec<M>,
    /// Whether more rows follow.
    pub has_next_page: bool,
    /// Rows matching the filter in all pages.
    pub total_count: u64,
}

/// Runs `select` ordered by `key` and cut after `page.after`.
pub async fn paginate<E, K>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    key: E::Column,
    page: PageRequest<K>,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    K: Into<Value>,
{
    let total_count = select.clone().count(db).await?;
    let mut query = select.order_by_asc(key);
    if let Some(after) = page.after {
        query = query.filter(key.gt(after));
    }
    let mut items = query.limit(page.first + 1).all(db).await?;
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page {
        items,
        has_next_page,
        total_count,
    })
}
