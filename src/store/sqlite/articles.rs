//! The `articles` table: upserts keyed on (source, identity key), and the
//! newest-first reading the publisher pages through.

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction, sqlite::SqliteRow};

use std::collections::HashMap;

use super::SqliteStore;
use super::search_index::write_index;
use crate::filter::IndexRow;
use crate::model::{Article, Enclosure, StoredArticle, article_uid};
use crate::store::error::Context;
use crate::store::{FUTURE_TOLERANCE_MINUTES, StoreError, parse_ts, sort_time, ts};

/// Rows per multi-row `INSERT` (21 parameters each, well under SQLite's
/// limit of 32,766).
const ROWS_PER_STATEMENT: usize = 400;

/// Inserts new articles and revises known ones, a whole feed per
/// statement: the conflict clause only fires when the content hash
/// differs, and the returned `revisions` tells an insert (0) from a
/// revision. Returns (inserted, revised).
pub(super) async fn upsert_articles(
    tx: &mut Transaction<'_, Sqlite>,
    source_id: i64,
    source_name: &str,
    articles: &[Article],
    index_rows: &HashMap<&str, &IndexRow>,
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let (mut inserted, mut revised) = (0, 0);
    let now_text = ts(now);
    for chunk in articles.chunks(ROWS_PER_STATEMENT) {
        // The last value is the row's next index rowid: above every rowid
        // in use, whether SQLite evaluates the subquery once or per row.
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                    (SELECT coalesce(max(index_rowid), 0) FROM articles) + ?)";
        let sql = format!(
            "INSERT INTO articles (source_id, dedup_key, guid, url, link, title, author, summary, content,
                content_text, published_at, updated_at, language, categories, enclosures, content_hash,
                sort_at, first_seen_at, last_changed_at, uid, story_terms, index_rowid)
             VALUES {}
             ON CONFLICT (source_id, dedup_key) DO UPDATE SET
                guid = excluded.guid, url = excluded.url, link = excluded.link, title = excluded.title,
                author = excluded.author, summary = excluded.summary, content = excluded.content,
                content_text = excluded.content_text, published_at = excluded.published_at,
                updated_at = excluded.updated_at, language = excluded.language,
                categories = excluded.categories, enclosures = excluded.enclosures,
                content_hash = excluded.content_hash, story_terms = excluded.story_terms,
                sort_at = CASE
                    WHEN excluded.published_at IS NOT NULL
                     AND excluded.published_at <= strftime('%Y-%m-%dT%H:%M:%SZ', excluded.last_changed_at, '+{FUTURE_TOLERANCE_MINUTES} minutes')
                    THEN excluded.published_at ELSE articles.first_seen_at END,
                last_changed_at = excluded.last_changed_at, revisions = articles.revisions + 1,
                index_rowid = excluded.index_rowid
             WHERE articles.content_hash != excluded.content_hash
             RETURNING dedup_key, revisions, index_rowid",
            vec![row; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (k, a) in chunk.iter().enumerate() {
            // The published date orders the article unless it is missing or
            // in the future; then the first-seen time does.
            let sort_at = ts(sort_time(a.published_at, now));
            query = query
                .bind(source_id)
                .bind(a.dedup_key.clone())
                .bind(a.guid.clone())
                .bind(a.url.clone())
                .bind(a.link.clone())
                .bind(a.title.clone())
                .bind(a.author.clone())
                .bind(a.summary.clone())
                .bind(a.content.clone())
                .bind(a.content_text.clone())
                .bind(a.published_at.map(ts))
                .bind(a.updated_at.map(ts))
                .bind(a.language.clone())
                .bind(serde_json::to_string(&a.categories).unwrap_or_else(|_| "[]".into()))
                .bind(serde_json::to_string(&a.enclosures).unwrap_or_else(|_| "[]".into()))
                .bind(a.content_hash.clone())
                .bind(sort_at)
                .bind(now_text.clone())
                .bind(now_text.clone())
                .bind(article_uid(source_name, &a.dedup_key))
                .bind(a.story_terms.as_ref().map(|t| t.join(" ")))
                .bind(k as i64 + 1);
        }
        let rows = query
            .fetch_all(&mut **tx)
            .await
            .context(format!("saving articles of {source_name:?}"))?;
        // Rows come back only for inserted or revised articles: exactly the
        // ones whose index row must be written (a trigger dropped the old
        // row of a revised one).
        let mut indexed = Vec::with_capacity(rows.len());
        for r in rows {
            let rowid: i64 = r.try_get("index_rowid").context("reading index_rowid")?;
            let key: String = r.try_get("dedup_key").context("reading dedup_key")?;
            if let Some(row) = index_rows.get(key.as_str()) {
                indexed.push((rowid, *row));
            }
            if r.try_get::<i64, _>("revisions")
                .context("reading revisions")?
                > 0
            {
                revised += 1;
                continue;
            }
            inserted += 1;
        }
        write_index(tx, &indexed).await?;
    }
    Ok((inserted, revised))
}

/// The article columns (with the source's name, URL and tags) every
/// read of whole articles selects; `a` is `articles`, `s` is `sources`.
pub(super) const SELECT_ARTICLES: &str = "
    SELECT a.id, a.uid, a.dedup_key, a.guid, a.url, a.link, a.title, a.author, a.summary, a.content,
           a.content_text, a.published_at, a.updated_at, a.first_seen_at, a.sort_at, a.language,
           a.categories, a.enclosures, a.content_hash, a.cluster_id, a.story_terms,
           s.name AS source_name, s.url AS source_url, s.tags AS source_tags
    FROM articles a JOIN sources s ON s.id = a.source_id ";

/// Keys per `IN (…)` query, well under SQLite's parameter limit.
const KEYS_PER_QUERY: usize = 400;

impl SqliteStore {
    /// The content hashes already stored for these identity keys of a
    /// source, so that unchanged items can skip normalisation.
    pub async fn known_hashes(
        &self,
        source_id: i64,
        keys: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut known = std::collections::HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(KEYS_PER_QUERY) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT dedup_key, content_hash FROM articles WHERE source_id = ? AND dedup_key IN ({placeholders})"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(source_id);
            for key in chunk {
                query = query.bind(*key);
            }
            for row in query
                .fetch_all(&self.pool)
                .await
                .context("looking up known articles")?
            {
                known.insert(
                    row.try_get("dedup_key").context("reading dedup_key")?,
                    row.try_get("content_hash")
                        .context("reading content_hash")?,
                );
            }
        }
        Ok(known)
    }
}

pub(super) fn stored_article(row: &SqliteRow) -> Result<StoredArticle, StoreError> {
    let get_s = |c: &str| -> Result<Option<String>, StoreError> {
        row.try_get(c).context(format!("reading {c}"))
    };
    let json_list = |c: &str| -> Result<Vec<String>, StoreError> {
        Ok(get_s(c)?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    };
    let enclosures: Vec<Enclosure> = get_s("enclosures")?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let first_seen_at = parse_ts(get_s("first_seen_at")?).unwrap_or_default();
    Ok(StoredArticle {
        id: row.try_get("id").context("reading id")?,
        uid: get_s("uid")?.unwrap_or_default(),
        source_name: get_s("source_name")?.unwrap_or_default(),
        source_url: get_s("source_url")?.unwrap_or_default(),
        source_tags: json_list("source_tags")?,
        first_seen_at,
        sort_at: parse_ts(get_s("sort_at")?).unwrap_or(first_seen_at),
        cluster_id: row.try_get("cluster_id").context("reading cluster_id")?,
        article: Article {
            dedup_key: get_s("dedup_key")?.unwrap_or_default(),
            guid: get_s("guid")?,
            url: get_s("url")?,
            link: get_s("link")?,
            title: get_s("title")?.unwrap_or_default(),
            author: get_s("author")?,
            summary: get_s("summary")?,
            content: get_s("content")?,
            content_text: get_s("content_text")?.unwrap_or_default(),
            published_at: parse_ts(get_s("published_at")?),
            updated_at: parse_ts(get_s("updated_at")?),
            language: get_s("language")?,
            categories: json_list("categories")?,
            enclosures,
            content_hash: get_s("content_hash")?.unwrap_or_default(),
            story_terms: get_s("story_terms")?.map(|t| t.split(' ').map(str::to_string).collect()),
        },
    })
}
