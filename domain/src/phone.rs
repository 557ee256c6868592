//! Vietnamese mobile numbers, parsed once at the edge and stored in one canonical form.

use std::fmt;

/// Why a phone number was refused; the message tells the person what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing usable was given.
    #[error("phone number is empty")]
    Empty,
    /// Pre-2018 11-digit numbers (016x, 012x, …) no longer exist.
    #[error(
        "11-digit phone numbers were retired in 2018; use the new 10-digit form (for example 0912 345 678)"
    )]
    OldElevenDigit,
    /// Anything that is not a Vietnamese mobile number.
    #[error(
        "not a Vietnamese mobile number: expected 10 digits starting with 03, 05, 07, 08 or 09 (or +84 followed by 9 digits)"
    )]
    Invalid,
}

/// A Vietnamese mobile number, canonically `84` followed by 9 digits (the form ZNS requires).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Parses what people type: `0912 345 678`, `+84912345678`, `84912345678`,
    /// `(091) 234-5678`, `(+84) 912 345 678`, `0084 912 345 678`, `+84 (0) 912 345 678`.
    ///
    /// Spaces (any kind), dots, hyphens, slashes and parentheses are separators; a `+` may only
    /// open the number; invisible characters pasted with it are ignored.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let mut digits = String::with_capacity(input.len());
        let mut international = false;
        for c in input.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if digits.is_empty() && !international => international = true,
                '.' | '-' | '/' | '(' | ')' => {}
                c if c.is_whitespace() || crate::text::is_invisible(c) => {}
                _ => return Err(PhoneError::Invalid),
            }
        }
        if digits.is_empty() {
            return if international {
                Err(PhoneError::Invalid)
            } else {
                Err(PhoneError::Empty)
            };
        }
        let national = if international {
            digits.strip_prefix("84").ok_or(PhoneError::Invalid)?
        } else if let Some(rest) = digits.strip_prefix("0084") {
            rest
        } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
            rest
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest
        } else {
            return Err(PhoneError::Invalid);
        };
        // `+84 (0) 912 …` and `+84 0912 …`: the trunk zero written after the country code.
        let national = match national.strip_prefix('0') {
            Some(rest) if international || digits.starts_with("0084") => rest,
            _ => national,
        };
        if national.len() == 10 && national.starts_with('1') {
            return Err(PhoneError::OldElevenDigit);
        }
        let valid_prefix = matches!(
            national.as_bytes().first(),
            Some(b'3' | b'5' | b'7' | b'8' | b'9')
        );
        if national.len() != 9 || !valid_prefix {
            return Err(PhoneError::Invalid);
        }
        Ok(Self(format!("84{national}")))
    }

    /// Rebuilds a phone from its stored canonical form, re-checking it.
    pub fn from_canonical(stored: &str) -> Result<Self, PhoneError> {
        Self::parse(stored)
    }

    /// Canonical form `84xxxxxxxxx`, as stored and as ZNS wants it.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// National form `0xxxxxxxxx`, as SMS providers accept it.
    pub fn national(&self) -> String {
        format!("0{}", &self.0[2..])
    }

    /// Form shown to people: `0912 345 678`.
    pub fn display(&self) -> String {
        let n = self.national();
        format!("{} {} {}", &n[..4], &n[4..7], &n[7..])
    }
}

impl fmt::Display for Phone {
    /// Masked on purpose: a phone number must never reach a log line by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "84*******{}", &self.0[self.0.len() - 2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_spellings_and_stores_one_form() {
        for input in [
            "0912 345 678",
            "+84912345678",
            "84912345678",
            "(091) 234-5678",
            "0912.345.678",
            " 0912345678 ",
            "(+84) 912 345 678",
            "0084 912 345 678",
            "+84 (0) 912 345 678",
            "+84 0912345678",
            "0084912345678",
            "0912\u{00A0}345\u{00A0}678",
            "\u{200B}0912 345 678",
            "+84-912-345-678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().canonical(),
                "84912345678",
                "{input}"
            );
        }
    }

    #[test]
    fn shows_national_spaced_form() {
        let p = Phone::parse("+84 386 123 456").unwrap();
        assert_eq!(p.display(), "0386 123 456");
        assert_eq!(p.national(), "0386123456");
    }

    #[test]
    fn rejects_old_eleven_digit_numbers_with_a_hint() {
        assert_eq!(Phone::parse("01652345678"), Err(PhoneError::OldElevenDigit));
        assert_eq!(
            Phone::parse("+841652345678"),
            Err(PhoneError::OldElevenDigit)
        );
    }

    #[test]
    fn rejects_landlines_short_long_and_garbage() {
        for input in [
            "0241234567",
            "091234567",
            "09123456789",
            "abc",
            "0912x45678",
            "+0912345678",
            "0612345678",
            "84+912345678",
            "++84912345678",
            "(+84) 0241 234 567",
            "00 84 091 234 5678 9",
            "0085 912 345 678",
            "+",
            "0912\u{0000}345678",
        ] {
            assert!(Phone::parse(input).is_err(), "{input}");
        }
        assert_eq!(Phone::parse("  "), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("\u{200B}"), Err(PhoneError::Empty));
    }

    #[test]
    fn display_trait_masks_the_number() {
        let p = Phone::parse("0912345678").unwrap();
        assert_eq!(p.to_string(), "84*******78");
    }
}
