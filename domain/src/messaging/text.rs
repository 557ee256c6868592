//! Folding Vietnamese text to ASCII and counting SMS segments.
//!
//! Templates are written with diacritics; brandname SMS is far cheaper (and
//! often only allowed) in GSM-7, where every segment is billed. So the SMS
//! renderer folds to ASCII and counts segments before anything is sent.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Septets in a single-part GSM-7 message.
pub const GSM7_SINGLE: usize = 160;
/// Septets per part of a concatenated GSM-7 message (the UDH takes the rest).
pub const GSM7_MULTI: usize = 153;
/// UTF-16 code units in a single-part UCS-2 message.
pub const UCS2_SINGLE: usize = 70;
/// UTF-16 code units per part of a concatenated UCS-2 message.
pub const UCS2_MULTI: usize = 67;

/// GSM 03.38 default alphabet (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension table: each costs an escape plus the character (two septets).
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// How an SMS body is encoded on the air interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// GSM 03.38 7-bit default alphabet (plus extension table).
    Gsm7,
    /// UCS-2 (UTF-16), needed as soon as one character is outside GSM-7.
    Ucs2,
}

/// Size of an SMS body: its encoding, its length in encoding units and the
/// number of billed segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCount {
    /// Encoding the text needs.
    pub encoding: Encoding,
    /// Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2.
    pub units: usize,
    /// Billed segments; 0 for an empty text, which is never sent.
    pub segments: usize,
}

/// Folds text to ASCII without losing its meaning: `Nguyễn Đức` → `Nguyen Duc`.
///
/// Uses NFKD (NFD plus compatibility forms, so full-width digits or `…` fold
/// too), drops combining marks, maps `đ`/`Đ` (which have no decomposition)
/// and a few punctuation marks explicitly, and writes `?` for anything else.
/// The result is also GSM-7 safe: the only printable ASCII character outside
/// GSM-7, the backtick, becomes an apostrophe, and control characters other
/// than line breaks become spaces.
pub fn fold_to_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            '`' => out.push('\''),
            '\n' | '\r' => out.push(c),
            c if c.is_ascii_control() => out.push(' '),
            c if c.is_ascii() => out.push(c),
            other => out.push_str(fold_non_ascii(other)),
        }
    }
    out
}

/// ASCII stand-in for a character that survives decomposition.
fn fold_non_ascii(c: char) -> &'static str {
    match c {
        'đ' => "d",
        // U+00D0 (Eth) is often typed for Đ; both mean D to a Vietnamese reader.
        'Đ' | 'Ð' => "D",
        'ð' => "d",
        '‘' | '’' | '‚' | '′' | '´' => "'",
        '“' | '”' | '„' | '″' | '«' | '»' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '−' | '•' | '·' => "-",
        '×' => "x",
        '€' => "EUR",
        'ß' => "ss",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        'ø' => "o",
        'Ø' => "O",
        'ł' => "l",
        'Ł' => "L",
        c if c.is_whitespace() => " ",
        _ => "?",
    }
}

/// Septets a character takes in GSM-7, or `None` when it forces UCS-2.
fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The encoding a text needs: GSM-7 when every character is in the default
/// alphabet or its extension table, UCS-2 otherwise.
pub fn encoding_for(text: &str) -> Encoding {
    if text.chars().all(|c| gsm7_septets(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// Counts the units and billed segments of an SMS body.
///
/// Packing is greedy per character, as handsets and SMSCs do: an extension
/// character (escape + char) or a surrogate pair is never split across two
/// parts, so a long text may need one part more than `units / per_part`.
pub fn segments(text: &str) -> SegmentCount {
    let encoding = encoding_for(text);
    let (single, multi) = match encoding {
        Encoding::Gsm7 => (GSM7_SINGLE, GSM7_MULTI),
        Encoding::Ucs2 => (UCS2_SINGLE, UCS2_MULTI),
    };
    let widths: Vec<usize> = text
        .chars()
        .map(|c| match encoding {
            Encoding::Gsm7 => gsm7_septets(c).unwrap_or(1),
            Encoding::Ucs2 => c.len_utf16(),
        })
        .collect();
    let units: usize = widths.iter().sum();
    let segments = if units == 0 {
        0
    } else if units <= single {
        1
    } else {
        let mut parts = 1;
        let mut used = 0;
        for w in widths {
            if used + w > multi {
                parts += 1;
                used = 0;
            }
            used += w;
        }
        parts
    };
    SegmentCount {
        encoding,
        units,
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (original, folded, original segments, folded segments). Together the
    /// sentences use every tone on every vowel, upper and lower case, and đ/Đ.
    const CASES: &[(&str, &str, usize, usize)] = &[
        (
            "Chào anh/chị Nguyễn Văn Đức.",
            "Chao anh/chi Nguyen Van Duc.",
            1,
            1,
        ),
        (
            "ÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ àáảãạ ăằắẳẵặ âầấẩẫậ",
            "AAAAA AAAAAA AAAAAA aaaaa aaaaaa aaaaaa",
            1,
            1,
        ),
        (
            "ÈÉẺẼẸ ÊỀẾỂỄỆ èéẻẽẹ êềếểễệ ÌÍỈĨỊ ìíỉĩị",
            "EEEEE EEEEEE eeeee eeeeee IIIII iiiii",
            1,
            1,
        ),
        (
            "ÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ òóỏõọ ôồốổỗộ ơờớởỡợ",
            "OOOOO OOOOOO OOOOOO ooooo oooooo oooooo",
            1,
            1,
        ),
        (
            "ÙÚỦŨỤ ƯỪỨỬỮỰ ùúủũụ ưừứửữự ỲÝỶỸỴ ỳýỷỹỵ Đđ",
            "UUUUU UUUUUU uuuuu uuuuuu YYYYY yyyyy Dd",
            1,
            1,
        ),
        (
            "Đường Điện Biên Phủ, phường Đa Kao: mời anh/chị đến Ủy ban lúc 8 giờ sáng thứ Hai.",
            "Duong Dien Bien Phu, phuong Da Kao: moi anh/chi den Uy ban luc 8 gio sang thu Hai.",
            2,
            1,
        ),
        (
            "Chào anh/chị Trần Thị Hương, anh/chị có lịch hẹn với cán bộ xã lúc 08:00 thứ Hai, \
             30/11/2026 tại trụ sở Ủy ban nhân dân xã. Trả lời TU CHOI để ngừng nhận tin.",
            "Chao anh/chi Tran Thi Huong, anh/chi co lich hen voi can bo xa luc 08:00 thu Hai, \
             30/11/2026 tai tru so Uy ban nhan dan xa. Tra loi TU CHOI de ngung nhan tin.",
            3,
            1,
        ),
        (
            "Chào anh/chị Lê Thị Ánh Tuyết, cán bộ xã gửi lời hỏi thăm. Anh/chị vui lòng bấm \
             https://dh.example.vn/c/AB12CD34 hoặc trả lời CO để xác nhận, trả lời 2 nếu cần \
             hỗ trợ. Trả lời TU CHOI để ngừng nhận tin.",
            "Chao anh/chi Le Thi Anh Tuyet, can bo xa gui loi hoi tham. Anh/chi vui long bam \
             https://dh.example.vn/c/AB12CD34 hoac tra loi CO de xac nhan, tra loi 2 neu can \
             ho tro. Tra loi TU CHOI de ngung nhan tin.",
            4,
            2,
        ),
    ];

    #[test]
    fn folds_vietnamese_and_counts_segments_in_both_forms() {
        for &(original, folded, orig_segments, folded_segments) in CASES {
            assert_eq!(fold_to_ascii(original), folded, "{original}");
            let o = segments(original);
            assert_eq!(o.encoding, Encoding::Ucs2, "{original}");
            assert_eq!(o.units, original.encode_utf16().count());
            assert_eq!(o.segments, orig_segments, "{original} ({} units)", o.units);
            let f = segments(folded);
            assert_eq!(f.encoding, Encoding::Gsm7, "{folded}");
            assert_eq!(f.units, folded.len());
            assert_eq!(f.segments, folded_segments, "{folded} ({} units)", f.units);
        }
    }

    #[test]
    fn other_characters_fold_to_sensible_ascii() {
        assert_eq!(fold_to_ascii("“Ổn” – 5€ … ok`"), "\"On\" - 5EUR ... ok'");
        assert_eq!(fold_to_ascii("１２３\u{a0}x"), "123 x");
        assert_eq!(fold_to_ascii("a\tb😀"), "a b?");
    }

    #[test]
    fn extension_characters_take_two_septets() {
        let c = segments("{a}");
        assert_eq!((c.encoding, c.units, c.segments), (Encoding::Gsm7, 5, 1));
        assert_eq!(encoding_for("giá 5€"), Encoding::Ucs2);
        assert_eq!(encoding_for("gia 5€"), Encoding::Gsm7);
    }

    #[test]
    fn segment_boundaries() {
        assert_eq!(segments("").segments, 0);
        assert_eq!(segments(&"a".repeat(160)).segments, 1);
        assert_eq!(segments(&"a".repeat(161)).segments, 2);
        assert_eq!(segments(&"a".repeat(306)).segments, 2);
        assert_eq!(segments(&"a".repeat(307)).segments, 3);
        assert_eq!(segments(&"ơ".repeat(70)).segments, 1);
        assert_eq!(segments(&"ơ".repeat(71)).segments, 2);
        assert_eq!(segments(&"ơ".repeat(134)).segments, 2);
        assert_eq!(segments(&"ơ".repeat(135)).segments, 3);
        // An escape pair is not split: 152 septets then '[' needs a new part.
        let text = format!("{}[{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(segments(&text).units, 164);
        assert_eq!(segments(&text).segments, 2);
        // 306 septets would fit two parts if the pair could be split.
        let text = format!("{}[{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(segments(&text).units, 306);
        assert_eq!(segments(&text).segments, 3);
    }

    #[test]
    fn emoji_count_as_two_utf16_units() {
        let c = segments("😀");
        assert_eq!((c.encoding, c.units, c.segments), (Encoding::Ucs2, 2, 1));
    }

    proptest! {
        #[test]
        fn folded_text_is_ascii_and_gsm7(s in any::<String>()) {
            let folded = fold_to_ascii(&s);
            prop_assert!(folded.is_ascii());
            prop_assert_eq!(encoding_for(&folded), Encoding::Gsm7);
        }

        #[test]
        fn segments_never_panics_and_is_consistent(s in any::<String>()) {
            let c = segments(&s);
            prop_assert_eq!(c.segments == 0, s.is_empty());
            let per_part = match c.encoding { Encoding::Gsm7 => GSM7_MULTI, Encoding::Ucs2 => UCS2_MULTI };
            prop_assert!(c.segments >= c.units.div_ceil(per_part));
        }
    }
}
