//! Story clusters: after a run has stored its articles, each new article
//! joins the cluster of its most similar recent article from another
//! outlet (see `normalise::story` for the similarity and the keys).
//!
//! Done once per run, in memory, the same way on every backend: the
//! articles of the time window are read once, indexed by their MinHash band
//! keys, and only articles sharing a key are compared.

use chrono::{DateTime, Utc};

use crate::normalise::{BANDS, SAME_STORY, story_keys, story_similarity};

/// How far apart in time two reports of one story may be.
pub(super) const WINDOW_DAYS: i64 = 3;

/// Candidates taken per shared key, newest first: bounded work even when a
/// key is common (boilerplate or generated text).
const PER_KEY: usize = 4;

/// A recent article, as clustering sees it.
pub(super) struct Recent {
    pub id: i64,
    pub source_id: i64,
    pub sort_at: DateTime<Utc>,
    /// Where this article's term hashes sit in the shared pool.
    pub terms: std::ops::Range<usize>,
    pub cluster_id: Option<i64>,
    /// First seen in this run: to be clustered.
    pub new: bool,
}

/// Assigns clusters to the new articles of `recent` (in storage order),
/// whose term hashes are in `pool`; returns the (article id, cluster id)
/// pairs to write.
pub(super) fn assign_clusters(recent: &mut [Recent], pool: &[u32]) -> Vec<(i64, i64)> {
    // (key, index) pairs sorted by key then index: compact (8 bytes a
    // pair) and searchable; an article only meets articles stored
    // before it (smaller index), as a stream would.
    let terms_of = |r: &Recent| pool.get(r.terms.clone()).unwrap_or_default();
    // Keys are cut to 32 bits here: a rare clash only costs one more
    // similarity check.
    // Each article's keys, computed once (a MinHash over all its terms),
    // 64 bytes an article.
    let keys: Vec<[u32; BANDS]> = recent
        .iter()
        .map(|r| story_keys(terms_of(r)).map(|k| k as u32))
        .collect();
    let mut index: Vec<(u32, u32)> = keys
        .iter()
        .enumerate()
        .flat_map(|(i, keys)| keys.iter().map(move |k| (*k, i as u32)))
        .collect();
    index.sort_unstable();
    let mut updates: Vec<(i64, i64)> = Vec::new();
    for i in 0..recent.len() {
        if !recent[i].new || recent[i].cluster_id.is_some() {
            continue;
        }
        let mut best: Option<(f64, usize)> = None;
        let mut compared: Vec<usize> = Vec::new();
        let Some(own_keys) = keys.get(i) else {
            continue;
        };
        for &key in own_keys {
            // Entries with this key and a smaller index, newest first.
            let upper = index.partition_point(|&(k, j)| (k, j) < (key, i as u32));
            let lower = index.partition_point(|&(k, _)| k < key);
            for &(_, j) in index[lower..upper].iter().rev().take(PER_KEY) {
                let j = j as usize;
                // Close texts share many keys: compare each once.
                if compared.contains(&j) {
                    continue;
                }
                compared.push(j);
                let (a, b) = (&recent[i], &recent[j]);
                if a.source_id == b.source_id
                    || (a.sort_at - b.sort_at).num_days().abs() > WINDOW_DAYS
                {
                    continue;
                }
                let similarity = story_similarity(terms_of(a), terms_of(b));
                if similarity >= SAME_STORY && best.is_none_or(|(s, _)| similarity > s) {
                    best = Some((similarity, j));
                }
            }
        }
        if let Some((_, j)) = best {
            let cluster = recent[j].cluster_id.unwrap_or(recent[j].id);
            if recent[j].cluster_id.is_none() {
                recent[j].cluster_id = Some(cluster);
                updates.push((recent[j].id, cluster));
            }
            recent[i].cluster_id = Some(cluster);
            updates.push((recent[i].id, cluster));
        }
    }
    updates
}
