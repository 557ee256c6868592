//! The `NaiveDate` scalar, parsed strictly as `YYYY-MM-DD` (`domain::time::parse_date`).
//!
//! async-graphql's own `NaiveDate` scalar reads dates with chrono's `%Y-%m-%d`, which also
//! accepts `1990-5-1` and `+1990-05-01`. This one keeps the scalar's name, so the schema and
//! the clients do not change, and refuses anything but the documented form.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date in the API: strictly `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar date written `YYYY-MM-DD` with a zero-padded month and day, e.g. `1990-05-01`.
#[Scalar(name = "NaiveDate")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => domain::time::parse_date(s)
                .map(Date)
                .map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Self(date)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}
