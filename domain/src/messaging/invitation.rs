//! Invitations to follow the commune's Zalo OA (issue 13, item 5), so that messages can go by
//! the free OA instead of paid ZNS or SMS.
//!
//! Zalo's `follow` event names the follower (their Zalo id for our OA) but not their phone,
//! and a follow link carries nothing Zalo promises to echo back. So a follower is tied to a
//! client only by a code we gave that client: the person follows the OA and sends
//! "DK <code>", and the sender of that message is linked. Never by a guess (a name, a phone
//! typed in a message).
//!
//! A code is 8 characters from the 31 that cannot be confused on a phone screen (about 8.5 ×
//! 10¹¹ codes), expires, is used once, and a Zalo account that sends more than
//! [`MAX_FAILED_CODES_PER_HOUR`] wrong codes in an hour is not heard for the rest of it, so
//! guessing a live code is hopeless.

use chrono::TimeDelta;
use rand::Rng;

use super::text::fold_to_ascii;
use crate::escalation::ack_code::ALPHABET;

/// Characters in an invitation code.
pub const CODE_LEN: usize = 8;
/// Wrong codes one Zalo account may send within an hour; further ones are not looked up.
pub const MAX_FAILED_CODES_PER_HOUR: u64 = 5;
/// Default of `ZALO_INVITATION_VALID_DAYS`: how long an invitation's code links.
pub const DEFAULT_VALID_FOR: TimeDelta = TimeDelta::days(30);
/// Bounds of `ZALO_INVITATION_VALID_DAYS`.
pub const VALID_DAYS: std::ops::RangeInclusive<i64> = 1..=90;
/// Longest OA follow link (`ZALO_OA_FOLLOW_URL`): the client templates' SMS budget of one
/// segment holds for links up to this length (`templates::worst_case_vars`).
pub const MAX_FOLLOW_URL_CHARS: usize = 56;
/// How a consent given by sending the code is recorded (`clients.zalo_consent_method`).
pub const CONSENT_METHOD: &str = "zalo_invitation";

/// A well-formed invitation code, upper case. `Debug` hides it: it links an account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InvitationCode(String);

impl std::fmt::Debug for InvitationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationCode(…)")
    }
}

impl InvitationCode {
    /// A fresh random code.
    pub fn generate(rng: &mut impl Rng) -> Self {
        Self(
            (0..CODE_LEN)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect(),
        )
    }

    /// Parses a code as typed (any case, spaces or dashes inside); `None` if it cannot be one.
    pub fn parse(text: &str) -> Option<Self> {
        let code: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Self(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The code in a message that asks to link, "DK <code>" or "Đăng ký <code>" (any case, with
/// or without diacritics, the code possibly split by spaces or dashes); `None` for any other
/// message, which is handled as a reply.
pub fn parse_link_request(text: &str) -> Option<InvitationCode> {
    let folded = fold_to_ascii(text).to_ascii_uppercase();
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let rest = match tokens.as_slice() {
        ["DK" | "DANGKY", rest @ ..] => rest,
        ["DANG", "KY", rest @ ..] => rest,
        _ => return None,
    };
    InvitationCode::parse(&rest.concat())
}

/// Longest Zalo user id we accept (they are decimal, about 19 digits today).
pub const ZALO_USER_ID_MAX_DIGITS: usize = 32;

/// Whether `id` can be a Zalo user id: 1 to [`ZALO_USER_ID_MAX_DIGITS`] decimal digits. An
/// officer's `zaloUserId` and an id read from a Zalo event are held to the same rule.
pub fn is_zalo_user_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= ZALO_USER_ID_MAX_DIGITS && id.bytes().all(|b| b.is_ascii_digit())
}

/// Why an OA follow link cannot be used.
pub fn follow_url_problem(url: &str) -> Option<&'static str> {
    if !url.starts_with("https://") {
        Some("must start with https://")
    } else if url.chars().count() > MAX_FOLLOW_URL_CHARS {
        Some("must be at most 56 characters, so an invitation fits one SMS segment")
    } else if url.chars().any(|c| !c.is_ascii_graphic()) {
        Some("must be plain ASCII without spaces")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn link_requests_are_read_in_the_ways_people_type_them() {
        let code = Some("K7M2QD9X");
        for text in [
            "DK K7M2QD9X",
            "dk k7m2qd9x",
            "Dk: K7M2-QD9X",
            "ĐĂNG KÝ K7M2 QD9X",
            "dang ky k7m2qd9x",
            "DANGKY K7M2QD9X ",
        ] {
            assert_eq!(
                parse_link_request(text)
                    .as_ref()
                    .map(InvitationCode::as_str),
                code,
                "{text}"
            );
        }
        for text in [
            "K7M2QD9X",
            "DK",
            "DK K7M2QD9",
            "DK K7M2QD9XX",
            "DK K7M2QD0X",
            "CO",
            "tôi muốn đăng ký học nghề",
            "XN K7M2QD",
        ] {
            assert_eq!(parse_link_request(text), None, "{text}");
        }
    }

    #[test]
    fn generated_codes_parse_back_and_differ() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let codes: std::collections::HashSet<String> = (0..2000)
            .map(|_| {
                let c = InvitationCode::generate(&mut rng);
                assert_eq!(
                    InvitationCode::parse(&c.as_str().to_lowercase()),
                    Some(c.clone())
                );
                c.as_str().to_owned()
            })
            .collect();
        assert_eq!(codes.len(), 2000);
        assert_eq!(
            format!("{:?}", InvitationCode::parse("K7M2QD9X").unwrap()),
            "InvitationCode(…)"
        );
    }

    #[test]
    fn zalo_user_ids_are_up_to_32_digits() {
        assert!(is_zalo_user_id("8421000000000000001"));
        assert!(is_zalo_user_id(&"9".repeat(32)));
        assert!(!is_zalo_user_id(&"9".repeat(33)));
        assert!(!is_zalo_user_id(""));
        assert!(!is_zalo_user_id("12a4"));
    }

    #[test]
    fn follow_links_are_https_short_and_plain() {
        assert_eq!(
            follow_url_problem("https://zalo.me/579745863508352884"),
            None
        );
        assert!(follow_url_problem("http://zalo.me/1").is_some());
        assert!(follow_url_problem(&format!("https://zalo.me/{}", "9".repeat(50))).is_some());
        assert!(follow_url_problem("https://zalo.me/a b").is_some());
    }
}
