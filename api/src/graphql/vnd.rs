//! The `Vnd` scalar: whole Vietnamese đồng as a JSON integer (never a float, never a string).
//!
//! GraphQL's `Int` is 32-bit, too small for a 2 billion đồng loan; amounts up to 2^53 stay
//! exact in every JSON reader, and the bounds in `domain::bounds` are far below that.

use async_graphql::{InputValueError, InputValueResult, Number, Scalar, ScalarType, Value};

/// Whole Vietnamese đồng.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vnd(pub i64);

/// Whole Vietnamese đồng, a JSON integer (e.g. `200000000`); fractions are refused.
#[Scalar(name = "Vnd")]
impl ScalarType for Vnd {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n
                .as_i64()
                .map(Vnd)
                .ok_or_else(|| InputValueError::custom("must be a whole number of đồng")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(Number::from(self.0))
    }
}
