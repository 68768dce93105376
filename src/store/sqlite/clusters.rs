//! Story clusters in SQLite: the recent articles are read, clustered in
//! memory (`store::clustering`), and the cluster ids written in one
//! transaction.

use chrono::{DateTime, Duration, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;

use super::SqliteStore;
use crate::normalise::term_hashes;
use crate::store::clustering::{Recent, WINDOW_DAYS, assign_clusters};
use crate::store::error::Context;
use crate::store::{StoreError, parse_ts, ts};

impl SqliteStore {
    /// Clusters the articles first seen since `since`; returns how many
    /// joined a cluster.
    pub async fn cluster_new_articles(
        &self,
        since: DateTime<Utc>,
        run: Option<i64>,
    ) -> Result<u64, StoreError> {
        // "New": first seen since `since`, from a source this run fetched.
        let oldest_new: Option<String> = sqlx::query_scalar(
            "SELECT MIN(sort_at) FROM articles WHERE first_seen_at >= ?1 AND story_terms IS NOT NULL AND cluster_id IS NULL
               AND (?2 IS NULL OR source_id IN (SELECT source_id FROM fetches WHERE run_id = ?2))",
        )
        .bind(ts(since))
        .bind(run)
        .fetch_one(&self.pool)
        .await
        .context("finding new articles to cluster")?;
        let Some(oldest) = parse_ts(oldest_new) else {
            return Ok(0);
        };
        // Streamed: only the compact form of each article is kept.
        let mut rows = sqlx::query(
            "SELECT id, source_id, sort_at, story_terms, cluster_id,
                    first_seen_at >= ?2
                    AND (?3 IS NULL OR source_id IN (SELECT source_id FROM fetches WHERE run_id = ?3)) AS new
             FROM articles WHERE story_terms IS NOT NULL AND sort_at >= ?1 ORDER BY id",
        )
        .bind(ts(oldest - Duration::days(WINDOW_DAYS)))
        .bind(ts(since))
        .bind(run)
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
        let updates = assign_clusters(&mut recent, &pool);
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
