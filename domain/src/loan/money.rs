//! Whole Vietnamese đồng.

use serde::{Deserialize, Serialize};

/// An amount of money in whole đồng, never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Vnd(i64);

/// Why an amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VndError {
    /// Money amounts are never negative.
    #[error("an amount of money cannot be negative")]
    Negative,
}

impl Vnd {
    /// Zero đồng.
    pub const ZERO: Vnd = Vnd(0);

    /// Parses a whole-đồng amount.
    pub fn new(amount: i64) -> Result<Self, VndError> {
        if amount < 0 {
            Err(VndError::Negative)
        } else {
            Ok(Self(amount))
        }
    }

    /// The amount in đồng.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for Vnd {
    /// Vietnamese grouping with dots: `200.000.000 đ`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        write!(f, "{out} đ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_are_refused() {
        assert_eq!(Vnd::new(-1), Err(VndError::Negative));
        assert_eq!(Vnd::new(0).map(Vnd::get), Ok(0));
    }

    #[test]
    fn displays_with_vietnamese_grouping() {
        assert_eq!(Vnd::new(200_000_000).unwrap().to_string(), "200.000.000 đ");
        assert_eq!(Vnd::new(1_500).unwrap().to_string(), "1.500 đ");
        assert_eq!(Vnd::new(999).unwrap().to_string(), "999 đ");
    }
}
