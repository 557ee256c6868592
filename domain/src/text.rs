//! Free text as people type it, made into one canonical form before it is stored or compared.
//!
//! The rule, for every free-text input (names, addresses, places, notes, reasons, searches):
//! 1. Unicode NFC, so a name typed in decomposed form (`e` + U+0302 + U+0301) is stored as the
//!    same string as one typed precomposed (`ế`): one person, one spelling.
//! 2. Invisible format characters are removed: zero-width spaces and joiners, the byte-order
//!    mark, soft hyphens, bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//!    U+2066–U+2069), variation selectors and tag characters. They arrive by copy-paste and
//!    would let two identical-looking names differ, or one name hide as another.
//! 3. Any whitespace (tabs, line breaks, no-break spaces) becomes a single space, and the text
//!    is trimmed.
//! 4. Any other control character (NUL, ESC, DEL, C1 controls) is refused: it is never part
//!    of what a person meant to type.
//! 5. Text that is empty after all this is refused where text is required.

use unicode_normalization::UnicodeNormalization;

/// Why a free text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing visible is left.
    #[error("must not be empty")]
    Empty,
    /// Longer than the field's bound.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The bound, in characters (after normalisation).
        max: usize,
    },
    /// A control character such as NUL or ESC.
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Whether `c` is an invisible formatting character that [`normalize`] removes.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                  // soft hyphen
        | '\u{034F}'                // combining grapheme joiner
        | '\u{061C}'                // Arabic letter mark
        | '\u{115F}' | '\u{1160}'   // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'   // Khmer inherent vowels
        | '\u{180B}'..='\u{180F}'   // Mongolian variation selectors and vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space, non-joiner, joiner, LRM, RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
        | '\u{3164}' | '\u{FFA0}'   // Hangul fillers
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{FEFF}'                // byte-order mark, zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
        | '\u{1BCA0}'..='\u{1BCA3}' // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}' // musical format controls
        | '\u{E0000}'..='\u{E0FFF}' // tags and variation selectors supplement
    )
}

/// The canonical form of a free text (see the module documentation); it may be empty.
pub fn normalize(input: &str) -> Result<String, TextError> {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if c.is_control() {
            return Err(TextError::ControlCharacter);
        } else if !is_invisible(c) {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    // Removing an invisible character may bring a base letter next to a combining mark.
    Ok(out.nfc().collect())
}

/// A required text of at most `max` characters, in canonical form.
pub fn required(input: &str, max: usize) -> Result<String, TextError> {
    let text = normalize(input)?;
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text)
}

/// An optional text: absent, or blank after normalisation, means none.
pub fn optional(input: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match input.map(normalize).transpose()? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) if text.chars().count() > max => Err(TextError::TooLong { max }),
        Some(text) => Ok(Some(text)),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decomposed_input_is_stored_precomposed() {
        let nfd = "Nguye\u{0302}\u{0303}n Va\u{0306}n A\u{0300}";
        let text = required(nfd, 100).unwrap();
        assert_eq!(text, "Nguy\u{1EC5}n V\u{0103}n \u{00C0}");
        assert_eq!(text, required("Nguyễn Văn À", 100).unwrap());
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(
            required(" \tNguyễn\u{00A0}\u{00A0}Văn\nAn\r\n", 100).unwrap(),
            "Nguyễn Văn An"
        );
    }

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(
            required("Ng\u{200B}uyễn\u{FEFF} An\u{202E}", 100).unwrap(),
            "Nguyễn An"
        );
        assert_eq!(required("A\u{2066}B\u{2069}\u{00AD}C", 100).unwrap(), "ABC");
    }

    #[test]
    fn nothing_but_invisible_characters_is_empty() {
        for input in ["\u{200B}\u{200B}", "\u{202E}", " \u{FEFF} \u{2060} ", ""] {
            assert_eq!(required(input, 100), Err(TextError::Empty), "{input:?}");
        }
        assert_eq!(optional(Some("\u{200B}"), 100), Ok(None));
        assert_eq!(optional(None, 100), Ok(None));
    }

    #[test]
    fn control_characters_are_refused() {
        for input in [
            "An\u{0000}",
            "\u{001B}[31mAn",
            "An\u{007F}",
            "An\u{0085}x\u{0090}",
        ] {
            // U+0085 (next line) is whitespace; U+0090 is not.
            assert_eq!(
                required(input, 100),
                Err(TextError::ControlCharacter),
                "{input:?}"
            );
        }
    }

    #[test]
    fn length_is_counted_in_characters_after_normalisation() {
        let decomposed = "e\u{0302}\u{0301}".repeat(10);
        assert_eq!(required(&decomposed, 10).unwrap().chars().count(), 10);
        assert_eq!(
            required(&"ế".repeat(11), 10),
            Err(TextError::TooLong { max: 10 })
        );
        assert_eq!(
            optional(Some(&"a".repeat(11)), 10),
            Err(TextError::TooLong { max: 10 })
        );
    }

    proptest! {
        #[test]
        fn normal_form_is_stable_and_clean(input in any::<String>()) {
            if let Ok(text) = normalize(&input) {
                prop_assert_eq!(normalize(&text), Ok(text.clone()));
                prop_assert!(text.nfc().eq(text.chars()));
                prop_assert!(!text.chars().any(|c| c.is_control() || is_invisible(c)));
                prop_assert!(!text.starts_with(' ') && !text.ends_with(' '));
                prop_assert!(!text.contains("  "));
                prop_assert!(!text.chars().any(|c| c.is_whitespace() && c != ' '));
            }
        }

        #[test]
        fn canonically_equivalent_inputs_give_one_text(input in "\\PC{0,30}") {
            let composed: String = input.nfc().collect();
            let decomposed: String = input.nfd().collect();
            prop_assert_eq!(normalize(&composed), normalize(&decomposed));
        }
    }
}
