//! The `sources` table: configured sources and their fetch state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::error::Context;
use super::{Store, StoreError, ts};

/// A source as the configuration describes it.
#[derive(Debug, Clone)]
pub struct NewSource<'a> {
    /// Unique name (the key).
    pub name: &'a str,
    /// Configured URL.
    pub url: &'a str,
    /// Tags.
    pub tags: &'a [String],
    /// Configured language.
    pub language: Option<&'a str>,
    /// Whether it is fetched.
    pub enabled: bool,
}

/// What the fetcher needs to remember about a source between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    /// Row id.
    pub id: i64,
    /// Last `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// Last `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

impl Store {
    /// Makes the `sources` table match the configuration: inserts new names,
    /// updates changed ones, marks names no longer configured as disabled
    /// (their articles stay). Returns each configured source's state by name.
    pub async fn sync_sources(
        &self,
        sources: &[NewSource<'_>],
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, SourceState>, StoreError> {
        let mut tx = self.pool.begin().await.context("starting source sync")?;
        sqlx::query("UPDATE sources SET enabled = 0")
            .execute(&mut *tx)
            .await
            .context("syncing sources")?;
        let mut states = HashMap::new();
        for s in sources {
            let tags = serde_json::to_string(s.tags).unwrap_or_else(|_| "[]".into());
            // A changed URL invalidates the validators of the old one.
            let row = sqlx::query(
                "INSERT INTO sources (name, url, tags, language, enabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(name) DO UPDATE SET
                    etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
                    last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
                    url = excluded.url, tags = excluded.tags,
                    language = excluded.language, enabled = excluded.enabled
                 RETURNING id, etag, last_modified",
            )
            .bind(s.name)
            .bind(s.url)
            .bind(&tags)
            .bind(s.language)
            .bind(s.enabled)
            .bind(ts(now))
            .fetch_one(&mut *tx)
            .await
            .context(format!("saving source {:?}", s.name))?;
            states.insert(
                s.name.to_string(),
                SourceState {
                    id: row.try_get("id").context("reading source id")?,
                    etag: row.try_get("etag").context("reading source etag")?,
                    last_modified: row
                        .try_get("last_modified")
                        .context("reading source last_modified")?,
                },
            );
        }
        tx.commit().await.context("committing source sync")?;
        Ok(states)
    }
}
