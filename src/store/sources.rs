//! The `sources` table: configured sources and their fetch state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Json, Row, Statement};
use super::{NewSource, SourceState, Store, StoreError};

/// Inserts or updates one configured source. A changed entry (its
/// fingerprint) forgets the redirect, gone and backoff state of the old
/// one; a changed URL forgets the validators.
const UPSERT_SOURCE: &str = "INSERT INTO sources (name, url, tags, language, enabled, fingerprint, created_at, kind)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
     RETURNING id, etag, last_modified, fetch_url, redirect_candidate, gone_at, next_fetch_at, error_count";

impl Store {
    /// Makes the `sources` table match the configuration: inserts new names,
    /// updates changed ones, marks names no longer configured as disabled
    /// (their articles stay). Returns each configured source's state by
    /// name.
    pub async fn sync_sources(
        &self,
        sources: &[NewSource<'_>],
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, SourceState>, StoreError> {
        let mut tx = self
            .db()
            .begin_write()
            .await
            .context("starting source sync")?;
        // Workers starting together sync the same configuration.
        tx.one_worker_at_a_time("veille.sync_sources")
            .await
            .context("syncing sources")?;
        tx.execute(Statement::new("UPDATE sources SET enabled = FALSE"))
            .await
            .context("syncing sources")?;
        let mut states = HashMap::new();
        for s in sources {
            let tags = serde_json::to_string(s.tags).unwrap_or_else(|_| "[]".into());
            let statement = Statement::new(UPSERT_SOURCE)
                .bind(s.name)
                .bind(s.url)
                .bind(Json(tags.into()))
                .bind(s.language)
                .bind(s.enabled)
                .bind(s.fingerprint)
                .bind(now)
                .bind(s.kind);
            let row = tx
                .fetch_one(statement)
                .await
                .context(format!("saving source {:?}", s.name))?;
            states.insert(s.name.to_string(), source_state(&row)?);
        }
        tx.commit().await.context("committing source sync")?;
        Ok(states)
    }
}

/// A row of `sources` as the fetch state a run needs.
pub(super) fn source_state(row: &Row) -> Result<SourceState, StoreError> {
    Ok(SourceState {
        id: row.get("id")?,
        etag: row.get("etag")?,
        last_modified: row.get("last_modified")?,
        fetch_url: row.get("fetch_url")?,
        redirect_candidate: row.get("redirect_candidate")?,
        gone: row.time("gone_at")?.is_some(),
        next_fetch_at: row.time("next_fetch_at")?,
        error_count: row.get("error_count")?,
    })
}
