//! Relay connections built from service pages.

use async_graphql::{
    Context, OutputType, SimpleObject,
    connection::{Connection, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use super::resolver_settings;
use crate::{
    error::{AppError, AppResult},
    pagination::{Page, PageRequest},
};

/// Fields every connection carries besides edges and page info.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionTotals {
    /// Items matching the filter across all pages.
    pub total_count: u64,
}

/// A connection with `totalCount`.
pub type CountedConnection<N> = Connection<String, N, ConnectionTotals>;

fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("k:{key}"))
}

fn decode_cursor(cursor: &str) -> AppResult<String> {
    let bad = || AppError::field("after", "not a cursor returned by this API");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("k:").map(str::to_owned).ok_or_else(bad)
}

/// Whether the connection being resolved selects `totalCount` (so the count runs only then).
fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// A page request keyed by uuid.
pub fn uuid_page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<PageRequest<Uuid>> {
    let settings = resolver_settings(ctx);
    let after = after
        .map(|c| {
            decode_cursor(&c).and_then(|k| {
                Uuid::parse_str(&k)
                    .map_err(|_| AppError::field("after", "not a cursor returned by this API"))
            })
        })
        .transpose()?;
    Ok(PageRequest::new(
        first,
        after,
        settings.default_page_size,
        settings.max_page_size,
    )?
    .counting(wants_total(ctx)))
}

/// A page request keyed by code.
pub fn code_page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<PageRequest<String>> {
    let settings = resolver_settings(ctx);
    let after = after.map(|c| decode_cursor(&c)).transpose()?;
    Ok(PageRequest::new(
        first,
        after,
        settings.default_page_size,
        settings.max_page_size,
    )?
    .counting(wants_total(ctx)))
}

/// Builds a connection; `key` gives each row's cursor key, `node` its GraphQL node.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    key: impl Fn(&M) -> String,
    node: impl Fn(M) -> N,
) -> CountedConnection<N> {
    let mut conn = Connection::with_additional_fields(
        false,
        page.has_next_page,
        ConnectionTotals {
            total_count: page.total_count,
        },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|m| Edge::new(encode_cursor(&key(&m)), node(m))),
    );
    conn
}

/// Builds a connection whose node conversion can fail (corrupt stored data).
pub fn try_connection<M, N: OutputType>(
    page: Page<M>,
    key: impl Fn(&M) -> String,
    node: impl Fn(M) -> async_graphql::Result<N>,
) -> async_graphql::Result<CountedConnection<N>> {
    let mut conn = Connection::with_additional_fields(
        false,
        page.has_next_page,
        ConnectionTotals {
            total_count: page.total_count,
        },
    );
    for m in page.items {
        let cursor = encode_cursor(&key(&m));
        conn.edges.push(Edge::new(cursor, node(m)?));
    }
    Ok(conn)
}
