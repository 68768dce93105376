//! Story clusters: after a run has stored its articles, each new article
//! joins the cluster of its most similar recent article from another
//! outlet (see `normalise::story` for the similarity and the keys).
//!
//! Done once per run, in memory: the articles of the time window are read
//! once, indexed by their MinHash band keys, and only articles sharing a
//! key are compared; the cluster ids are written in one transaction.

use chrono::{DateTime, Duration, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;

use super::error::Context;
use super::{Store, StoreError, parse_ts, ts};
use crate::normalise::{SAME_STORY, story_keys, story_similarity, term_hashes};

/// How far apart in time two reports of one story may be.
const WINDOW_DAYS: i64 = 3;

/// Candidates taken per shared key, newest first: bounded work even when a
/// key is common (boilerplate or generated text).
const PER_KEY: usize = 4;

struct Recent {
    id: i64,
    source_id: i64,
    sort_at: DateTime<Utc>,
    /// Where this article's term hashes sit in the shared pool.
    terms: std::ops::Range<usize>,
    cluster_id: Option<i64>,
    new: bool,
}

impl Store {
    /// Clusters the articles first seen since `since`; returns how many
    /// joined a cluster.
    pub async fn cluster_new_articles(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let oldest_new: Option<String> = sqlx::query_scalar(
            "SELECT MIN(sort_at) FROM articles WHERE first_seen_at >= ?1 AND story_terms IS NOT NULL AND cluster_id IS NULL",
        )
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await
        .context("finding new articles to cluster")?;
        let Some(oldest) = parse_ts(oldest_new) else {
            return Ok(0);
        };
        // Streamed: only the compact form of each article is kept.
        let mut rows = sqlx::query(
            "SELECT id, source_id, sort_at, story_terms, cluster_id, first_seen_at >= ?2 AS new
             FROM articles WHERE story_terms IS NOT NULL AND sort_at >= ?1 ORDER BY id",
        )
        .bind(ts(oldest - Duration::days(WINDOW_DAYS)))
        .bind(ts(since))
        .fetch(&self.pool);
        let mut recent: Vec<Recent> = Vec::new();
        // Every article's term hashes in one allocation: a first run
        // clusters tens of thousands of articles at once.
        let mut pool: Vec<u32> = Vec::new();
        while let Some(r) = rows
            .try_next()
            .await
            .context("reading recent articles for clustering")?
        {
            let terms: &str = r.try_get("story_terms").context("reading story_terms")?;
            let start = pool.len();
            pool.extend(term_hashes(terms.split(' ')));
            recent.push(Recent {
                id: r.try_get("id").context("reading id")?,
                source_id: r.try_get("source_id").context("reading source_id")?,
                sort_at: parse_ts(r.try_get("sort_at").context("reading sort_at")?)
                    .unwrap_or(oldest),
                terms: start..pool.len(),
                cluster_id: r.try_get("cluster_id").context("reading cluster_id")?,
                new: r.try_get("new").context("reading new")?,
            });
        }
        drop(rows);
        // (key, index) pairs sorted by key then index: compact (16 bytes a
        // pair) and searchable; an article only meets articles stored
        // before it (smaller index), as a stream would.
        let terms_of = |r: &Recent| pool.get(r.terms.clone()).unwrap_or_default();
        // Keys are cut to 32 bits here: a rare clash only costs one more
        // similarity check.
        let mut index: Vec<(u32, u32)> = recent
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                story_keys(terms_of(r))
                    .into_iter()
                    .map(move |k| (k as u32, i as u32))
            })
            .collect();
        index.sort_unstable();
        let mut updates: Vec<(i64, i64)> = Vec::new();
        for i in 0..recent.len() {
            if !recent[i].new || recent[i].cluster_id.is_some() {
                continue;
            }
            let mut best: Option<(f64, usize)> = None;
            let mut compared: Vec<usize> = Vec::new();
            for key in story_keys(terms_of(&recent[i])) {
                let key = key as u32;
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
        let mut tx = self
            .pool
            .begin()
            .await
            .context("recording story clusters")?;
        // Many rows per statement: (id, cluster) pairs joined by primary key.
        for chunk in updates.chunks(400) {
            let values = vec!["(?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "WITH c(id, cluster) AS (VALUES {values})
                 UPDATE articles SET cluster_id = c.cluster FROM c WHERE articles.id = c.id"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, cluster) in chunk {
                query = query.bind(id).bind(cluster);
            }
            query
                .execute(&mut *tx)
                .await
                .context("recording story clusters")?;
        }
        tx.commit().await.context("recording story clusters")?;
        Ok(recent
            .iter()
            .filter(|r| r.new && r.cluster_id.is_some())
            .count() as u64)
    }
}
