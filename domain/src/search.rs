//! Search keys that ignore Vietnamese diacritics and case: "nguyen van an" finds "Nguyễn Văn An".

use unicode_normalization::UnicodeNormalization;

/// Folds text to lowercase ASCII without diacritics, with single spaces between words.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c => c,
        };
        for lower in c.to_lowercase() {
            out.push(lower);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\` escaped (escape char `\`).
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in search_key(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
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
    fn pattern_escapes_like_wildcards() {
        assert_eq!(contains_pattern("An_%"), "%an\\_\\%%");
    }
}
