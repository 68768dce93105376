//! Story clusters: after a run has stored its articles, each new article
//! joins the cluster of its most similar recent article from another
//! outlet (see `normalise::story` for the similarity and the keys).
//!
//! Done once per run, in memory, the same way on every backend: the store
//! reads the articles of the time window into [`Candidates`], the pipeline
//! calls [`Candidates::assign`], and the store writes the assignments. The
//! articles are indexed by their MinHash band keys and only articles
//! sharing a key are compared.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Utc};

use crate::normalise::{BANDS, SAME_STORY, story_keys, story_similarity, term_hashes};

/// How far apart in time two reports of one story may be.
pub const WINDOW_DAYS: i64 = 3;

/// Candidates taken per shared key, newest first: bounded work even when a
/// key is common (boilerplate or generated text).
const PER_KEY: usize = 4;

/// A recent article, as clustering sees it.
#[derive(Debug, Clone)]
struct Recent {
    id: i64,
    source_id: i64,
    sort_at: DateTime<Utc>,
    /// Where this article's term hashes sit in the shared pool.
    terms: std::ops::Range<usize>,
    /// A hash of its canonical URL.
    url_key: Option<u64>,
    /// An aggregator's item (Google News): joined by URL.
    aggregated: bool,
    cluster_id: Option<i64>,
    /// First seen in this run: to be clustered.
    new: bool,
}

/// The articles of the clustering window, in storage order.
#[derive(Debug, Default)]
pub struct Candidates {
    recent: Vec<Recent>,
    /// Every article's term hashes in one allocation: a first run clusters
    /// tens of thousands of articles at once.
    pool: Vec<u32>,
}

/// One article read for clustering.
pub struct Candidate<'a> {
    /// The article's id.
    pub id: i64,
    /// Its source: reports of one outlet never form a story.
    pub source_id: i64,
    /// When it is ordered.
    pub sort_at: DateTime<Utc>,
    /// The article's `story_terms`, space-separated (empty when it has
    /// none: an aggregator's item, matched by URL only).
    pub story_terms: &'a str,
    /// Its canonical URL: an aggregator's item and the outlet's own report
    /// of the same URL are one story.
    pub url: Option<&'a str>,
    /// An aggregator's item: the only kind joined to another by URL
    /// alone (two sources of one site may link every item to one page).
    pub aggregated: bool,
    /// Its cluster, when it has one already.
    pub cluster_id: Option<i64>,
    /// First seen in this run: to be clustered.
    pub new: bool,
}

impl Candidates {
    /// Adds the next article, in storage order (an article only meets
    /// articles stored before it, as a stream would).
    pub fn push(&mut self, candidate: Candidate<'_>) {
        let start = self.pool.len();
        if !candidate.story_terms.is_empty() {
            self.pool
                .extend(term_hashes(candidate.story_terms.split(' ')));
        }
        self.recent.push(Recent {
            id: candidate.id,
            source_id: candidate.source_id,
            sort_at: candidate.sort_at,
            terms: start..self.pool.len(),
            url_key: candidate.url.map(url_key),
            aggregated: candidate.aggregated,
            cluster_id: candidate.cluster_id,
            new: candidate.new,
        });
    }

    /// How many new articles are in a cluster.
    pub fn new_in_clusters(&self) -> u64 {
        self.recent
            .iter()
            .filter(|r| r.new && r.cluster_id.is_some())
            .count() as u64
    }

    /// Assigns clusters to the new articles; returns the (article id,
    /// cluster id) pairs to write. A cluster is named after its first
    /// article.
    ///
    /// One pass in storage order: each article is compared with the
    /// newest earlier articles sharing one of its keys, then its own keys
    /// join the index. The work is linear in the window's size.
    pub fn assign(&mut self) -> Vec<(i64, i64)> {
        let mut index = LatestByKey::default();
        let mut by_url: HashMap<u64, u32> = HashMap::new();
        let mut updates: Vec<(i64, i64)> = Vec::new();
        for i in 0..self.recent.len() {
            let Some(recent) = self.recent.get(i) else {
                continue;
            };
            let has_terms = !recent.terms.is_empty();
            let own_keys = self.band_keys(recent);
            let url_key = recent.url_key;
            if recent.new && recent.cluster_id.is_none() {
                let same_url = url_key
                    .and_then(|k| by_url.get(&k))
                    .map(|j| *j as usize)
                    .filter(|j| self.joinable_by_url(i, *j));
                let earlier = match same_url {
                    Some(j) => Some(j),
                    None if has_terms => self.most_similar_earlier(i, &own_keys, &index),
                    None => None,
                };
                if let Some(j) = earlier {
                    self.join(i, j, &mut updates);
                }
            }
            if has_terms {
                index.add(&own_keys, i as u32);
            }
            if let Some(k) = url_key {
                by_url.entry(k).or_insert(i as u32);
            }
        }
        updates
    }

    /// Whether articles `i` and `j`, of one URL, are one story: other
    /// sources, close in time, one of them an aggregator's item.
    fn joinable_by_url(&self, i: usize, j: usize) -> bool {
        match (self.recent.get(i), self.recent.get(j)) {
            (Some(a), Some(b)) => {
                a.source_id != b.source_id
                    && (a.aggregated || b.aggregated)
                    && (a.sort_at - b.sort_at).num_days().abs() <= WINDOW_DAYS
            }
            _ => false,
        }
    }

    fn terms_of(&self, r: &Recent) -> &[u32] {
        self.pool.get(r.terms.clone()).unwrap_or_default()
    }

    /// An article's keys (a MinHash over all its terms), cut to 32 bits:
    /// a rare clash only costs one more similarity check.
    fn band_keys(&self, recent: &Recent) -> [u32; BANDS] {
        story_keys(self.terms_of(recent)).map(|k| k as u32)
    }

    /// The earlier article from another outlet, within the window, most
    /// similar to article `i` and similar enough to be the same story.
    fn most_similar_earlier(
        &self,
        i: usize,
        own_keys: &[u32; BANDS],
        index: &LatestByKey,
    ) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        let mut compared: Vec<usize> = Vec::new();
        for &key in own_keys {
            for j in index.newest_first(key) {
                let j = j as usize;
                // Close texts share many keys: compare each once.
                if compared.contains(&j) {
                    continue;
                }
                compared.push(j);
                let similarity = self.similarity(i, j);
                if similarity >= SAME_STORY && best.is_none_or(|(s, _)| similarity > s) {
                    best = Some((similarity, j));
                }
            }
        }
        best.map(|(_, j)| j)
    }

    /// How alike articles `i` and `j` are; 0 when they cannot be one
    /// story (same outlet, or too far apart in time).
    fn similarity(&self, i: usize, j: usize) -> f64 {
        let (Some(a), Some(b)) = (self.recent.get(i), self.recent.get(j)) else {
            return 0.0;
        };
        if a.source_id == b.source_id || (a.sort_at - b.sort_at).num_days().abs() > WINDOW_DAYS {
            return 0.0;
        }
        story_similarity(self.terms_of(a), self.terms_of(b))
    }

    /// Puts article `i` in the cluster of article `j`, which starts one
    /// when it has none.
    fn join(&mut self, i: usize, j: usize, updates: &mut Vec<(i64, i64)>) {
        let earlier = &mut self.recent[j];
        let cluster = earlier.cluster_id.unwrap_or(earlier.id);
        if earlier.cluster_id.is_none() {
            earlier.cluster_id = Some(cluster);
            updates.push((earlier.id, cluster));
        }
        let new = &mut self.recent[i];
        new.cluster_id = Some(cluster);
        updates.push((new.id, cluster));
    }
}

/// A hash of a canonical URL, for matching reports of one URL.
fn url_key(url: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut hasher);
    hasher.finish()
}

/// For each band key, the [`PER_KEY`] articles that had it last, by
/// their place in the window: the candidates an article is compared with.
/// Built as the window is walked, so a lookup only sees earlier articles.
#[derive(Default)]
struct LatestByKey {
    slots: HashMap<u32, Latest, BuildHasherDefault<KeyHasher>>,
}

/// Up to [`PER_KEY`] places, oldest first.
#[derive(Default, Clone, Copy)]
struct Latest {
    places: [u32; PER_KEY],
    len: u8,
}

impl LatestByKey {
    /// Records that article `place` has each of `keys` (twice when a key
    /// repeats, as the bands of a short text can).
    fn add(&mut self, keys: &[u32; BANDS], place: u32) {
        for key in keys {
            let latest = self.slots.entry(*key).or_default();
            let len = usize::from(latest.len);
            if len < PER_KEY {
                if let Some(slot) = latest.places.get_mut(len) {
                    *slot = place;
                }
                latest.len += 1;
            } else {
                latest.places.rotate_left(1);
                if let Some(last) = latest.places.last_mut() {
                    *last = place;
                }
            }
        }
    }

    /// The latest articles with `key`, newest first.
    fn newest_first(&self, key: u32) -> impl Iterator<Item = u32> + '_ {
        let places = match self.slots.get(&key) {
            Some(latest) => latest.places.get(..usize::from(latest.len)),
            None => None,
        };
        places.unwrap_or_default().iter().rev().copied()
    }
}

/// Band keys are already well-mixed hashes: they index the map as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }

    fn write_u32(&mut self, key: u32) {
        // Spread over 64 bits: the table takes its buckets from the low
        // bits and its tags from the high ones.
        self.0 = u64::from(key).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests;
