//! Free-text input fields: trimmed, inner whitespace collapsed, bounded in length.

use crate::error::{AppError, AppResult};

/// A required free text of at most `max` characters.
pub fn required_text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        return Err(AppError::field(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(AppError::field(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(v)
}

/// An optional free text: blank means absent.
pub fn optional_text(
    field: &'static str,
    value: Option<String>,
    max: usize,
) -> AppResult<Option<String>> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| required_text(field, &v, max))
        .transpose()
}
