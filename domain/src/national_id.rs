//! The 12-digit citizen identity number (CCCD, căn cước công dân) and its structure.
//!
//! Layout (Circular 07/2016/TT-BCA, kept by Circular 59/2021): digits 1–3 are the code of the
//! province where the birth was registered, digit 4 encodes century of birth and sex, digits
//! 5–6 are the last two digits of the birth year, digits 7–12 are a serial number.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::person::Sex;

/// Province codes used in CCCD numbers: the 63 pre-2025 provinces. They stay valid after the
/// 2025 merger because a number issued once is never re-issued.
const BIRTH_PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// Why a CCCD was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    /// Wrong length or a non-digit.
    #[error("national ID (CCCD) must be exactly 12 digits")]
    Format,
    /// The first three digits name no province.
    #[error("national ID (CCCD) starts with an unknown province code")]
    UnknownProvince,
    /// Digits 4–6 disagree with the date of birth or sex given.
    #[error(
        "national ID (CCCD) does not match the date of birth and sex given (digits 4–6 encode them)"
    )]
    MismatchWithPerson,
}

/// A structurally valid 12-digit CCCD.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cccd(String);

impl Cccd {
    /// Parses a CCCD, ignoring spaces people type between groups of digits.
    pub fn parse(input: &str) -> Result<Self, CccdError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CccdError::Format);
        }
        let province: u16 = digits[..3].parse().map_err(|_| CccdError::Format)?;
        if !BIRTH_PROVINCE_CODES.contains(&province) {
            return Err(CccdError::UnknownProvince);
        }
        Ok(Self(digits))
    }

    /// Checks digits 4–6 against a person's date of birth and sex.
    pub fn check_person(&self, date_of_birth: NaiveDate, sex: Sex) -> Result<(), CccdError> {
        let year = date_of_birth.year();
        let century_index = (year - 1900).div_euclid(100);
        let sex_offset = match sex {
            Sex::Male => 0,
            Sex::Female => 1,
        };
        let expected_code = century_index * 2 + sex_offset;
        let code = i32::from(self.0.as_bytes()[3] - b'0');
        let yy: i32 = self.0[4..6].parse().map_err(|_| CccdError::Format)?;
        if !(0..=9).contains(&expected_code) || code != expected_code || yy != year.rem_euclid(100)
        {
            return Err(CccdError::MismatchWithPerson);
        }
        Ok(())
    }

    /// The 12 digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cccd {
    /// Masked: a national ID must never reach a log line by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "*********{}", &self.0[9..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn accepts_twelve_digits_with_a_known_province() {
        assert_eq!(
            Cccd::parse("001 090 012345").unwrap().as_str(),
            "001090012345"
        );
    }

    #[test]
    fn rejects_wrong_length_letters_and_unknown_provinces() {
        assert_eq!(Cccd::parse("00109001234"), Err(CccdError::Format));
        assert_eq!(Cccd::parse("0010900123456"), Err(CccdError::Format));
        assert_eq!(Cccd::parse("00109001234a"), Err(CccdError::Format));
        assert_eq!(Cccd::parse("003090012345"), Err(CccdError::UnknownProvince));
        assert_eq!(Cccd::parse("099090012345"), Err(CccdError::UnknownProvince));
    }

    #[test]
    fn century_sex_and_year_digits_must_match_the_person() {
        let male_1990 = Cccd::parse("001090012345").unwrap();
        assert!(male_1990.check_person(date(1990, 5, 1), Sex::Male).is_ok());
        assert_eq!(
            male_1990.check_person(date(1990, 5, 1), Sex::Female),
            Err(CccdError::MismatchWithPerson)
        );
        assert_eq!(
            male_1990.check_person(date(1991, 5, 1), Sex::Male),
            Err(CccdError::MismatchWithPerson)
        );
        let female_2004 = Cccd::parse("079304000001").unwrap();
        assert!(
            female_2004
                .check_person(date(2004, 1, 1), Sex::Female)
                .is_ok()
        );
    }

    #[test]
    fn display_masks_all_but_the_last_three_digits() {
        assert_eq!(
            Cccd::parse("001090012345").unwrap().to_string(),
            "*********345"
        );
    }
}
