//! Search keys that ignore Vietnamese diacritics and case: "nguyen van an" finds "Nguyễn Văn An".

use unicode_normalization::UnicodeNormalization;

/// Folds text to lowercase ASCII without diacritics, with single spaces between words.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c if crate::text::is_invisible(c) => continue,
            c => c,
        };
        for lower in c.to_lowercase() {
            out.push(lower);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The escape character of [`contains_pattern`]: a query must name it (`LIKE … ESCAPE '\'`),
/// since SQLite has no default escape character and PostgreSQL's is only a default.
pub const LIKE_ESCAPE: char = '\\';

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\` escaped by
/// [`LIKE_ESCAPE`] so that they match literally.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in search_key(needle).chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_every_vietnamese_mark_and_d_bar() {
        assert_eq!(search_key("Nguyễn Văn An"), "nguyen van an");
        assert_eq!(search_key("ĐẶNG THỊ  Hường"), "dang thi huong");
        assert_eq!(search_key("Trần Quốc Tuấn Ỷ Ữ ợ"), "tran quoc tuan y u o");
    }

    #[test]
    fn invisible_characters_do_not_split_words() {
        assert_eq!(search_key("Ng\u{200B}uyễn\u{FEFF}"), "nguyen");
    }

    #[test]
    fn pattern_escapes_like_wildcards() {
        assert_eq!(contains_pattern("An_%"), "%an\\_\\%%");
    }
}
