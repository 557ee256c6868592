//! Administrative unit codes of the two-level structure (Decision 19/2025/QĐ-TTg).

use std::fmt;

/// Why a unit code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceCodeError {
    /// A province code is exactly two digits.
    #[error("province code must be exactly 2 digits (Decision 19/2025/QĐ-TTg)")]
    Province,
    /// A commune code is exactly five digits.
    #[error("commune code must be exactly 5 digits (Decision 19/2025/QĐ-TTg)")]
    Commune,
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// A province code: two digits, stable and never reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProvinceCode(String);

impl ProvinceCode {
    /// Parses a two-digit province code.
    pub fn parse(input: &str) -> Result<Self, PlaceCodeError> {
        let s = input.trim();
        if all_digits(s, 2) {
            Ok(Self(s.to_owned()))
        } else {
            Err(PlaceCodeError::Province)
        }
    }

    /// The code as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A commune (xã, phường, đặc khu) code: five digits, stable and never reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommuneCode(String);

impl CommuneCode {
    /// Parses a five-digit commune code.
    pub fn parse(input: &str) -> Result<Self, PlaceCodeError> {
        let s = input.trim();
        if all_digits(s, 5) {
            Ok(Self(s.to_owned()))
        } else {
            Err(PlaceCodeError::Commune)
        }
    }

    /// The code as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProvinceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CommuneCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_fixed_digit_counts() {
        assert!(ProvinceCode::parse("01").is_ok());
        assert!(ProvinceCode::parse("1").is_err());
        assert!(ProvinceCode::parse("0a").is_err());
        assert_eq!(CommuneCode::parse(" 00004 ").unwrap().as_str(), "00004");
        assert!(CommuneCode::parse("0004").is_err());
        assert!(CommuneCode::parse("000045").is_err());
    }
}
