//! Which (word, stem) pairs this process has already written to
//! `index_words`: most pairs of a commit were recorded by an earlier one,
//! and skipping them spares the write transaction thousands of no-op
//! inserts. Shared by the backends.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Pairs remembered before the memory is cleared (8 bytes each).
const KNOWN_WORDS_MAX: usize = 1 << 20;

/// The memory of recorded pairs (cheap to clone: shared).
#[derive(Debug, Clone, Default)]
pub(crate) struct KnownWords(Arc<Mutex<HashSet<u64>>>);

/// A pair's key in the memory.
fn word_key(word: &str, stem: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (word, stem).hash(&mut h);
    h.finish()
}

impl KnownWords {
    /// The pairs of `words` not yet recorded by this process.
    pub(crate) fn unrecorded<'a>(
        &self,
        words: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<(&'a str, &'a str)> {
        let known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        words
            .into_iter()
            .filter(|(w, s)| !known.contains(&word_key(w, s)))
            .collect()
    }

    /// Remembers pairs now committed.
    pub(crate) fn remember(&self, words: &[(&str, &str)]) {
        let mut known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if known.len() + words.len() > KNOWN_WORDS_MAX {
            known.clear();
        }
        known.extend(words.iter().map(|(w, s)| word_key(w, s)));
    }

    /// Forgets everything (the vocabulary was rebuilt).
    pub(crate) fn forget(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
