//! The `articles` table: upserts keyed on (source, identity key), and the
//! reading of whole articles.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

use super::search_index::write_index;
use super::{PgStore, whole_seconds};
use crate::filter::IndexRow;
use crate::model::{Article, Enclosure, StoredArticle, article_uid};
use crate::store::error::Context;
use crate::store::{FUTURE_TOLERANCE_MINUTES, StoreError, sort_time};

/// Rows per multi-row `INSERT` (21 parameters each, under PostgreSQL's
/// limit of 65,535).
const ROWS_PER_STATEMENT: usize = 400;

/// Columns written per article.
const COLUMNS: usize = 21;

/// Inserts new articles and revises known ones, a whole feed per
/// statement: the conflict clause only fires when the content hash
/// differs, and the returned `revisions` tells an insert (0) from a
/// revision. Writes the index rows of both. Returns (inserted, revised).
pub(super) async fn upsert_articles(
    tx: &mut Transaction<'_, Postgres>,
    source_id: i64,
    source_name: &str,
    articles: &[Article],
    index_rows: &HashMap<&str, &IndexRow>,
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let (mut inserted, mut revised) = (0, 0);
    let now = whole_seconds(now);
    for chunk in articles.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p: Vec<String> = (1..=COLUMNS)
                    .map(|c| match c {
                        // categories and enclosures are JSON text
                        14 | 15 => format!("${}::jsonb", k * COLUMNS + c),
                        _ => format!("${}", k * COLUMNS + c),
                    })
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO articles AS a (source_id, dedup_key, guid, url, link, title, author, summary, content,
                content_text, published_at, updated_at, language, categories, enclosures, content_hash,
                sort_at, first_seen_at, last_changed_at, uid, story_terms)
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
                     AND excluded.published_at <= excluded.last_changed_at + interval '{FUTURE_TOLERANCE_MINUTES} minutes'
                    THEN excluded.published_at ELSE a.first_seen_at END,
                last_changed_at = excluded.last_changed_at, revisions = a.revisions + 1
             WHERE a.content_hash <> excluded.content_hash
             RETURNING id, dedup_key, revisions",
            rows.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            // The published date orders the article unless it is missing or
            // in the future; then the first-seen time does.
            let sort_at = whole_seconds(sort_time(a.published_at, now));
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
                .bind(a.published_at.map(whole_seconds))
                .bind(a.updated_at.map(whole_seconds))
                .bind(a.language.clone())
                .bind(serde_json::to_string(&a.categories).unwrap_or_else(|_| "[]".into()))
                .bind(serde_json::to_string(&a.enclosures).unwrap_or_else(|_| "[]".into()))
                .bind(a.content_hash.clone())
                .bind(sort_at)
                .bind(now)
                .bind(now)
                .bind(article_uid(source_name, &a.dedup_key))
                .bind(a.story_terms.as_ref().map(|t| t.join(" ")));
        }
        let rows = query
            .fetch_all(&mut **tx)
            .await
            .context(format!("saving articles of {source_name:?}"))?;
        // Rows come back only for inserted or revised articles: exactly the
        // ones whose index row must be written.
        let mut indexed = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id").context("reading id")?;
            let key: String = r.try_get("dedup_key").context("reading dedup_key")?;
            if let Some(row) = index_rows.get(key.as_str()) {
                indexed.push((id, *row));
            }
            if r.try_get::<i64, _>("revisions")
                .context("reading revisions")?
                > 0
            {
                revised += 1;
            } else {
                inserted += 1;
            }
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
           a.categories::text AS categories, a.enclosures::text AS enclosures, a.content_hash,
           a.cluster_id, a.story_terms,
           s.name AS source_name, s.url AS source_url, s.tags::text AS source_tags
    FROM articles a JOIN sources s ON s.id = a.source_id ";

impl PgStore {
    pub async fn known_hashes(
        &self,
        source_id: i64,
        keys: &[&str],
    ) -> Result<HashMap<String, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT dedup_key, content_hash FROM articles
             WHERE source_id = $1 AND dedup_key = ANY($2::text[])",
        )
        .bind(source_id)
        .bind(keys)
        .fetch_all(&self.pool)
        .await
        .context("looking up known articles")?;
        let mut known = HashMap::with_capacity(rows.len());
        for row in rows {
            known.insert(
                row.try_get("dedup_key").context("reading dedup_key")?,
                row.try_get("content_hash")
                    .context("reading content_hash")?,
            );
        }
        Ok(known)
    }

    pub async fn articles_by_id(&self, ids: &[i64]) -> Result<Vec<StoredArticle>, StoreError> {
        let sql = format!("{SELECT_ARTICLES} WHERE a.id = ANY($1::bigint[])");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .context("reading articles")?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let article = stored_article(row)?;
            found.insert(article.id, article);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

pub(super) fn stored_article(row: &PgRow) -> Result<StoredArticle, StoreError> {
    let get_s = |c: &str| -> Result<Option<String>, StoreError> {
        row.try_get(c).context(format!("reading {c}"))
    };
    let get_t = |c: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
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
    let first_seen_at = get_t("first_seen_at")?.unwrap_or_default();
    Ok(StoredArticle {
        id: row.try_get("id").context("reading id")?,
        uid: get_s("uid")?.unwrap_or_default(),
        source_name: get_s("source_name")?.unwrap_or_default(),
        source_url: get_s("source_url")?.unwrap_or_default(),
        source_tags: json_list("source_tags")?,
        first_seen_at,
        sort_at: get_t("sort_at")?.unwrap_or(first_seen_at),
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
            published_at: get_t("published_at")?,
            updated_at: get_t("updated_at")?,
            language: get_s("language")?,
            categories: json_list("categories")?,
            enclosures,
            content_hash: get_s("content_hash")?.unwrap_or_default(),
            story_terms: get_s("story_terms")?.map(|t| t.split(' ').map(str::to_string).collect()),
        },
    })
}
