//! Is it the same story? Outlets rewrite wire copy: the headline changes,
//! sentences are reordered, but the names, numbers and key words stay.
//!
//! An article's *story terms* are its content words after the matching
//! normalisation (case, accents, Arabic forms), with the Arabic article and
//! clitic prefixes removed, stop words dropped and each word cut to its
//! first six letters (a crude stem that works across French, English and
//! Arabic). Two articles are the same story when the Jaccard similarity of
//! their term sets reaches [`SAME_STORY`]; on the labelled pairs in
//! `tests/fixtures/story_pairs.json` (rewrites vs. different stories on the
//! same topic, in fr/en/ar), rewrites score 0.44 and up, different stories
//! 0.32 and below.
//!
//! Candidates are found without comparing everything: a MinHash signature
//! of the terms is cut into [`BANDS`] bands of two values, each band hashed
//! to a *story key*; only articles sharing a key are compared (see
//! `store::clusters`). Two sets at
//! similarity 0.44 share a key with probability 1 − (1 − 0.44²)^16 ≈ 0.97.

use super::words::{normalise_text, split_words};

/// Similarity from which two articles are the same story.
pub const SAME_STORY: f64 = 0.38;

/// Bands of the MinHash signature (two values each).
pub const BANDS: usize = 16;

/// Bytes of text the terms are taken from (the lede).
const LEDE_BYTES: usize = 2000;

/// Fewer terms than this: too little text to tell (headlines only).
const MIN_TERMS: usize = 8;

const STOP_WORDS: &[&str] = &[
    // French
    "les", "des", "une", "est", "sont", "pour", "par", "sur", "dans", "avec", "aux", "que", "qui",
    "ces", "cette", "ses", "son", "leur", "leurs", "plus", "pas", "ont", "ete", "etre", "avoir",
    "comme", "mais", "tout", "tous", "elle", "ils", "entre", "selon", "depuis", "apres", "avant",
    "lors", "aussi", "dont", // English
    "the", "and", "for", "with", "are", "was", "were", "that", "this", "its", "from", "has",
    "have", "will", "which", "said", "their", "they", "not", "but", "been", "also", "after",
    "before", "over", "into", "about", "than", "more", "new", "on", "by",
    // Arabic (after prefix removal and normalisation)
    "في", "من", "علي", "الي", "عن", "مع", "التي", "الذي", "ان", "كل", "هذا", "هذه", "ذلك", "تلك",
    "حيث", "كما", "او", "بين", "قبل", "بعد", "عند", "حول", "خلال", "يوم", "الي", "قد", "لا", "ما",
    "هو", "هي",
];

/// Whether `word` is one of [`STOP_WORDS`] (a set: the list is read for
/// every word of every article).
fn is_stop_word(word: &str) -> bool {
    static SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| STOP_WORDS.iter().copied().collect());
    SET.contains(word)
}

/// Arabic prefixes (conjunction, prepositions, article), longest first.
const ARABIC_PREFIXES: &[&str] = &[
    "وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف",
];

fn strip_arabic_prefix(word: &str) -> &str {
    for prefix in ARABIC_PREFIXES {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.chars().count() >= 3
        {
            return rest;
        }
    }
    word
}

/// The story terms of a text (sorted, no repeats), or `None` when the text
/// is too short to compare.
pub fn story_terms(text: &str) -> Option<Vec<String>> {
    // The lede carries the story: rewrites share it, and long articles
    // would only add cost.
    let mut end = text.len().min(LEDE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let lede = normalise_text(text.get(..end).unwrap_or_default());
    let mut terms: Vec<&str> = split_words(&lede)
        .map(strip_arabic_prefix)
        .filter(|w| w.chars().nth(2).is_some() && !is_stop_word(w))
        .map(first_six_letters)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    (terms.len() >= MIN_TERMS).then(|| terms.into_iter().map(str::to_string).collect())
}

/// The crude stem: a word's first six letters.
fn first_six_letters(word: &str) -> &str {
    match word.char_indices().nth(6) {
        Some((end, _)) => word.get(..end).unwrap_or(word),
        None => word,
    }
}

/// Story terms as sorted 32-bit hashes: comparing and MinHashing numbers
/// is far cheaper than strings, and half the size of 64-bit ones matters
/// when a run clusters tens of thousands of articles in memory. A rare
/// collision between two words only nudges a similarity. FNV-1a folded to
/// 32 bits: stable across versions and platforms.
pub fn term_hashes<'t>(terms: impl IntoIterator<Item = &'t str>) -> Vec<u32> {
    let mut hashes: Vec<u32> = terms
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in t.as_bytes() {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            (h ^ (h >> 32)) as u32
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Jaccard similarity of two sorted hash lists.
pub fn story_similarity(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// A 64-bit mixer (splitmix64's finaliser): one "permutation" per seed.
const fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The MinHash seeds: one "permutation" per signature value.
const SEEDS: [u64; BANDS * 2] = {
    let mut seeds = [0; BANDS * 2];
    let mut s = 0;
    while s < seeds.len() {
        seeds[s] = mix((s as u64).wrapping_add(0x5eed));
        s += 1;
    }
    seeds
};

/// The story keys of a hashed term list: one per band of its MinHash
/// signature. Clustering computes these for every recent article, so the
/// signature is built in one pass over the terms into a fixed array.
pub fn story_keys(hashes: &[u32]) -> [i64; BANDS] {
    let mut signature = [u64::MAX; BANDS * 2];
    for h in hashes {
        let h = u64::from(*h);
        for (min, seed) in signature.iter_mut().zip(SEEDS) {
            *min = (*min).min(mix(h ^ seed));
        }
    }
    if hashes.is_empty() {
        signature = [0; BANDS * 2];
    }
    let mut keys = [0; BANDS];
    for (band, (key, pair)) in keys.iter_mut().zip(signature.chunks_exact(2)).enumerate() {
        let (first, second) = match pair {
            [first, second] => (*first, *second),
            _ => (0, 0),
        };
        *key = mix(mix(band as u64 ^ first) ^ second) as i64;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_minhash_bands_of_the_definition() {
        // The signature by its definition: per seed, the least mixed hash.
        fn by_definition(hashes: &[u32]) -> Vec<i64> {
            let signature: Vec<u64> = (0..BANDS as u64 * 2)
                .map(|s| mix(s.wrapping_add(0x5eed)))
                .map(|seed| {
                    hashes
                        .iter()
                        .map(|h| mix(u64::from(*h) ^ seed))
                        .min()
                        .unwrap_or(0)
                })
                .collect();
            signature
                .chunks(2)
                .enumerate()
                .map(|(band, pair)| mix(mix(band as u64 ^ pair[0]) ^ pair[1]) as i64)
                .collect()
        }
        let mut state = 7u64;
        for len in [0, 1, 2, 8, 40, 150] {
            let hashes: Vec<u32> = (0..len)
                .map(|_| {
                    state = mix(state);
                    state as u32
                })
                .collect();
            assert_eq!(story_keys(&hashes).to_vec(), by_definition(&hashes));
        }
    }

    #[test]
    fn arabic_prefixes_and_stop_words() {
        let terms = story_terms(
            "وزارة الانتقال الرقمي تقدم بالرباط الاستراتيجية الوطنية للذكاء الاصطناعي في المغرب",
        )
        .unwrap();
        assert!(terms.contains(&"رباط".to_string()), "{terms:?}");
        assert!(terms.contains(&"ذكاء".to_string()), "{terms:?}");
        assert!(!terms.iter().any(|t| t == "في"));
    }

    #[test]
    fn identical_texts_share_every_key() {
        let terms = story_terms("The Ministry of Digital Transition presented the national artificial intelligence strategy in Rabat on Thursday").unwrap();
        let t = term_hashes(terms.iter().map(String::as_str));
        assert_eq!(story_keys(&t), story_keys(&t));
        assert_eq!(story_keys(&t).len(), BANDS);
        assert!((story_similarity(&t, &t) - 1.0).abs() < f64::EPSILON);
    }
}
