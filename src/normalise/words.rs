//! Words for matching and for near-duplicate detection: the normalisation
//! applied to both queries and articles, so that both sides agree: NFKD, accents and Arabic diacritics removed (combining
//! marks), lower case, tatweel removed, alef forms unified, ى→ي, ة→ه.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Normalises text for matching.
pub fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Hamza on yeh and on waw are letters of their own (هيئة, مؤسسة):
        // decomposing them would turn them into ي and و and change words.
        if matches!(c, 'ئ' | 'ؤ') {
            out.push(c);
            continue;
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
    out
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
