//! Text analysis shared by the index and the queries, so both sides agree:
//! fold (Unicode compatibility forms, case, accents, Arabic letter
//! variants, see [`normalise_text`]), split into words, then stem each word
//! lightly in the article's language: Snowball for French and English, the
//! light stemmer of `super::arabic` for any word in Arabic script.
//!
//! A query does not know which language an article is in, so a query word
//! stands for all of its readings ([`variants`]): as written, stemmed as
//! French, stemmed as English (or its Arabic stem). An article matches
//! when one of its stems is one of those.

use std::borrow::Cow;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::arabic;
use crate::normalise::normalise_text;

/// Version of the analysis. Stored with the index: when it changes, the
/// index is rebuilt so that old and new articles are stemmed alike.
pub const ANALYZER_VERSION: i64 = 1;

static FRENCH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// How the Latin-script words of a text are stemmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stemming {
    /// Snowball French.
    French,
    /// Snowball English (Porter 2).
    English,
    /// Words kept as they are: languages veille has no stemmer for.
    None,
}

impl Stemming {
    /// The stemming for an article in `language` (a BCP 47 tag such as
    /// `fr`, `fr-MA`, `en-GB`), `None` when unknown.
    pub fn for_language(language: Option<&str>) -> Stemming {
        let primary = language
            .and_then(|l| l.split(['-', '_']).next())
            .map(str::to_ascii_lowercase);
        match primary.as_deref() {
            Some("fr") => Stemming::French,
            Some("en") => Stemming::English,
            _ => Stemming::None,
        }
    }
}

/// One word of a text: its folded form and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word folded, not stemmed (`regulations`).
    pub surface: String,
    /// The word's stem in the text's language (`regul`).
    pub stem: String,
}

/// The stem of an already folded word.
pub fn stem_folded(word: &str, stemming: Stemming) -> Cow<'_, str> {
    if arabic::is_arabic(word) {
        return Cow::Borrowed(arabic::stem(word));
    }
    // Digits and very short words are left alone: stemming "ia" or "5g"
    // only invents collisions.
    if word.chars().count() < 3 || word.chars().any(|c| c.is_numeric()) {
        return Cow::Borrowed(word);
    }
    match stemming {
        Stemming::French => FRENCH.stem(word),
        Stemming::English => ENGLISH.stem(word),
        Stemming::None => Cow::Borrowed(word),
    }
}

/// Splits folded text into words: runs of letters and digits.
fn split_folded(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Stems remembered per thread, per stemming: news text repeats its
/// words, and a lookup is cheaper than running Snowball again.
const STEM_CACHE_WORDS: usize = 20_000;

thread_local! {
    static STEM_CACHE: std::cell::RefCell<[std::collections::HashMap<String, String>; 3]> =
        std::cell::RefCell::new(Default::default());
}

/// [`stem_folded`], through the thread's cache.
fn cached_stem(word: &str, stemming: Stemming) -> String {
    let slot = match stemming {
        Stemming::French => 0,
        Stemming::English => 1,
        Stemming::None => 2,
    };
    STEM_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let Some(map) = cache.get_mut(slot) else {
            return stem_folded(word, stemming).into_owned();
        };
        if let Some(stem) = map.get(word) {
            return stem.clone();
        }
        let stem = stem_folded(word, stemming).into_owned();
        if map.len() >= STEM_CACHE_WORDS {
            map.clear();
        }
        map.insert(word.to_string(), stem.clone());
        stem
    })
}

/// The words of `text`, folded and stemmed, in order.
pub fn analyze(text: &str, stemming: Stemming) -> Vec<Token> {
    let folded = normalise_text(text);
    split_folded(&folded)
        .map(|w| Token {
            surface: w.to_string(),
            stem: cached_stem(w, stemming),
        })
        .collect()
}

/// The folded words of `text`, not stemmed: names, URLs, tags.
pub fn surfaces(text: &str) -> Vec<String> {
    let folded = normalise_text(text);
    split_folded(&folded).map(str::to_string).collect()
}

/// Every stem a folded query word may have in an article: as written, as
/// French, as English. An Arabic word has its one light stem.
pub fn variants(word: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(3);
    for stemming in [Stemming::None, Stemming::French, Stemming::English] {
        let stem = stem_folded(word, stemming);
        if !out.iter().any(|s| *s == stem) {
            out.push(stem.into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Stemming, analyze, surfaces, variants};

    fn stems(text: &str, stemming: Stemming) -> Vec<String> {
        analyze(text, stemming)
            .into_iter()
            .map(|t| t.stem)
            .collect()
    }

    /// A query word matches an article word when a variant is its stem.
    fn finds(query_word: &str, text: &str, stemming: Stemming) -> bool {
        let vs = variants(&surfaces(query_word)[0]);
        stems(text, stemming).iter().any(|s| vs.contains(s))
    }

    #[test]
    fn the_issue_examples() {
        assert!(finds(
            "regulation",
            "La Régulation des données",
            Stemming::French
        ));
        assert!(finds("regulation", "les régulations", Stemming::French));
        assert!(finds("regulation", "new AI regulations", Stemming::English));
        assert!(finds("ذكاء", "الاستثمار بالذكاء الاصطناعي", Stemming::None));
        assert!(finds("ذكاء", "الاستثمار بالذكاء الاصطناعي", Stemming::French));
        assert!(finds("gouvernance", "GOUVERNANCES", Stemming::French));
    }

    #[test]
    fn short_words_are_not_stemmed_into_others() {
        assert!(!finds("ia", "la MAIA organise", Stemming::French));
        assert_eq!(stems("l'IA", Stemming::French), ["l", "ia"]);
    }

    #[test]
    fn language_tags() {
        assert_eq!(Stemming::for_language(Some("fr-MA")), Stemming::French);
        assert_eq!(Stemming::for_language(Some("EN")), Stemming::English);
        assert_eq!(Stemming::for_language(Some("ar")), Stemming::None);
        assert_eq!(Stemming::for_language(None), Stemming::None);
    }
}
