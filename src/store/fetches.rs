//! The `fetches` table, and the one transaction that records a fetch
//! together with the articles it brought.

use chrono::{DateTime, Utc};

use super::articles::{StoreCounts, upsert_articles};
use super::error::Context;
use super::search_index::{PreparedArticles, write_words};
use super::sources::{SourceEvent, SourceUpdate};
use super::{Store, StoreError, ts};

/// What happened when one source was fetched.
#[derive(Debug, Clone)]
pub struct FetchRecord {
    /// The source.
    pub source_id: i64,
    /// Name of the source (for the stable article id).
    pub source_name: String,
    /// The run this fetch belongs to.
    pub run_id: Option<i64>,
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// When the response was fully processed.
    pub finished_at: DateTime<Utc>,
    /// URL requested.
    pub url: String,
    /// HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// Body size in bytes.
    pub bytes: u64,
    /// The server answered 304 Not Modified.
    pub not_modified: bool,
    /// Items in the feed (stored unchanged ones included).
    pub items_seen: u64,
    /// `None` on success; the one-line reason otherwise.
    pub error: Option<String>,
    /// Why the feed was not well-formed, when it was read anyway.
    pub malformed: Option<String>,
    /// New `ETag` to remember (only on success).
    pub etag: Option<String>,
    /// New `Last-Modified` to remember (only on success).
    pub last_modified: Option<String>,
    /// The feed's own title and home link, when parsed.
    pub feed_title: Option<String>,
    /// The feed's home page.
    pub site_url: Option<String>,
    /// The source's scheduling and redirect state after this fetch.
    pub update: SourceUpdate,
    /// Health events this fetch caused.
    pub events: Vec<SourceEvent>,
}

impl FetchRecord {
    /// A successful fetch (HTTP 200) of `url` for a source, finished at
    /// `at`, with nothing else to report: the base that importers, tools
    /// and tests fill in.
    pub fn succeeded(
        source_id: i64,
        source_name: impl Into<String>,
        url: impl Into<String>,
        at: DateTime<Utc>,
    ) -> FetchRecord {
        FetchRecord {
            source_id,
            source_name: source_name.into(),
            run_id: None,
            started_at: at,
            finished_at: at,
            url: url.into(),
            http_status: Some(200),
            bytes: 0,
            not_modified: false,
            items_seen: 0,
            error: None,
            malformed: None,
            etag: None,
            last_modified: None,
            feed_title: None,
            site_url: None,
            update: SourceUpdate::default(),
            events: Vec::new(),
        }
    }
}

impl Store {
    /// Stores `articles` for a source and records the fetch, in one
    /// transaction: either all of it lands or none of it.
    pub async fn commit_fetch(
        &self,
        record: &FetchRecord,
        prepared: &PreparedArticles,
    ) -> Result<StoreCounts, StoreError> {
        let what = format!("storing fetch of {:?}", record.source_name);
        let articles = prepared.articles();
        let index_rows = prepared.rows();
        let words = self.unrecorded_words(prepared.stemmed_words());
        // IMMEDIATE: take the write lock now (waiting for it under the busy
        // timeout), not halfway through, when another writer may have
        // committed since this transaction first read.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .context(what.clone())?;
        let mut counts = StoreCounts {
            seen: record.items_seen.max(articles.len() as u64),
            ..StoreCounts::default()
        };
        let (new, updated) = upsert_articles(
            &mut tx,
            record.source_id,
            &record.source_name,
            articles,
            &index_rows,
            record.finished_at,
        )
        .await?;
        counts.new = new;
        counts.updated = updated;
        write_words(&mut tx, &words).await?;
        sqlx::query(
            "INSERT INTO fetches (source_id, run_id, started_at, finished_at, url, http_status, bytes,
                                  not_modified, items_seen, items_new, items_updated, error, malformed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .bind(record.source_id)
        .bind(record.run_id)
        .bind(ts(record.started_at))
        .bind(ts(record.finished_at))
        .bind(&record.url)
        .bind(record.http_status.map(i64::from))
        .bind(record.bytes as i64)
        .bind(record.not_modified)
        .bind(counts.seen as i64)
        .bind(counts.new as i64)
        .bind(counts.updated as i64)
        .bind(record.error.as_deref())
        .bind(record.malformed.as_deref())
        .execute(&mut *tx)
        .await
        .context(what.clone())?;
        let success = record.error.is_none();
        let u = &record.update;
        sqlx::query(
            "UPDATE sources SET
                last_fetched_at = ?2,
                last_success_at = CASE WHEN ?3 THEN ?2 ELSE last_success_at END,
                last_error = ?4,
                error_count = CASE WHEN ?3 THEN 0 ELSE error_count + 1 END,
                etag = CASE WHEN ?3 AND NOT ?5 THEN ?6 ELSE etag END,
                last_modified = CASE WHEN ?3 AND NOT ?5 THEN ?7 ELSE last_modified END,
                title = COALESCE(?8, title),
                site_url = COALESCE(?9, site_url),
                last_status = ?10,
                next_fetch_at = ?11,
                interval_secs = ?12,
                fetch_url = ?13,
                redirect_candidate = ?14,
                gone_at = CASE WHEN ?15 THEN COALESCE(gone_at, ?2) END
             WHERE id = ?1",
        )
        .bind(record.source_id)
        .bind(ts(record.finished_at))
        .bind(success)
        .bind(record.error.as_deref())
        .bind(record.not_modified)
        .bind(record.etag.as_deref())
        .bind(record.last_modified.as_deref())
        .bind(record.feed_title.as_deref())
        .bind(record.site_url.as_deref())
        .bind(record.http_status.map(i64::from))
        .bind(u.next_fetch_at.map(ts))
        .bind(u.interval_secs)
        .bind(u.fetch_url.as_deref())
        .bind(u.redirect_candidate.as_deref())
        .bind(u.gone)
        .execute(&mut *tx)
        .await
        .context(what.clone())?;
        for event in &record.events {
            sqlx::query(
                "INSERT INTO source_events (source_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(record.source_id)
            .bind(ts(record.finished_at))
            .bind(event.kind)
            .bind(&event.detail)
            .execute(&mut *tx)
            .await
            .context(what.clone())?;
        }
        tx.commit().await.context(what)?;
        self.remember_words(&words);
        Ok(counts)
    }
}
