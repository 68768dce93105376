//! The `fetches` table, and the one transaction that records a fetch
//! together with the articles it brought.

use super::articles::upsert_articles;
use super::search_index::write_words;
use super::{PgStore, whole_seconds};
use crate::store::error::Context;
use crate::store::{FetchRecord, PreparedArticles, StoreCounts, StoreError};

impl PgStore {
    pub async fn commit_fetch(
        &self,
        record: &FetchRecord,
        prepared: &PreparedArticles,
    ) -> Result<StoreCounts, StoreError> {
        let what = format!("storing fetch of {:?}", record.source_name);
        let articles = prepared.articles();
        let index_rows = prepared.rows();
        let words = self.known_words.unrecorded(prepared.stemmed_words());
        let mut tx = self.pool.begin().await.context(what.clone())?;
        let mut counts = StoreCounts {
            seen: record.items_seen.max(articles.len() as u64),
            ..StoreCounts::default()
        };
        let finished_at = whole_seconds(record.finished_at);
        let (new, updated) = upsert_articles(
            &mut tx,
            record.source_id,
            &record.source_name,
            articles,
            &index_rows,
            finished_at,
        )
        .await?;
        counts.new = new;
        counts.updated = updated;
        sqlx::query(
            "INSERT INTO fetches (source_id, run_id, started_at, finished_at, url, http_status, bytes,
                                  not_modified, items_seen, items_new, items_updated, error, malformed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(record.source_id)
        .bind(record.run_id)
        .bind(whole_seconds(record.started_at))
        .bind(finished_at)
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
                last_fetched_at = $2,
                last_success_at = CASE WHEN $3 THEN $2 ELSE last_success_at END,
                last_error = $4,
                error_count = CASE WHEN $3 THEN 0 ELSE error_count + 1 END,
                etag = CASE WHEN $3 AND NOT $5 THEN $6 ELSE etag END,
                last_modified = CASE WHEN $3 AND NOT $5 THEN $7 ELSE last_modified END,
                title = COALESCE($8, title),
                site_url = COALESCE($9, site_url),
                last_status = $10,
                next_fetch_at = $11,
                interval_secs = $12,
                fetch_url = $13,
                redirect_candidate = $14,
                gone_at = CASE WHEN $15 THEN COALESCE(gone_at, $2) END,
                leased_by = NULL,
                lease_until = NULL
             WHERE id = $1",
        )
        .bind(record.source_id)
        .bind(finished_at)
        .bind(success)
        .bind(record.error.as_deref())
        .bind(record.not_modified)
        .bind(record.etag.as_deref())
        .bind(record.last_modified.as_deref())
        .bind(record.feed_title.as_deref())
        .bind(record.site_url.as_deref())
        .bind(record.http_status.map(i64::from))
        .bind(u.next_fetch_at.map(whole_seconds))
        .bind(u.interval_secs)
        .bind(u.fetch_url.as_deref())
        .bind(u.redirect_candidate.as_deref())
        .bind(u.gone)
        .execute(&mut *tx)
        .await
        .context(what.clone())?;
        for event in &record.events {
            sqlx::query(
                "INSERT INTO source_events (source_id, at, kind, detail) VALUES ($1, $2, $3, $4)",
            )
            .bind(record.source_id)
            .bind(finished_at)
            .bind(event.kind)
            .bind(&event.detail)
            .execute(&mut *tx)
            .await
            .context(what.clone())?;
        }
        tx.commit().await.context(what)?;
        // The vocabulary is written after the commit, in its own short
        // statements: workers storing at once insert many of the same
        // words, and inside the article transaction each would wait for
        // the others' commits. A word missing after a crash only narrows
        // a `prefix*` expansion until the word is seen again.
        if !words.is_empty() {
            let mut connection = self
                .pool
                .acquire()
                .await
                .context("writing the search vocabulary")?;
            write_words(&mut connection, &words).await?;
        }
        self.known_words.remember(&words);
        Ok(counts)
    }
}
