//! Acknowledgement codes: the short code in an escalation alert that an officer replies with
//! ("XN K7M2QD") to take the escalation.
//!
//! Six characters from 31 that cannot be confused on a phone screen (no 0/O, 1/I/L): about
//! 887 million codes, so guessing one is hopeless under [`MAX_FAILED_REPLIES_PER_HOUR`]. A code
//! is bound to one escalation (stored hashed with its id), and is refused once that
//! escalation is no longer open for acknowledgement (see [`check`]).

use rand::Rng;

use super::lifecycle::EscalationStatus;

/// Characters a code is made of.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code.
pub const CODE_LEN: usize = 6;
/// Wrong codes one sender may reply within an hour; further replies are ignored unread.
pub const MAX_FAILED_REPLIES_PER_HOUR: u32 = 5;

/// A well-formed code, upper case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AckCode(String);

impl std::fmt::Debug for AckCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A code is a credential until its escalation closes.
        f.write_str("AckCode(…)")
    }
}

impl AckCode {
    /// A fresh random code.
    pub fn generate(rng: &mut impl Rng) -> Self {
        let code = (0..CODE_LEN)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect();
        Self(code)
    }

    /// Parses what an officer typed (any case, surrounding spaces); `None` if it cannot be a
    /// code, so a malformed reply never reaches the database.
    pub fn parse(text: &str) -> Option<Self> {
        let code = text.trim().to_ascii_uppercase();
        (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Self(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a code did not acknowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefused {
    /// No escalation has this code (or it belongs to another one).
    #[error("unknown code")]
    Unknown,
    /// The escalation is resolved: its code is dead.
    #[error("the escalation is closed")]
    Closed,
    /// The sender typed too many wrong codes lately.
    #[error("too many wrong codes; try again later")]
    RateLimited,
}

/// Whether a code found for an escalation in `status` acknowledges it, for a sender with
/// `recent_failures` wrong codes in the last hour. Acknowledging an acknowledged escalation is
/// accepted (a repeated reply is answered, changes nothing).
pub fn check(status: Option<EscalationStatus>, recent_failures: u32) -> Result<(), CodeRefused> {
    if recent_failures >= MAX_FAILED_REPLIES_PER_HOUR {
        return Err(CodeRefused::RateLimited);
    }
    match status {
        None => Err(CodeRefused::Unknown),
        Some(EscalationStatus::Resolved) => Err(CodeRefused::Closed),
        Some(EscalationStatus::Open | EscalationStatus::Acknowledged) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn parse_accepts_codes_in_any_case_and_refuses_the_rest() {
        assert_eq!(AckCode::parse(" k7m2qd ").unwrap().as_str(), "K7M2QD");
        for bad in [
            "", "K7M2Q", "K7M2QDX", "K7M2Q0", "K7M2QI", "K7 M2QD", "ĐK7M2Q",
        ] {
            assert!(AckCode::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn check_table() {
        use EscalationStatus::*;
        assert_eq!(check(Some(Open), 0), Ok(()));
        assert_eq!(check(Some(Acknowledged), 4), Ok(()));
        assert_eq!(check(Some(Resolved), 0), Err(CodeRefused::Closed));
        assert_eq!(check(None, 0), Err(CodeRefused::Unknown));
        assert_eq!(
            check(Some(Open), MAX_FAILED_REPLIES_PER_HOUR),
            Err(CodeRefused::RateLimited)
        );
    }

    #[test]
    fn generated_codes_differ() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let codes: std::collections::HashSet<_> =
            (0..1000).map(|_| AckCode::generate(&mut rng)).collect();
        assert!(codes.len() > 995);
    }

    #[test]
    fn debug_hides_the_code() {
        assert_eq!(
            format!("{:?}", AckCode::parse("K7M2QD").unwrap()),
            "AckCode(…)"
        );
    }

    proptest! {
        #[test]
        fn every_generated_code_parses_back(seed in any::<u64>()) {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let code = AckCode::generate(&mut rng);
            prop_assert_eq!(AckCode::parse(&code.as_str().to_lowercase()), Some(code));
        }
    }
}
