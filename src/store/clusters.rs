//! Story clusters in the database: the articles of the clustering window
//! are read as [`Candidates`], and the assignments the pipeline computed
//! (`cluster::Candidates::assign`) are written, in one transaction that,
//! on PostgreSQL, keeps two workers from clustering the same articles at
//! once.

use chrono::{DateTime, Duration, Utc};

use super::error::Context;
use super::sql::{Db, Dialect, Row, Statement, Tx, value_rows};
use super::{Store, StoreError};
use crate::cluster::{Candidate, Candidates, WINDOW_DAYS};

/// (id, cluster) pairs per `UPDATE`.
const PAIRS_PER_STATEMENT: usize = 400;

/// "New": first seen since `$1`, from a source the run `$2` fetched (any
/// source when `$2` is NULL).
///
/// An aggregator's old items (a search feed brings up months-old reports)
/// do not stretch the window: only those of the last week count.
const OLDEST_NEW: &str = "SELECT MIN(sort_at) AS oldest FROM articles
     WHERE first_seen_at >= $1
       AND (story_terms IS NOT NULL OR (aggregator_link IS NOT NULL AND sort_at >= $3))
       AND cluster_id IS NULL
       AND (CAST($2 AS BIGINT) IS NULL OR source_id IN (SELECT source_id FROM fetches WHERE run_id = $2))";

/// Articles with story terms, and aggregators' items (matched by URL).
const WINDOW: &str = "SELECT id, source_id, sort_at, story_terms, url, cluster_id,
        aggregator_link IS NOT NULL AS aggregated,
        first_seen_at >= $2
        AND (CAST($3 AS BIGINT) IS NULL OR source_id IN (SELECT source_id FROM fetches WHERE run_id = $3)) AS new
     FROM articles WHERE (story_terms IS NOT NULL OR aggregator_link IS NOT NULL) AND sort_at >= $1
     ORDER BY id";

/// The articles to cluster. On PostgreSQL they are read inside the
/// transaction that will write their clusters, which holds an advisory
/// lock against other workers; on SQLite (one writer, the run) they are
/// read without a transaction, so that readers of the file do not wait
/// for the clustering, and the clusters are written in a short one.
pub struct ClusterBatch<'s> {
    db: Db<'s>,
    tx: Option<Tx>,
    /// The window's articles; empty when nothing new is to be clustered.
    pub candidates: Candidates,
}

impl Store {
    /// Reads the articles first seen since `since` (only those the run
    /// `run` stored, when given: workers sharing a database each cluster
    /// their own) together with the earlier articles of their window.
    pub async fn begin_clustering(
        &self,
        since: DateTime<Utc>,
        run: Option<i64>,
    ) -> Result<ClusterBatch<'_>, StoreError> {
        let what = "reading recent articles for clustering";
        let db = self.db();
        let mut tx = match db.dialect() {
            Dialect::Postgres => {
                let mut tx = db.begin_write().await.context(what)?;
                tx.one_worker_at_a_time("veille.clusters")
                    .await
                    .context(what)?;
                Some(tx)
            }
            Dialect::Sqlite => None,
        };
        let oldest = fetch_one(
            db,
            tx.as_mut(),
            Statement::new(OLDEST_NEW)
                .bind(since)
                .bind(run)
                .bind(since - Duration::days(7)),
        )
        .await
        .context(what)?
        .time("oldest")?;
        let mut candidates = Candidates::default();
        if let Some(oldest) = oldest {
            let window = Statement::new(WINDOW)
                .bind(oldest - Duration::days(WINDOW_DAYS))
                .bind(since)
                .bind(run);
            // Streamed: only the compact form of each article is kept.
            let add = |row: Row| {
                let story_terms: String = row.text("story_terms")?;
                let url: Option<String> = row.get("url")?;
                candidates.push(Candidate {
                    id: row.get("id")?,
                    source_id: row.get("source_id")?,
                    sort_at: row.time("sort_at")?.unwrap_or(oldest),
                    story_terms: &story_terms,
                    url: url.as_deref(),
                    aggregated: row.get("aggregated")?,
                    cluster_id: row.get("cluster_id")?,
                    new: row.get("new")?,
                });
                Ok(())
            };
            match tx.as_mut() {
                Some(tx) => tx.for_each(window, what, add).await?,
                None => db.for_each(window, what, add).await?,
            }
        }
        Ok(ClusterBatch { db, tx, candidates })
    }
}

/// `statement`'s one row, inside `tx` when there is one.
async fn fetch_one(
    db: Db<'_>,
    tx: Option<&mut Tx>,
    statement: Statement<'_>,
) -> Result<Row, sqlx::Error> {
    match tx {
        Some(tx) => tx.fetch_one(statement).await,
        None => db.fetch_one(statement).await,
    }
}

impl ClusterBatch<'_> {
    /// Writes the (article id, cluster id) pairs and ends the batch.
    pub async fn finish(self, assignments: &[(i64, i64)]) -> Result<(), StoreError> {
        let what = "recording story clusters";
        let mut tx = match self.tx {
            Some(tx) => tx,
            None => self.db.begin_write().await.context(what)?,
        };
        // On SQLite a prune (from `veille serve`'s side of the file, or a
        // push's clustering) may have removed or renamed a cluster since the
        // window was read: an article is not joined to a cluster whose
        // first article is gone, and a cluster's first article is marked
        // again if a prune had undone its cluster.
        for chunk in assignments.chunks(PAIRS_PER_STATEMENT) {
            let sql = format!(
                "WITH c(id, cluster) AS (VALUES {})
                 UPDATE articles SET cluster_id = c.cluster FROM c
                 WHERE articles.id = c.id AND EXISTS (SELECT 1 FROM articles r WHERE r.id = c.cluster)",
                value_rows(chunk.len(), 2, 1)
            );
            let mut statement = Statement::built(sql);
            for (id, cluster) in chunk {
                statement.push(*id);
                statement.push(*cluster);
            }
            tx.execute(statement).await.context(what)?;
        }
        let mut roots: Vec<i64> = assignments.iter().map(|(_, cluster)| *cluster).collect();
        roots.sort_unstable();
        roots.dedup();
        for chunk in roots.chunks(PAIRS_PER_STATEMENT) {
            let sql = format!(
                "UPDATE articles SET cluster_id = id WHERE id IN ({}) AND cluster_id IS NULL",
                super::sql::placeholders(chunk.len(), 1)
            );
            let mut statement = Statement::built(sql);
            for root in chunk {
                statement.push(*root);
            }
            tx.execute(statement).await.context(what)?;
        }
        tx.commit().await.context(what)
    }
}
