//! The `sources` table: configured sources and their fetch state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::PgStore;
use crate::store::error::Context;
use crate::store::{NewSource, SourceState, StoreError};

impl PgStore {
    pub async fn sync_sources(
        &self,
        sources: &[NewSource<'_>],
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, SourceState>, StoreError> {
        let mut tx = self.pool.begin().await.context("starting source sync")?;
        // Workers starting together sync the same configuration: one at a
        // time (released at commit).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('veille.sync_sources'))")
            .execute(&mut *tx)
            .await
            .context("syncing sources")?;
        sqlx::query("UPDATE sources SET enabled = FALSE")
            .execute(&mut *tx)
            .await
            .context("syncing sources")?;
        let mut states = HashMap::new();
        for s in sources {
            let tags = serde_json::to_string(s.tags).unwrap_or_else(|_| "[]".into());
            let row = sqlx::query(
                "INSERT INTO sources (name, url, tags, language, enabled, fingerprint, created_at, kind)
                 VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)
                 ON CONFLICT (name) DO UPDATE SET
                    etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
                    last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
                    fetch_url = CASE WHEN sources.fingerprint IS NOT DISTINCT FROM excluded.fingerprint THEN sources.fetch_url END,
                    redirect_candidate = CASE WHEN sources.fingerprint IS NOT DISTINCT FROM excluded.fingerprint THEN sources.redirect_candidate END,
                    gone_at = CASE WHEN sources.fingerprint IS NOT DISTINCT FROM excluded.fingerprint THEN sources.gone_at END,
                    next_fetch_at = CASE WHEN sources.fingerprint IS NOT DISTINCT FROM excluded.fingerprint THEN sources.next_fetch_at END,
                    error_count = CASE WHEN sources.fingerprint IS NOT DISTINCT FROM excluded.fingerprint THEN sources.error_count ELSE 0 END,
                    url = excluded.url, tags = excluded.tags, fingerprint = excluded.fingerprint,
                    language = excluded.language, enabled = excluded.enabled, kind = excluded.kind
                 RETURNING id, etag, last_modified, fetch_url, redirect_candidate, gone_at, next_fetch_at, error_count",
            )
            .bind(s.name)
            .bind(s.url)
            .bind(&tags)
            .bind(s.language)
            .bind(s.enabled)
            .bind(s.fingerprint)
            .bind(now)
            .bind(s.kind)
            .fetch_one(&mut *tx)
            .await
            .context(format!("saving source {:?}", s.name))?;
            let get = |c: &str| -> Result<Option<String>, StoreError> {
                row.try_get(c).context(format!("reading sources.{c}"))
            };
            let time = |c: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
                row.try_get(c).context(format!("reading sources.{c}"))
            };
            states.insert(
                s.name.to_string(),
                SourceState {
                    id: row.try_get("id").context("reading source id")?,
                    etag: get("etag")?,
                    last_modified: get("last_modified")?,
                    fetch_url: get("fetch_url")?,
                    redirect_candidate: get("redirect_candidate")?,
                    gone: time("gone_at")?.is_some(),
                    next_fetch_at: time("next_fetch_at")?,
                    error_count: row.try_get("error_count").context("reading error_count")?,
                },
            );
        }
        tx.commit().await.context("committing source sync")?;
        Ok(states)
    }
}
