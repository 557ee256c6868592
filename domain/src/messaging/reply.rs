//! Understanding what a person wrote back (Zalo OA message or two-way SMS).
//!
//! Matching folds diacritics and case, ignores punctuation and spacing, and
//! tolerates polite particles ("Dạ có ạ" is a check-in). Only whole-message
//! keywords count: "tôi không muốn hủy" is a note for the officer, not an
//! opt-out.

use serde::{Deserialize, Serialize};

use super::text::fold_to_ascii;

/// How the person says they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wellbeing {
    /// "I am fine."
    Ok,
    /// "I need help": the caller records the check-in and alerts the officer.
    NeedHelp,
}

/// What a reply means.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reply {
    /// The person answered a check-in; `None` when they did not say how they are.
    CheckIn { wellbeing: Option<Wellbeing> },
    /// Stop all messages (honoured at once, confirmed once).
    OptOut,
    /// Resume messages after an opt-out.
    OptIn,
    /// Asks how the service works; answer with the keyword list.
    Help,
    /// Confirms a specific message by its code (upper-cased).
    Acknowledge { code: String },
    /// Anything else, trimmed, for the officer to read.
    Note(String),
}

impl Reply {
    /// True when the officer must be alerted that the person asked for help.
    pub fn needs_help(&self) -> bool {
        matches!(
            self,
            Reply::CheckIn {
                wellbeing: Some(Wellbeing::NeedHelp)
            }
        )
    }
}

/// Keywords, compared after folding to upper-case ASCII and removing spaces
/// and punctuation (so "TU CHOI", "Từ chối!" and "tuchoi" are the same):
///
/// | reply | keywords |
/// | --- | --- |
/// | check-in | CO, CÓ, DA, DẠ, VANG, VÂNG, OK, CHECKIN, XN, XAC NHAN, XÁC NHẬN |
/// | check-in, fine | 1, ON, ỔN |
/// | check-in, needs help | 2, CAN GIUP, CẦN GIÚP, GIUP, GIÚP, CAN HO TRO, CẦN HỖ TRỢ, HELP, SOS |
/// | opt-out | TU CHOI, TỪ CHỐI, HUY, HỦY, NGUNG, NGỪNG, STOP |
/// | opt-in | DONG Y, ĐỒNG Ý, START |
/// | how does this work | HUONG DAN, HƯỚNG DẪN, HD, INFO |
/// | acknowledge | XN *code*, XAC NHAN *code* (code: 4–8 letters or digits) |
///
/// A leading "Dạ" and trailing "ạ" are politeness and ignored around another
/// keyword. "HELP" asks for help, not for instructions: a person in trouble
/// who writes it must reach an officer. "DUNG" is deliberately absent: it
/// folds both "dừng" (stop) and "đúng" (right).
pub const KEYWORDS: &[(&str, Keyword)] = &[
    ("CO", Keyword::CheckIn(None)),
    ("DA", Keyword::CheckIn(None)),
    ("VANG", Keyword::CheckIn(None)),
    ("OK", Keyword::CheckIn(None)),
    ("CHECKIN", Keyword::CheckIn(None)),
    ("XN", Keyword::CheckIn(None)),
    ("XACNHAN", Keyword::CheckIn(None)),
    ("1", Keyword::CheckIn(Some(Wellbeing::Ok))),
    ("ON", Keyword::CheckIn(Some(Wellbeing::Ok))),
    ("2", Keyword::CheckIn(Some(Wellbeing::NeedHelp))),
    ("CANGIUP", Keyword::CheckIn(Some(Wellbeing::NeedHelp))),
    ("GIUP", Keyword::CheckIn(Some(Wellbeing::NeedHelp))),
    ("CANHOTRO", Keyword::CheckIn(Some(Wellbeing::NeedHelp))),
    ("HELP", Keyword::CheckIn(Some(Wellbeing::NeedHelp))),
    ("SOS", Keyword::CheckIn(Some(Wellbeing::NeedHelp))),
    ("TUCHOI", Keyword::OptOut),
    ("HUY", Keyword::OptOut),
    ("NGUNG", Keyword::OptOut),
    ("STOP", Keyword::OptOut),
    ("DONGY", Keyword::OptIn),
    ("START", Keyword::OptIn),
    ("HUONGDAN", Keyword::Help),
    ("HD", Keyword::Help),
    ("INFO", Keyword::Help),
];

/// What a keyword means; see [`KEYWORDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// A check-in, with the wellbeing it states.
    CheckIn(Option<Wellbeing>),
    /// Opt-out.
    OptOut,
    /// Opt-in.
    OptIn,
    /// Request for instructions.
    Help,
}

/// Parses an inbound reply. Never fails: what is not a keyword is a [`Reply::Note`].
pub fn parse_reply(text: &str) -> Reply {
    let folded = fold_to_ascii(text).to_ascii_uppercase();
    let mut tokens: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    while tokens.len() > 1 && tokens.last() == Some(&"A") {
        tokens.pop();
    }
    if tokens.len() > 1 && tokens[0] == "DA" {
        tokens.remove(0);
    }
    if let Some(code) = acknowledge_code(&tokens) {
        return Reply::Acknowledge {
            code: code.to_owned(),
        };
    }
    let joined = tokens.concat();
    match KEYWORDS.iter().find(|(k, _)| *k == joined) {
        Some((_, Keyword::CheckIn(wellbeing))) => Reply::CheckIn {
            wellbeing: *wellbeing,
        },
        Some((_, Keyword::OptOut)) => Reply::OptOut,
        Some((_, Keyword::OptIn)) => Reply::OptIn,
        Some((_, Keyword::Help)) => Reply::Help,
        None => Reply::Note(text.trim().to_owned()),
    }
}

/// The code of "XN <code>" or "XAC NHAN <code>", if the code is 4–8 alphanumerics.
fn acknowledge_code<'a>(tokens: &[&'a str]) -> Option<&'a str> {
    let code = match tokens {
        ["XN", code] | ["XAC", "NHAN", code] | ["XACNHAN", code] => *code,
        _ => return None,
    };
    (4..=8).contains(&code.len()).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_in(wellbeing: Option<Wellbeing>) -> Reply {
        Reply::CheckIn { wellbeing }
    }

    #[test]
    fn check_in_keywords() {
        for text in [
            "CO",
            "có",
            "Có!",
            " ok ",
            "Dạ",
            "DA",
            "checkin",
            "Check-in",
            "Dạ có ạ",
            "Vâng ạ",
            "xác nhận",
        ] {
            assert_eq!(parse_reply(text), check_in(None), "{text}");
        }
        for text in ["1", "ổn", "Dạ ổn ạ.", "1."] {
            assert_eq!(parse_reply(text), check_in(Some(Wellbeing::Ok)), "{text}");
        }
    }

    #[test]
    fn need_help_keywords() {
        for text in [
            "2",
            "CAN GIUP",
            "Cần giúp!!",
            "giúp",
            "cần hỗ trợ",
            "help",
            "SOS",
        ] {
            let reply = parse_reply(text);
            assert_eq!(reply, check_in(Some(Wellbeing::NeedHelp)), "{text}");
            assert!(reply.needs_help());
        }
        assert!(!parse_reply("CO").needs_help());
    }

    #[test]
    fn opt_out_and_opt_in() {
        for text in [
            "TU CHOI",
            "Từ chối",
            "tuchoi",
            "HUY",
            "Hủy.",
            "stop",
            "Ngừng",
        ] {
            assert_eq!(parse_reply(text), Reply::OptOut, "{text}");
        }
        for text in ["DONG Y", "Đồng ý", "start"] {
            assert_eq!(parse_reply(text), Reply::OptIn, "{text}");
        }
    }

    #[test]
    fn help_asks_for_instructions() {
        assert_eq!(parse_reply("Hướng dẫn?"), Reply::Help);
    }

    #[test]
    fn acknowledge_with_code() {
        let ack = |c: &str| Reply::Acknowledge { code: c.into() };
        assert_eq!(parse_reply("XN ab12"), ack("AB12"));
        assert_eq!(parse_reply("Xác nhận AB12CD34"), ack("AB12CD34"));
        assert_eq!(parse_reply("xac nhan: 123456 ạ"), ack("123456"));
        // Too short or too long a code is not an acknowledgement.
        assert_eq!(parse_reply("XN abc"), Reply::Note("XN abc".into()));
        assert_eq!(
            parse_reply("XN ABCDEFGHI"),
            Reply::Note("XN ABCDEFGHI".into())
        );
    }

    #[test]
    fn everything_else_is_a_note() {
        assert_eq!(
            parse_reply("  Tôi không muốn hủy lịch  "),
            Reply::Note("Tôi không muốn hủy lịch".into())
        );
        assert_eq!(parse_reply("Đúng"), Reply::Note("Đúng".into()));
        assert_eq!(parse_reply("👍"), Reply::Note("👍".into()));
        assert_eq!(parse_reply(""), Reply::Note(String::new()));
        assert_eq!(parse_reply("ạ"), Reply::Note("ạ".into()));
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panic(s in proptest::prelude::any::<String>()) {
            if let Reply::Note(note) = parse_reply(&s) {
                proptest::prop_assert_eq!(note, s.trim());
            }
        }
    }
}
