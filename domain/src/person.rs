//! People's names, sex and dates of birth, validated once at the edge.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{
    bounds::{EARLIEST_BIRTH_YEAR, MAX_NAME_CHARS},
    text::{self, TextError},
};

/// Why a person's details were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    /// Names must say something: at least one letter once invisible characters are removed.
    #[error("name must not be empty")]
    EmptyName,
    /// Keep names to what a form can hold.
    #[error("name must be at most {MAX_NAME_CHARS} characters")]
    NameTooLong,
    /// NUL, escape sequences and other control characters.
    #[error("name must not contain control characters")]
    ControlCharacter,
    /// A birth cannot be after today.
    #[error("date of birth is in the future")]
    BirthInFuture,
    /// Guards against typos such as 1099 for 1990.
    #[error("date of birth is before {EARLIEST_BIRTH_YEAR}")]
    BirthTooEarly,
}

/// A person's full name as they write it (with diacritics), in the canonical text form of
/// [`crate::text`]: NFC, no invisible characters, single spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// Parses a full name; it must contain at least one letter.
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let name = text::required(input, MAX_NAME_CHARS).map_err(|e| match e {
            TextError::Empty => PersonError::EmptyName,
            TextError::TooLong { .. } => PersonError::NameTooLong,
            TextError::ControlCharacter => PersonError::ControlCharacter,
        })?;
        if !name.chars().any(char::is_alphabetic) {
            return Err(PersonError::EmptyName);
        }
        Ok(Self(name))
    }

    /// The name as stored and shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Sex as recorded on the national ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Sex {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Checks a date of birth against today's local date.
pub fn check_date_of_birth(date_of_birth: NaiveDate, today: NaiveDate) -> Result<(), PersonError> {
    if date_of_birth > today {
        return Err(PersonError::BirthInFuture);
    }
    if date_of_birth.year() < EARLIEST_BIRTH_YEAR {
        return Err(PersonError::BirthTooEarly);
    }
    Ok(())
}

/// Age in whole years on `on`.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn names_are_trimmed_and_collapsed() {
        assert_eq!(
            PersonName::parse("  Nguyễn   Văn An ").unwrap().as_str(),
            "Nguyễn Văn An"
        );
        assert_eq!(PersonName::parse(" \t"), Err(PersonError::EmptyName));
        assert_eq!(
            PersonName::parse("\u{200B}\u{200B}"),
            Err(PersonError::EmptyName)
        );
        assert_eq!(PersonName::parse("\u{202E}"), Err(PersonError::EmptyName));
        assert_eq!(PersonName::parse("- . -"), Err(PersonError::EmptyName));
        assert_eq!(
            PersonName::parse("An\u{0000}"),
            Err(PersonError::ControlCharacter)
        );
        assert_eq!(
            PersonName::parse("Tra\u{0302}\u{0300}n An")
                .unwrap()
                .as_str(),
            "Tr\u{1EA7}n An"
        );
        assert_eq!(
            PersonName::parse(&"a".repeat(101)),
            Err(PersonError::NameTooLong)
        );
    }

    #[test]
    fn birth_dates_must_be_plausible() {
        assert_eq!(
            check_date_of_birth(d(2030, 1, 1), d(2026, 11, 26)),
            Err(PersonError::BirthInFuture)
        );
        assert_eq!(
            check_date_of_birth(d(1899, 12, 31), d(2026, 11, 26)),
            Err(PersonError::BirthTooEarly)
        );
        assert!(check_date_of_birth(d(1990, 2, 28), d(2026, 11, 26)).is_ok());
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(d(2008, 11, 27), d(2026, 11, 26)), 17);
        assert_eq!(age_on(d(2008, 11, 26), d(2026, 11, 26)), 18);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
    }
}
