//! The edge of the service layer: free text, identifiers, searches and bounded lists as
//! received, turned into their canonical form or refused with `BAD_USER_INPUT` naming the field.
//!
//! The rules themselves live in `domain` (`domain::text`, `domain::bounds`, `Phone`, `Cccd`);
//! this module only maps their errors to the field they came from.

use domain::{
    Phone,
    bounds::MAX_SEARCH_CHARS,
    search::{LIKE_ESCAPE, contains_pattern},
    text::{self, TextError},
};
use sea_orm::{ColumnTrait, sea_query::LikeExpr};

use crate::error::{AppError, AppResult};

fn text_error(field: &'static str, e: TextError) -> AppError {
    AppError::field(field, e)
}

/// A required free text of at most `max` characters, in canonical form (`domain::text`).
pub fn required_text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    text::required(value, max).map_err(|e| text_error(field, e))
}

/// An optional free text: absent, or blank after normalisation, means none.
pub fn optional_text(
    field: &'static str,
    value: Option<String>,
    max: usize,
) -> AppResult<Option<String>> {
    text::optional(value.as_deref(), max).map_err(|e| text_error(field, e))
}

/// An identifier given as a string (national ID, phone, Zalo id): absent means none, and a
/// blank string is refused rather than read as "none", so that a client library sending `""`
/// for an empty form field does not silently record or clear a value. Send `null` to clear.
pub fn identifier<'a>(field: &'static str, value: Option<&'a str>) -> AppResult<Option<&'a str>> {
    match value {
        None => Ok(None),
        Some(v) if text::normalize(v).is_ok_and(|t| t.is_empty()) => Err(AppError::field(
            field,
            "must not be blank: omit it, or send null to clear it",
        )),
        Some(v) => Ok(Some(v)),
    }
}

/// A Vietnamese mobile number in its canonical form `84xxxxxxxxx`.
pub fn phone(field: &'static str, value: Option<&str>) -> AppResult<Option<String>> {
    identifier(field, value)?
        .map(|p| {
            Phone::parse(p)
                .map(|p| p.canonical().to_owned())
                .map_err(|e| AppError::field(field, e))
        })
        .transpose()
}

/// A list of at most `max` entries.
pub fn bounded_list<T>(field: &'static str, list: &[T], max: usize) -> AppResult<()> {
    if list.len() > max {
        return Err(AppError::field(
            field,
            format!("must list at most {max} entries (got {})", list.len()),
        ));
    }
    Ok(())
}

/// The condition of a name search on `column` (a stored `search_key`): diacritics and case
/// ignored, `%`, `_` and `\` matched literally on SQLite and PostgreSQL alike, at most
/// [`MAX_SEARCH_CHARS`] characters. `None` when the search is absent or blank.
pub fn name_search<C: ColumnTrait>(
    column: C,
    search: Option<String>,
) -> AppResult<Option<sea_orm::sea_query::Expr>> {
    let Some(search) = optional_text("search", search, MAX_SEARCH_CHARS)? else {
        return Ok(None);
    };
    let pattern = LikeExpr::new(contains_pattern(&search)).escape(LIKE_ESCAPE);
    Ok(Some(column.like(pattern)))
}
