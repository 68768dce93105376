//! The `fetches` table, and the one transaction that records a fetch
//! together with the articles it brought and the source's new state.

use super::articles::upsert_articles;
use super::error::Context;
use super::search_index::{write_words, write_words_alone};
use super::sql::{Dialect, Statement, Tx};
use super::{FetchRecord, PreparedArticles, Store, StoreCounts, StoreError};

const INSERT_FETCH: &str =
    "INSERT INTO fetches (source_id, run_id, started_at, finished_at, url, http_status, bytes,
                          not_modified, items_seen, items_new, items_updated, error, malformed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// The source's state after a fetch: validators only from a success that
/// brought a body, the error count reset by a success.
const UPDATE_SOURCE: &str = "UPDATE sources SET
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
        gone_at = CASE WHEN $15 THEN COALESCE(gone_at, $2) END
     WHERE id = $1";

/// The hub and topic the feed named when last read (NULLs: none).
const UPDATE_WEBSUB: &str = "UPDATE sources SET websub_hub = $2, websub_topic = $3 WHERE id = $1";

/// The source's running totals for this fetch's outcome.
const COUNT_FETCH: &str =
    "INSERT INTO fetch_totals (source_id, outcome, fetches, items_new, items_updated)
     VALUES ($1, $2, 1, $3, $4)
     ON CONFLICT (source_id, outcome) DO UPDATE SET fetches = fetch_totals.fetches + 1,
        items_new = fetch_totals.items_new + excluded.items_new,
        items_updated = fetch_totals.items_updated + excluded.items_updated";

const INSERT_EVENT: &str =
    "INSERT INTO source_events (source_id, at, kind, detail) VALUES ($1, $2, $3, $4)";

impl Store {
    /// Stores the articles of a fetch and records the fetch, in one
    /// transaction: either all of it lands or none of it.
    pub async fn commit_fetch(
        &self,
        record: &FetchRecord,
        prepared: &PreparedArticles,
    ) -> Result<StoreCounts, StoreError> {
        let mut counts = self.commit_fetches(&[(record, prepared)]).await?;
        counts
            .pop()
            .ok_or(StoreError::Misuse("a commit without its counts"))
    }

    /// Stores several fetches (each with its articles) in one transaction,
    /// all or nothing: on SQLite, whose one writer would otherwise commit
    /// them one by one, fewer commits write fewer pages. Returns each
    /// fetch's counts, in order.
    pub async fn commit_fetches(
        &self,
        fetches: &[(&FetchRecord, &PreparedArticles)],
    ) -> Result<Vec<StoreCounts>, StoreError> {
        let names: Vec<&str> = fetches
            .iter()
            .map(|(r, _)| r.source_name.as_str())
            .collect();
        let what = format!("storing fetch of {:?}", names.join("\", \""));
        let mut words = self.known_words.unrecorded(
            fetches
                .iter()
                .flat_map(|(_, prepared)| prepared.stemmed_words()),
        );
        // Sorted and once each: concurrent PostgreSQL writers then take
        // the vocabulary's row locks in one order and never deadlock.
        words.sort_unstable();
        words.dedup();
        let mut tx = self.db().begin_write().await.context(what.clone())?;
        let mut all_counts = Vec::with_capacity(fetches.len());
        for (record, prepared) in fetches {
            all_counts.push(store_one_fetch(&mut tx, record, prepared).await?);
        }
        let vocabulary_in_transaction = tx.dialect() == Dialect::Sqlite;
        if vocabulary_in_transaction {
            write_words(&mut tx, &words).await?;
        }
        tx.commit().await.context(what)?;
        if !vocabulary_in_transaction {
            self.write_words_alone(&words).await?;
        }
        self.known_words.remember(&words);
        Ok(all_counts)
    }

    /// Writes the vocabulary after the articles' commit, in its own short
    /// statements: on PostgreSQL workers storing at once insert many of
    /// the same words, and inside the article transaction each would wait
    /// for the others' commits. A word missing after a crash only narrows
    /// a `prefix*` expansion until the word is seen again.
    async fn write_words_alone(&self, words: &[(&str, &str)]) -> Result<(), StoreError> {
        write_words_alone(self.db(), words).await
    }
}

/// One fetch's articles, its row, the source's new state and its events,
/// inside the caller's transaction.
async fn store_one_fetch(
    tx: &mut Tx,
    record: &FetchRecord,
    prepared: &PreparedArticles,
) -> Result<StoreCounts, StoreError> {
    let articles = prepared.articles();
    let (new, updated) = upsert_articles(
        tx,
        record.source_id,
        &record.source_name,
        articles,
        &prepared.rows(),
        record.finished_at,
    )
    .await?;
    let counts = StoreCounts {
        seen: record.items_seen.max(articles.len() as u64),
        new,
        updated,
    };
    record_fetch(tx, record, &counts)
        .await
        .context(format!("storing fetch of {:?}", record.source_name))?;
    if let Some(websub) = &record.websub {
        let statement = Statement::new(UPDATE_WEBSUB)
            .bind(record.source_id)
            .bind(websub.as_ref().map(|w| w.hub.as_str()))
            .bind(websub.as_ref().map(|w| w.topic.as_str()));
        tx.execute(statement)
            .await
            .context(format!("storing fetch of {:?}", record.source_name))?;
    }
    Ok(counts)
}

/// The fetch's row, the source's new state and its events.
async fn record_fetch(
    tx: &mut Tx,
    record: &FetchRecord,
    counts: &StoreCounts,
) -> Result<(), sqlx::Error> {
    tx.execute(
        Statement::new(INSERT_FETCH)
            .bind(record.source_id)
            .bind(record.run_id)
            .bind(record.started_at)
            .bind(record.finished_at)
            .bind(&record.url)
            .bind(record.http_status)
            .bind(record.bytes)
            .bind(record.not_modified)
            .bind(counts.seen)
            .bind(counts.new)
            .bind(counts.updated)
            .bind(record.error.as_deref())
            .bind(record.malformed.as_deref()),
    )
    .await?;
    let u = &record.update;
    tx.execute(
        Statement::new(UPDATE_SOURCE)
            .bind(record.source_id)
            .bind(record.finished_at)
            .bind(record.error.is_none())
            .bind(record.error.as_deref())
            .bind(record.not_modified)
            .bind(record.etag.as_deref())
            .bind(record.last_modified.as_deref())
            .bind(record.feed_title.as_deref())
            .bind(record.site_url.as_deref())
            .bind(record.http_status)
            .bind(u.next_fetch_at)
            .bind(u.interval_secs)
            .bind(u.fetch_url.as_deref())
            .bind(u.redirect_candidate.as_deref())
            .bind(u.gone),
    )
    .await?;
    tx.execute(
        Statement::new(COUNT_FETCH)
            .bind(record.source_id)
            .bind(record.outcome())
            .bind(counts.new)
            .bind(counts.updated),
    )
    .await?;
    super::leases::release_lease(tx, record.source_id).await?;
    for event in &record.events {
        tx.execute(
            Statement::new(INSERT_EVENT)
                .bind(record.source_id)
                .bind(record.finished_at)
                .bind(event.kind)
                .bind(&event.detail),
        )
        .await?;
    }
    Ok(())
}
