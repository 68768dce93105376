//! Aggregator links resolved online (`link_resolutions`), so that each
//! Google News link is asked about once; and the stored articles whose
//! link is still the aggregator's, for a later run to resolve.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Statement, placeholders};
use super::{Store, StoreError};

/// A link whose resolution failed is asked again after this long.
const RETRY_AFTER_HOURS: i64 = 24;

/// What is known of an aggregator link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkResolution {
    /// It leads to this URL.
    Resolved(String),
    /// It could not be resolved lately: not asked again yet.
    RecentlyFailed,
}

const RECORD: &str = "INSERT INTO link_resolutions (link, url, attempts, resolved_at, failed_at)
     VALUES ($1, $2, 1, CASE WHEN $2 IS NULL THEN NULL ELSE $3 END, CASE WHEN $2 IS NULL THEN $3 END)
     ON CONFLICT (link) DO UPDATE SET url = COALESCE(excluded.url, link_resolutions.url),
        attempts = link_resolutions.attempts + 1,
        resolved_at = COALESCE(excluded.resolved_at, link_resolutions.resolved_at),
        failed_at = excluded.failed_at";

const UNRESOLVED: &str = "SELECT id, aggregator_link FROM articles
     WHERE source_id = $1 AND aggregator_link IS NOT NULL AND link = aggregator_link
     ORDER BY sort_at DESC LIMIT $2";

const SET_OUTLET_LINK: &str = "UPDATE articles SET link = $2, url = $3 WHERE id = $1";

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
                "SELECT link, url, failed_at FROM link_resolutions WHERE link IN ({})",
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
                let resolution = match row.get::<Option<String>>("url")? {
                    Some(url) => LinkResolution::Resolved(url),
                    None if failed
                        .is_some_and(|f| now - f < chrono::Duration::hours(RETRY_AFTER_HOURS)) =>
                    {
                        LinkResolution::RecentlyFailed
                    }
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
            .fetch_all(Statement::new(UNRESOLVED).bind(source_id).bind(limit))
            .await
            .context("reading unresolved links")?;
        rows.iter()
            .map(|r| Ok((r.get("id")?, r.text("aggregator_link")?)))
            .collect()
    }

    /// Points a stored article at the outlet's own page: `link` as found,
    /// `url` canonical.
    pub async fn set_outlet_link(&self, id: i64, link: &str, url: &str) -> Result<(), StoreError> {
        self.db()
            .execute(
                Statement::new(SET_OUTLET_LINK)
                    .bind(id)
                    .bind(link)
                    .bind(url),
            )
            .await
            .context("storing a resolved link")?;
        Ok(())
    }
}
