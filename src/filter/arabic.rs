//! A light Arabic stemmer, after Larkey's "Light10": strip the conjunction
//! و, the article (alone or after a preposition: بال كال فال لل ال) or else a
//! one-letter proclitic (ب ل ك ف), then one layer of frequent suffixes. It
//! works on text already folded by [`crate::normalise::normalise_text`]
//! (alef forms unified, ة→ه, ى→ي, no diacritics or tatweel).
//!
//! Why not the Snowball Arabic stemmer of `rust-stemmers`: it reduces to
//! roots more aggressively (many unrelated words collide) and leaves the
//! و-prefix in place (`والكتاب` unchanged), which is the clitic news text
//! uses most. A one-letter proclitic is only stripped when three letters
//! remain, so short words keep their first root letter (فاس, بيت); longer
//! ones may lose it (لجنة and جنة meet), the usual price of light stemming.
//! Matching only needs both sides reduced the same way, which they are.

/// Article and preposition+article prefixes, longest first.
const PREFIXES: [&str; 5] = ["بال", "كال", "فال", "لل", "ال"];

/// One-letter proclitics: بـ "with", لـ "for", كـ "like", فـ "so".
const PROCLITICS: [char; 4] = ['ب', 'ل', 'ك', 'ف'];

/// Suffixes tried in order, each at most once (Light10's list, with ة
/// already folded to ه).
const SUFFIXES: [&str; 8] = ["ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"];

/// Whether `word` is written in Arabic script (its first letter decides).
pub fn is_arabic(word: &str) -> bool {
    word.chars().next().is_some_and(|c| {
        ('\u{0600}'..='\u{06FF}').contains(&c) || ('\u{0750}'..='\u{077F}').contains(&c)
    })
}

/// The light stem of a folded Arabic word.
pub fn stem(word: &str) -> &str {
    let mut w = word;
    // و "and": only when a real word of three letters or more remains.
    if let Some(rest) = w.strip_prefix('و')
        && rest.chars().count() >= 3
    {
        w = rest;
    }
    let article = PREFIXES.iter().find_map(|prefix| {
        w.strip_prefix(prefix)
            .filter(|rest| rest.chars().count() >= 2)
    });
    if let Some(rest) = article {
        w = rest;
    } else if let Some(rest) = w
        .strip_prefix(PROCLITICS)
        .filter(|rest| rest.chars().count() >= 3)
    {
        w = rest;
    }
    for suffix in SUFFIXES {
        if let Some(rest) = w.strip_suffix(suffix)
            && rest.chars().count() >= 2
        {
            w = rest;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::{is_arabic, stem};
    use crate::normalise::normalise_text;

    fn s(word: &str) -> String {
        stem(&normalise_text(word)).to_string()
    }

    #[test]
    fn clitics_and_article_are_stripped() {
        assert_eq!(s("بالذكاء"), s("ذكاء"));
        assert_eq!(s("الذكاء"), s("ذكاء"));
        assert_eq!(s("والمغرب"), s("المغرب"));
        assert_eq!(s("للمغرب"), s("مغرب"));
        assert_eq!(s("المغربية"), s("المغرب"));
        assert_eq!(s("الاصطناعي"), s("اصطناعية"));
        assert_eq!(s("حوكمة"), "حوكم");
        assert_eq!(s("بهيئة"), s("هيئة"));
        assert_eq!(s("لضبط"), s("ضبط"));
        assert_eq!(s("وبالمغرب"), s("مغرب"));
        // Three letters must remain: فاس and بيت keep their first letter.
        assert_eq!(s("فاس"), "فاس");
        assert_eq!(s("بيت"), "بيت");
    }

    #[test]
    fn short_words_are_left_alone() {
        assert_eq!(s("وزن"), "وزن");
        assert_eq!(s("ال"), "ال");
        assert!(is_arabic("المغرب"));
        assert!(!is_arabic("maroc"));
    }
}
