//! The `articles` table: upserts keyed on (source, identity key), the
//! known content hashes that let unchanged items skip normalisation, and
//! the one mapper from a row to a [`StoredArticle`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Db, Dialect, Json, Row, Statement, Tx, placeholders};
use super::{FUTURE_TOLERANCE_MINUTES, StoreError, sort_time};
use crate::filter::IndexRow;
use crate::model::{Article, StoredArticle, article_uid};

/// Rows per multi-row `INSERT` (25 parameters each, well under SQLite's
/// limit of 32,766 and PostgreSQL's of 65,535).
const ROWS_PER_STATEMENT: usize = 400;

/// Parameters per article row.
const COLUMNS: usize = 24;

/// Keys per `IN (…)` lookup, well under both parameter limits.
const KEYS_PER_QUERY: usize = 400;

/// The article columns (with the source's name, URL and tags) every
/// read of whole articles selects; `a` is `articles`, `s` is `sources`.
pub(crate) const SELECT_ARTICLES: &str = "
    SELECT a.id, a.uid, a.dedup_key, a.guid, a.url, a.link, a.title, a.author, a.summary, a.content,
           a.content_text, a.published_at, a.updated_at, a.first_seen_at, a.sort_at, a.language,
           CAST(a.categories AS TEXT) AS categories, CAST(a.enclosures AS TEXT) AS enclosures,
           a.content_hash, a.cluster_id, a.story_terms, a.outlet, a.outlet_url, a.aggregator_link,
           s.name AS source_name, s.url AS source_url, CAST(s.tags AS TEXT) AS source_tags
    FROM articles a JOIN sources s ON s.id = a.source_id ";

/// An article stored or revised by an upsert, with the key its index row
/// is written under.
pub(super) struct Upserted {
    pub index_key: i64,
    pub dedup_key: String,
    pub revised: bool,
}

/// Inserts new articles and revises known ones, a whole feed in a few
/// statements: the conflict clause only fires when the content hash
/// differs, and the returned `revisions` tells an insert (0) from a
/// revision. Writes the index rows of both. Returns (inserted, revised).
pub(super) async fn upsert_articles(
    tx: &mut Tx,
    source_id: i64,
    source_name: &str,
    articles: &[Article],
    index_rows: &HashMap<&str, &IndexRow>,
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let (mut inserted, mut revised) = (0, 0);
    for chunk in articles.chunks(ROWS_PER_STATEMENT) {
        let statement = upsert_statement(tx.dialect(), source_id, source_name, chunk, now);
        let rows = tx
            .fetch_all(statement)
            .await
            .context(format!("saving articles of {source_name:?}"))?;
        // Rows come back only for inserted or revised articles: exactly the
        // ones whose index row must be written.
        let mut indexed = Vec::with_capacity(rows.len());
        for row in rows.iter().map(upserted) {
            let row = row?;
            if let Some(index_row) = index_rows.get(row.dedup_key.as_str()) {
                indexed.push((row.index_key, *index_row));
            }
            if row.revised {
                revised += 1;
            } else {
                inserted += 1;
            }
        }
        super::search_index::write_index(tx, &indexed).await?;
    }
    Ok((inserted, revised))
}

/// The multi-row upsert of `chunk`: each article's 24 values, then the
/// latest published date still trusted for ordering (numbered last, so
/// that SQLite binds every parameter by position). SQLite
/// also numbers the article's row in its full-text index (`index_rowid`:
/// above every rowid in use, whether it evaluates the subquery once or
/// per row); PostgreSQL keys its index by article id.
fn upsert_statement<'a>(
    dialect: Dialect,
    source_id: i64,
    source_name: &str,
    chunk: &'a [Article],
    now: DateTime<Utc>,
) -> Statement<'a> {
    let (index_column, index_update, index_key) = match dialect {
        Dialect::Sqlite => (
            ", index_rowid",
            ", index_rowid = excluded.index_rowid",
            "index_rowid",
        ),
        Dialect::Postgres => ("", "", "id"),
    };
    let cutoff = chunk.len() * COLUMNS + 1;
    let rows: Vec<String> = (0..chunk.len())
        .map(|k| {
            let first = 1 + k * COLUMNS;
            let values: Vec<String> = (first..first + COLUMNS).map(|n| format!("${n}")).collect();
            match dialect {
                Dialect::Sqlite => format!(
                    "({}, (SELECT coalesce(max(index_rowid), 0) FROM articles) + {})",
                    values.join(", "),
                    k + 1
                ),
                Dialect::Postgres => format!("({})", values.join(", ")),
            }
        })
        .collect();
    let sql = format!(
        "INSERT INTO articles (source_id, dedup_key, guid, url, link, title, author, summary, content,
            content_text, published_at, updated_at, language, categories, enclosures, content_hash,
            sort_at, first_seen_at, last_changed_at, uid, story_terms, outlet, outlet_url,
            aggregator_link{index_column})
         VALUES {}
         ON CONFLICT (source_id, dedup_key) DO UPDATE SET
            guid = excluded.guid, url = excluded.url, link = excluded.link, title = excluded.title,
            author = excluded.author, summary = excluded.summary, content = excluded.content,
            content_text = excluded.content_text, published_at = excluded.published_at,
            updated_at = excluded.updated_at, language = excluded.language,
            categories = excluded.categories, enclosures = excluded.enclosures,
            content_hash = excluded.content_hash, story_terms = excluded.story_terms,
            outlet = excluded.outlet, outlet_url = excluded.outlet_url,
            aggregator_link = excluded.aggregator_link,
            sort_at = CASE
                WHEN excluded.published_at IS NOT NULL AND excluded.published_at <= ${cutoff}
                THEN excluded.published_at ELSE articles.first_seen_at END,
            last_changed_at = excluded.last_changed_at, revisions = articles.revisions + 1{index_update}
         WHERE articles.content_hash <> excluded.content_hash
         RETURNING dedup_key, revisions, {index_key} AS index_key",
        rows.join(", ")
    );
    let mut statement = Statement::built(sql);
    for a in chunk {
        bind_article(&mut statement, source_id, source_name, a, now);
    }
    statement.push(now + chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES));
    statement
}

/// The 24 values of one article, in the upsert's column order.
fn bind_article<'a>(
    statement: &mut Statement<'a>,
    source_id: i64,
    source_name: &str,
    a: &'a Article,
    now: DateTime<Utc>,
) {
    statement.push(source_id);
    statement.push(&a.dedup_key);
    statement.push(a.guid.as_deref());
    statement.push(a.url.as_deref());
    statement.push(a.link.as_deref());
    statement.push(&a.title);
    statement.push(a.author.as_deref());
    statement.push(a.summary.as_deref());
    statement.push(a.content.as_deref());
    statement.push(&a.content_text);
    statement.push(a.published_at);
    statement.push(a.updated_at);
    statement.push(a.language.as_deref());
    statement.push(json_text(&a.categories));
    statement.push(json_text(&a.enclosures));
    statement.push(&a.content_hash);
    // The published date orders the article unless it is missing or in
    // the future; then the first-seen time does.
    statement.push(sort_time(a.published_at, now));
    statement.push(now);
    statement.push(now);
    statement.push(article_uid(source_name, &a.dedup_key));
    statement.push(a.story_terms.as_ref().map(|t| t.join(" ")));
    statement.push(a.outlet.as_deref());
    statement.push(a.outlet_url.as_deref());
    statement.push(a.aggregator_link.as_deref());
}

fn upserted(row: &Row) -> Result<Upserted, StoreError> {
    Ok(Upserted {
        index_key: row.get("index_key")?,
        dedup_key: row.text("dedup_key")?,
        revised: row.get::<i64>("revisions")? > 0,
    })
}

/// The content hashes already stored for these identity keys of a
/// source, so that unchanged items can skip normalisation.
pub(super) async fn known_hashes(
    db: Db<'_>,
    source_id: i64,
    keys: &[&str],
) -> Result<HashMap<String, String>, StoreError> {
    let mut known = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let sql = format!(
            "SELECT dedup_key, content_hash FROM articles WHERE source_id = $1 AND dedup_key IN ({})",
            placeholders(chunk.len(), 2)
        );
        let mut statement = Statement::built(sql).bind(source_id);
        for key in chunk {
            statement.push(*key);
        }
        for row in db
            .fetch_all(statement)
            .await
            .context("looking up known articles")?
        {
            known.insert(row.text("dedup_key")?, row.text("content_hash")?);
        }
    }
    Ok(known)
}

/// Whole articles by id, in the order of `ids` (unknown ids left out).
pub(super) async fn articles_by_id(
    db: Db<'_>,
    ids: &[i64],
) -> Result<Vec<StoredArticle>, StoreError> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(KEYS_PER_QUERY) {
        let sql = format!(
            "{SELECT_ARTICLES} WHERE a.id IN ({})",
            placeholders(chunk.len(), 1)
        );
        let mut statement = Statement::built(sql);
        for id in chunk {
            statement.push(*id);
        }
        for row in db.fetch_all(statement).await.context("reading articles")? {
            let article = stored_article(&row)?;
            found.insert(article.id, article);
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// `value` as JSON text (a list that cannot be written is stored empty).
fn json_text<T: serde::Serialize>(value: &T) -> Json<'static> {
    Json(
        serde_json::to_string(value)
            .unwrap_or_else(|_| "[]".into())
            .into(),
    )
}

/// A row of [`SELECT_ARTICLES`] as an article.
pub(crate) fn stored_article(row: &Row) -> Result<StoredArticle, StoreError> {
    let first_seen_at = row.time("first_seen_at")?.unwrap_or_default();
    Ok(StoredArticle {
        id: row.get("id")?,
        uid: row.text("uid")?,
        source_name: row.text("source_name")?,
        source_url: row.text("source_url")?,
        source_tags: row.json_list("source_tags")?,
        first_seen_at,
        sort_at: row.time("sort_at")?.unwrap_or(first_seen_at),
        cluster_id: row.get("cluster_id")?,
        article: Article {
            dedup_key: row.text("dedup_key")?,
            guid: row.get("guid")?,
            url: row.get("url")?,
            link: row.get("link")?,
            title: row.text("title")?,
            author: row.get("author")?,
            summary: row.get("summary")?,
            content: row.get("content")?,
            content_text: row.text("content_text")?,
            published_at: row.time("published_at")?,
            updated_at: row.time("updated_at")?,
            language: row.get("language")?,
            categories: row.json_list("categories")?,
            enclosures: row.json_list("enclosures")?,
            content_hash: row.text("content_hash")?,
            story_terms: row
                .get::<Option<String>>("story_terms")?
                .map(|t| t.split(' ').map(str::to_string).collect()),
            outlet: row.get("outlet")?,
            outlet_url: row.get("outlet_url")?,
            aggregator_link: row.get("aggregator_link")?,
        },
    })
}
