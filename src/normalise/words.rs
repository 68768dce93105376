//! Words for matching and for near-duplicate detection: the normalisation
//! applied to both queries and articles, so that both sides agree: NFKD, accents and Arabic diacritics removed (combining
//! marks), lower case, tatweel removed, alef forms unified, ى→ي, ة→ه.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalises text for matching.
pub fn normalise_text(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c) && *c != '\u{0640}')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            '’' | 'ʼ' => '\'',
            other => other,
        })
        .collect()
}

/// Splits normalised text into words: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    normalise_text(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn french_arabic_normalisation() {
        assert_eq!(words("Régulation, ÇA!"), vec!["regulation", "ca"]);
        assert_eq!(words("الذَّكاء الإصطناعيـة"), vec!["الذكاء", "الاصطناعيه"]);
        assert_eq!(words("l'IA"), vec!["l", "ia"]);
    }
}
