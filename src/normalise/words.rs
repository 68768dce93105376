//! Words for matching and for near-duplicate detection: the normalisation
//! applied to both queries and articles, so that both sides agree: NFKD, accents and Arabic diacritics removed (combining
//! marks), lower case, tatweel removed, alef forms unified, ى→ي, ة→ه.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Normalises text for matching.
pub fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Fast paths for the two scripts that make up most text, each
        // equal to `fold_char` (a test compares them on every character):
        // ASCII has no decomposition, marks or non-ASCII case forms; the
        // Arabic letters from alef on have no decomposition and no case.
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if ('\u{0627}'..='\u{064A}').contains(&c) {
            match c {
                '\u{0640}' => {}
                'ى' => out.push('ي'),
                'ة' => out.push('ه'),
                c => out.push(c),
            }
        } else {
            fold_char(c, &mut out);
        }
    }
    out
}

/// The normalisation of one character, in general.
fn fold_char(c: char, out: &mut String) {
    // Hamza on yeh and on waw are letters of their own (هيئة, مؤسسة):
    // decomposing them would turn them into ي and و and change words.
    if matches!(c, 'ئ' | 'ؤ') {
        out.push(c);
        return;
    }
    decompose_compatible(c, |d| {
        if is_combining_mark(d) || d == '\u{0640}' {
            return;
        }
        for l in d.to_lowercase() {
            out.push(match l {
                'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
                'ى' => 'ي',
                'ة' => 'ه',
                '’' | 'ʼ' => '\'',
                other => other,
            });
        }
    });
}

/// Whether `c` belongs in a word (a letter or digit), answered without
/// Unicode tables for ASCII and the Arabic letters and digits.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if ('\u{0621}'..='\u{064A}').contains(&c) || ('\u{0660}'..='\u{0669}').contains(&c) {
        true
    } else {
        c.is_alphanumeric()
    }
}

/// Splits normalised text into words: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    split_words(&normalise_text(text))
        .map(str::to_string)
        .collect()
}

/// The words of already normalised text, as slices of it.
pub(super) fn split_words(normalised: &str) -> impl Iterator<Item = &str> {
    normalised
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{fold_char, is_word_char, normalise_text, words};

    #[test]
    fn fast_paths_agree_with_the_general_normalisation() {
        for c in (0..0x3_0000).filter_map(char::from_u32) {
            let mut general = String::new();
            fold_char(c, &mut general);
            assert_eq!(
                normalise_text(&c.to_string()),
                general,
                "U+{:04X}",
                c as u32
            );
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn french_arabic_normalisation() {
        assert_eq!(words("Régulation, ÇA!"), vec!["regulation", "ca"]);
        assert_eq!(words("الذَّكاء الإصطناعيـة"), vec!["الذكاء", "الاصطناعيه"]);
        assert_eq!(words("l'IA"), vec!["l", "ia"]);
    }
}
