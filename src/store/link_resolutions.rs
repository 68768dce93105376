//! Aggregator links resolved online (`link_resolutions`), so that each
//! Google News link is asked about once; and the stored articles whose
//! link is still the aggregator's, for a later run to resolve.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Dialect, Statement, Tx, placeholders};
use super::{Store, StoreError};

/// A link whose resolution failed is asked again after this long…
const RETRY_AFTER_HOURS: i64 = 24;

/// …and not after this many attempts.
const MAX_ATTEMPTS: i64 = 5;

/// What is known of an aggregator link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkResolution {
    /// It leads to this URL.
    Resolved(String),
    /// It could not be resolved lately (or in five attempts): not asked
    /// now.
    RecentlyFailed,
}

const RECORD: &str = "INSERT INTO link_resolutions (link, url, attempts, resolved_at, failed_at)
     VALUES ($1, $2, 1, CASE WHEN $2 IS NULL THEN NULL ELSE $3 END, CASE WHEN $2 IS NULL THEN $3 END)
     ON CONFLICT (link) DO UPDATE SET url = COALESCE(excluded.url, link_resolutions.url),
        attempts = link_resolutions.attempts + 1,
        resolved_at = COALESCE(excluded.resolved_at, link_resolutions.resolved_at),
        failed_at = excluded.failed_at";

/// Never asked, or failed long enough ago and not too often: links that
/// failed lately do not take the turn of the others.
const UNRESOLVED: &str = "SELECT a.id, a.aggregator_link FROM articles a
     LEFT JOIN link_resolutions r ON r.link = a.aggregator_link
     WHERE a.source_id = $1 AND a.aggregator_link IS NOT NULL AND a.link = a.aggregator_link
       AND (r.link IS NULL OR (r.url IS NULL AND r.attempts < $3 AND r.failed_at < $4))
     ORDER BY a.sort_at DESC LIMIT $2";

/// The words of the new URL replace the aggregator's in the search index,
/// so that `url:` terms find the article by its outlet's address.
const REINDEX_URL_SQLITE: &str = "UPDATE article_index SET url = $2
     WHERE rowid = (SELECT index_rowid FROM articles WHERE id = $1)";
const REINDEX_URL_POSTGRES: &str =
    "UPDATE article_index SET url = $2::tsvector WHERE article_id = $1";

const SET_OUTLET_LINK: &str = "UPDATE articles SET link = $2, url = $3 WHERE id = $1 RETURNING source_id, sort_at, cluster_id";

/// The outlet's own report of the URL, from another source, within the
/// clustering window.
const SAME_URL: &str = "SELECT id, cluster_id FROM articles
     WHERE url = $1 AND source_id <> $2 AND sort_at >= $3 AND sort_at <= $4 ORDER BY id LIMIT 1";

const RENAME_CLUSTER: &str = "UPDATE articles SET cluster_id = $2 WHERE cluster_id = $1";
const SET_CLUSTER: &str = "UPDATE articles SET cluster_id = $2 WHERE id IN ($1, $3)";

impl Store {
    /// What is known of these links.
    pub async fn link_resolutions(
        &self,
        links: &[&str],
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, LinkResolution>, StoreError> {
        let mut known = HashMap::new();
        for chunk in links.chunks(400) {
            let sql = format!(
                "SELECT link, url, failed_at, attempts FROM link_resolutions WHERE link IN ({})",
                placeholders(chunk.len(), 1)
            );
            let mut statement = Statement::built(sql);
            for link in chunk {
                statement.push(*link);
            }
            let rows = self
                .db()
                .fetch_all(statement)
                .await
                .context("reading resolved links")?;
            for row in rows {
                let failed = row.time("failed_at")?;
                let lately =
                    failed.is_some_and(|f| now - f < chrono::Duration::hours(RETRY_AFTER_HOURS));
                let given_up = row.get::<i64>("attempts")? >= MAX_ATTEMPTS;
                let resolution = match row.get::<Option<String>>("url")? {
                    Some(url) => LinkResolution::Resolved(url),
                    None if lately || given_up => LinkResolution::RecentlyFailed,
                    None => continue,
                };
                known.insert(row.text("link")?, resolution);
            }
        }
        Ok(known)
    }

    /// Records an attempt to resolve `link`: where it led, or `None`.
    pub async fn record_link_resolution(
        &self,
        link: &str,
        url: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db()
            .execute(Statement::new(RECORD).bind(link).bind(url).bind(now))
            .await
            .context("recording a resolved link")?;
        Ok(())
    }

    /// The newest `limit` stored articles of a source whose link is still
    /// the aggregator's: (article id, aggregator link).
    pub async fn unresolved_links(
        &self,
        source_id: i64,
        limit: usize,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                Statement::new(UNRESOLVED)
                    .bind(source_id)
                    .bind(limit)
                    .bind(MAX_ATTEMPTS)
                    .bind(Utc::now() - chrono::Duration::hours(RETRY_AFTER_HOURS)),
            )
            .await
            .context("reading unresolved links")?;
        rows.iter()
            .map(|r| Ok((r.get("id")?, r.text("aggregator_link")?)))
            .collect()
    }

    /// Points a stored article at the outlet's own page (`link` as found,
    /// `url` canonical), and, as clustering would have, puts it in one
    /// story with the outlet's own report of that URL: it was clustered
    /// when it still had the Google link.
    pub async fn set_outlet_link(&self, id: i64, link: &str, url: &str) -> Result<(), StoreError> {
        let what = "storing a resolved link";
        let mut tx = self.db().begin_write().await.context(what)?;
        tx.one_worker_at_a_time("veille.clusters")
            .await
            .context(what)?;
        let row = tx
            .fetch_one(
                Statement::new(SET_OUTLET_LINK)
                    .bind(id)
                    .bind(link)
                    .bind(url),
            )
            .await
            .context(what)?;
        reindex_url(&mut tx, id, url).await.context(what)?;
        let source_id: i64 = row.get("source_id")?;
        let cluster: Option<i64> = row.get("cluster_id")?;
        let sort_at = row.time("sort_at")?.unwrap_or_default();
        let window = chrono::Duration::days(crate::cluster::WINDOW_DAYS);
        let same = Statement::new(SAME_URL)
            .bind(url)
            .bind(source_id)
            .bind(sort_at - window)
            .bind(sort_at + window);
        let others = tx.fetch_all(same).await.context(what)?;
        if let (Some(other), None) = (others.first(), cluster) {
            let other_id: i64 = other.get("id")?;
            // A cluster is named after its first stored article.
            let root = match other.get::<Option<i64>>("cluster_id")? {
                Some(c) if c < id => c,
                Some(c) => {
                    tx.execute(Statement::new(RENAME_CLUSTER).bind(c).bind(id))
                        .await
                        .context(what)?;
                    id
                }
                None => other_id.min(id),
            };
            tx.execute(
                Statement::new(SET_CLUSTER)
                    .bind(id)
                    .bind(root)
                    .bind(other_id),
            )
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)
    }
}

/// Rewrites the `url` column of the article's index row.
async fn reindex_url(tx: &mut Tx, id: i64, url: &str) -> Result<(), sqlx::Error> {
    let words = crate::filter::url_index_text(url);
    let statement = match tx.dialect() {
        Dialect::Sqlite => Statement::new(REINDEX_URL_SQLITE).bind(id).bind(words),
        Dialect::Postgres => Statement::new(REINDEX_URL_POSTGRES)
            .bind(id)
            .bind(super::postgres::tsvector_literal(&words)),
    };
    tx.execute(statement).await.map(drop)
}
