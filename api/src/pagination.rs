//! Keyset pagination behind every Relay connection: stable under inserts, one query per page
//! plus one count when the caller asks for the total; and nested lists limited per parent.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select, Value,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Query},
};

use crate::error::{AppError, AppResult};

/// A validated page request: how many rows, after which key.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    /// Rows wanted (already checked against the maximum page size).
    pub first: u64,
    /// Key of the last row of the previous page.
    pub after: Option<K>,
    /// Whether to count the rows of all pages (a second statement; skipped when nobody asked
    /// for `totalCount`).
    pub count_total: bool,
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
            count_total: true,
        })
    }

    /// The same request, counting the total only if `wanted`.
    pub fn counting(mut self, wanted: bool) -> Self {
        self.count_total = wanted;
        self
    }
}

/// One page of rows.
#[derive(Debug)]
pub struct Page<M> {
    /// The rows, in key order.
    pub items: Vec<M>,
    /// Whether more rows follow.
    pub has_next_page: bool,
    /// Rows matching the filter in all pages (0 when the request did not count them).
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
    K: Into<Value> + Clone,
{
    let total_count = if page.count_total {
        select.clone().count(db).await?
    } else {
        0
    };
    let items = page_select(select, key, &page).all(db).await?;
    Ok(Page::cut(items, &page, total_count))
}

/// `select` ordered by `key`, cut after `page.after`, one row more than the page (to tell
/// whether another page follows; [`Page::cut`] drops it).
pub fn page_select<E, K>(select: Select<E>, key: E::Column, page: &PageRequest<K>) -> Select<E>
where
    E: EntityTrait,
    K: Into<Value> + Clone,
{
    let mut query = select.order_by_asc(key);
    if let Some(after) = page.after.clone() {
        query = query.filter(key.gt(after));
    }
    query.limit(page.first + 1)
}

impl<M> Page<M> {
    /// The page of `rows` read by [`page_select`] (one row too many when another page follows).
    pub fn cut<K>(mut rows: Vec<M>, page: &PageRequest<K>, total_count: u64) -> Self {
        let has_next_page = rows.len() as u64 > page.first;
        rows.truncate(page.first as usize);
        Self {
            items: rows,
            has_next_page,
            total_count,
        }
    }
}

/// Runs `select` keeping at most `per_parent` rows for each value of `parent`, ordered by
/// `order` within a parent: one statement, ranking rows with `row_number()` over a window
/// partitioned by the parent (SQLite ≥ 3.25 and PostgreSQL alike). A batch of parents thus
/// gets every parent's first rows, however many rows one parent has.
pub async fn limit_per_parent<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    parent: E::Column,
    order: &[(E::Column, Order)],
    per_parent: u64,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
{
    let order_sql: Vec<String> = order
        .iter()
        .map(|(column, direction)| {
            let direction = if matches!(direction, Order::Desc) {
                "DESC"
            } else {
                "ASC"
            };
            format!("\"{}\" {direction}", column.as_str())
        })
        .collect();
    let mut ranked = select.into_query();
    ranked.expr_as(
        Expr::cust(format!(
            "row_number() OVER (PARTITION BY \"{}\" ORDER BY {})",
            parent.as_str(),
            order_sql.join(", ")
        )),
        Alias::new(RANK),
    );
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new(RANK)).lte(per_parent));
    for (column, direction) in order {
        outer.order_by(Alias::new(column.as_str()), direction.clone());
    }
    let statement = db.get_database_backend().build(&outer);
    Ok(E::find().from_raw_sql(statement).all(db).await?)
}

/// `select` cut to the first `limit` rows, ordered by `order`, of the row of the enclosing
/// statement whose key is `outer` (`parent = outer`): the correlated form of
/// [`limit_per_parent`], for a subquery nested once per parent row.
pub fn first_of_outer_parent<E: EntityTrait>(
    select: Select<E>,
    parent: E::Column,
    outer: impl sea_orm::sea_query::IntoColumnRef,
    order: &[(E::Column, Order)],
    limit: u64,
) -> Select<E> {
    let mut select = select.filter(Expr::col((E::default(), parent)).equals(outer));
    for (column, direction) in order {
        select = select.order_by(*column, direction.clone());
    }
    select.limit(limit)
}

/// Column holding a row's rank within its parent in [`limit_per_parent`].
const RANK: &str = "rank_in_parent";
