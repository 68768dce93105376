//! Story clusters in PostgreSQL: the recent articles are read, clustered
//! in memory (`store::clustering`, the same code as on SQLite), and the
//! cluster ids written, in one transaction that holds an advisory lock so
//! that two workers never cluster the same articles at once.

use chrono::{DateTime, Duration, Utc};
use futures_util::TryStreamExt;
use sqlx::Row;

use super::{PgStore, whole_seconds};
use crate::normalise::term_hashes;
use crate::store::StoreError;
use crate::store::clustering::{Recent, WINDOW_DAYS, assign_clusters};
use crate::store::error::Context;

impl PgStore {
    pub async fn cluster_new_articles(
        &self,
        since: DateTime<Utc>,
        run: Option<i64>,
    ) -> Result<u64, StoreError> {
        let what = "clustering new articles";
        let since = whole_seconds(since);
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('veille.clusters'))")
            .execute(&mut *tx)
            .await
            .context(what)?;
        let oldest: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT MIN(sort_at) FROM articles
             WHERE first_seen_at >= $1 AND story_terms IS NOT NULL AND cluster_id IS NULL
               AND ($2::bigint IS NULL OR source_id IN (SELECT source_id FROM fetches WHERE run_id = $2))",
        )
        .bind(since)
        .bind(run)
        .fetch_one(&mut *tx)
        .await
        .context("finding new articles to cluster")?;
        let Some(oldest) = oldest else {
            return Ok(0);
        };
        let mut recent: Vec<Recent> = Vec::new();
        let mut pool: Vec<u32> = Vec::new();
        {
            let mut rows = sqlx::query(
                "SELECT id, source_id, sort_at, story_terms, cluster_id,
                        first_seen_at >= $2
                        AND ($3::bigint IS NULL OR source_id IN (SELECT source_id FROM fetches WHERE run_id = $3)) AS new
                 FROM articles WHERE story_terms IS NOT NULL AND sort_at >= $1 ORDER BY id",
            )
            .bind(oldest - Duration::days(WINDOW_DAYS))
            .bind(since)
            .bind(run)
            .fetch(&mut *tx);
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
                    sort_at: r.try_get("sort_at").context("reading sort_at")?,
                    terms: start..pool.len(),
                    cluster_id: r.try_get("cluster_id").context("reading cluster_id")?,
                    new: r.try_get("new").context("reading new")?,
                });
            }
        }
        let updates = assign_clusters(&mut recent, &pool);
        let (ids, clusters): (Vec<i64>, Vec<i64>) = updates.into_iter().unzip();
        sqlx::query(
            "UPDATE articles SET cluster_id = c.cluster
             FROM unnest($1::bigint[], $2::bigint[]) AS c(id, cluster) WHERE articles.id = c.id",
        )
        .bind(&ids)
        .bind(&clusters)
        .execute(&mut *tx)
        .await
        .context("recording story clusters")?;
        tx.commit().await.context("recording story clusters")?;
        Ok(recent
            .iter()
            .filter(|r| r.new && r.cluster_id.is_some())
            .count() as u64)
    }
}
