//! Story clusters: after a run has stored its articles, each new article
//! joins the cluster of its most similar recent article from another
//! outlet (see `normalise::story` for the similarity and the keys).
//!
//! Done once per run, in memory, the same way on every backend: the store
//! reads the articles of the time window into [`Candidates`], the pipeline
//! calls [`Candidates::assign`], and the store writes the assignments. The
//! articles are indexed by their MinHash band keys and only articles
//! sharing a key are compared.

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
    /// The article's `story_terms`, space-separated.
    pub story_terms: &'a str,
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
        self.pool
            .extend(term_hashes(candidate.story_terms.split(' ')));
        self.recent.push(Recent {
            id: candidate.id,
            source_id: candidate.source_id,
            sort_at: candidate.sort_at,
            terms: start..self.pool.len(),
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
    pub fn assign(&mut self) -> Vec<(i64, i64)> {
        let keys = self.band_keys();
        let index = key_index(&keys);
        let mut updates: Vec<(i64, i64)> = Vec::new();
        for i in 0..self.recent.len() {
            let Some(own_keys) = keys.get(i) else {
                continue;
            };
            if !self.recent[i].new || self.recent[i].cluster_id.is_some() {
                continue;
            }
            if let Some(j) = self.most_similar_earlier(i, own_keys, &index) {
                self.join(i, j, &mut updates);
            }
        }
        updates
    }

    fn terms_of(&self, r: &Recent) -> &[u32] {
        self.pool.get(r.terms.clone()).unwrap_or_default()
    }

    /// Each article's keys, computed once (a MinHash over all its terms),
    /// cut to 32 bits: a rare clash only costs one more similarity check.
    fn band_keys(&self) -> Vec<[u32; BANDS]> {
        self.recent
            .iter()
            .map(|r| story_keys(self.terms_of(r)).map(|k| k as u32))
            .collect()
    }

    /// The earlier article from another outlet, within the window, most
    /// similar to article `i` and similar enough to be the same story.
    fn most_similar_earlier(
        &self,
        i: usize,
        own_keys: &[u32; BANDS],
        index: &[(u32, u32)],
    ) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        let mut compared: Vec<usize> = Vec::new();
        for &key in own_keys {
            // Entries with this key and a smaller index, newest first.
            let upper = index.partition_point(|&(k, j)| (k, j) < (key, i as u32));
            let lower = index.partition_point(|&(k, _)| k < key);
            let earlier = index.get(lower..upper).unwrap_or_default();
            for &(_, j) in earlier.iter().rev().take(PER_KEY) {
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

/// (key, index) pairs sorted by key then index: compact (8 bytes a pair)
/// and searchable.
fn key_index(keys: &[[u32; BANDS]]) -> Vec<(u32, u32)> {
    let mut index: Vec<(u32, u32)> = keys
        .iter()
        .enumerate()
        .flat_map(|(i, keys)| keys.iter().map(move |k| (*k, i as u32)))
        .collect();
    index.sort_unstable();
    index
}

#[cfg(test)]
mod tests;
