//! Keeping `article_index` (FTS5) in step with `articles`: rows are written
//! in the transaction that stores the article (a revision gets a new row,
//! a trigger drops the old one), removed by a trigger when the article is
//! deleted, rebuilt whole when the analysis changes
//! (`index_meta.analyzer_version`), and merged into one segment once a day.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use sqlx::{Row, Sqlite, Transaction};

use super::error::Context;
use super::{Store, StoreError, ts};
use crate::filter::{ANALYZER_VERSION, Document, DocumentFields, IndexRow};
use crate::model::Article;

/// Index rows per multi-row `INSERT` (7 parameters each).
const ROWS_PER_STATEMENT: usize = 500;

/// Articles read per batch while rebuilding.
const REBUILD_BATCH: usize = 2000;

/// A source's articles, analysed for the search index: made where the
/// CPU is free (the fetch tasks run them in parallel), then stored by
/// [`Store::commit_fetch`] without holding the write lock for the analysis.
/// Only what the index stores is kept (the rows' text and the stemmed
/// words), so sources waiting for their commit hold little memory.
#[derive(Debug, Default)]
pub struct PreparedArticles {
    articles: Vec<Article>,
    rows: Vec<IndexRow>,
    words: BTreeSet<(String, String)>,
}

impl PreparedArticles {
    /// Analyses `articles` of the source named `source_name`.
    pub fn new(source_name: &str, articles: Vec<Article>) -> PreparedArticles {
        let mut rows = Vec::with_capacity(articles.len());
        let mut words = BTreeSet::new();
        for article in &articles {
            let document = analyse(article, source_name);
            rows.push(document.index_row());
            for (word, stem) in document.stemmed_words() {
                words.insert((word.to_string(), stem.to_string()));
            }
        }
        PreparedArticles {
            articles,
            rows,
            words,
        }
    }

    /// The articles.
    pub fn articles(&self) -> &[Article] {
        &self.articles
    }

    /// The distinct (word, stem) pairs of these articles whose stem differs.
    pub(super) fn stemmed_words(&self) -> impl Iterator<Item = (&str, &str)> {
        self.words.iter().map(|(w, s)| (w.as_str(), s.as_str()))
    }

    /// Each article's index row, by identity key.
    pub(super) fn rows(&self) -> std::collections::HashMap<&str, &IndexRow> {
        self.articles
            .iter()
            .zip(&self.rows)
            .map(|(a, r)| (a.dedup_key.as_str(), r))
            .collect()
    }
}

/// Analyses an article the way the index stores it.
pub(super) fn analyse(article: &Article, source_name: &str) -> Document {
    let url = article.url.as_deref().or(article.link.as_deref());
    Document::new(
        DocumentFields {
            title: &article.title,
            content_text: &article.content_text,
            summary_html: article.summary.as_deref(),
            has_content: article.content.is_some(),
            language: article.language.as_deref(),
            author: article.author.as_deref(),
            url,
            categories: &article.categories,
            source_name,
            ..DocumentFields::default()
        },
        chrono::Utc::now(),
    )
}

/// Writes the index rows of `docs` (each with its `index_rowid`), inside
/// the caller's transaction.
pub(super) async fn write_index(
    tx: &mut Transaction<'_, Sqlite>,
    docs: &[(i64, &IndexRow)],
) -> Result<(), StoreError> {
    for chunk in docs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO article_index (rowid, title, body, author, url, categories, lang) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (rowid, row) in chunk {
            query = query
                .bind(*rowid)
                .bind(row.title.as_str())
                .bind(row.body.as_str())
                .bind(row.author.as_str())
                .bind(row.url.as_str())
                .bind(row.categories.as_str())
                .bind(row.lang.as_str());
        }
        query
            .execute(&mut **tx)
            .await
            .context("writing the search index")?;
    }
    Ok(())
}

/// Records (word, stem) pairs in `index_words`, inside the caller's
/// transaction.
pub(super) async fn write_words(
    tx: &mut Transaction<'_, Sqlite>,
    words: &[(&str, &str)],
) -> Result<(), StoreError> {
    for chunk in words.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT OR IGNORE INTO index_words (word, stem) VALUES {}",
            vec!["(?, ?)"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (word, stem) in chunk {
            query = query.bind(*word).bind(*stem);
        }
        query
            .execute(&mut **tx)
            .await
            .context("writing the search vocabulary")?;
    }
    Ok(())
}

impl Store {
    /// Rebuilds the search index when it was built by another version of
    /// the analysis (or never, as after the upgrade that introduced it).
    /// Returns how many articles were indexed (0 when it was current).
    pub(super) async fn ensure_search_index(&self) -> Result<u64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT analyzer_version FROM index_meta LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .context("reading index_meta")?;
        if version == Some(ANALYZER_VERSION) {
            return Ok(0);
        }
        self.rebuild_search_index().await
    }

    /// Re-analyses every article into a fresh index, in one transaction.
    pub async fn rebuild_search_index(&self) -> Result<u64, StoreError> {
        let what = "rebuilding the search index";
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query("DELETE FROM article_index")
            .execute(&mut *tx)
            .await
            .context(what)?;
        sqlx::query("DELETE FROM index_words")
            .execute(&mut *tx)
            .await
            .context(what)?;
        self.forget_known_words();
        // Number the rows in the order they last changed, so that recent
        // articles get the highest index rowids (see the migration).
        sqlx::query(
            "UPDATE articles SET index_rowid = r.n + (SELECT coalesce(max(index_rowid), 0) FROM articles)
             FROM (SELECT id, row_number() OVER (ORDER BY last_changed_at, id) AS n FROM articles) AS r
             WHERE articles.id = r.id",
        )
        .execute(&mut *tx)
        .await
        .context(what)?;
        let mut after = i64::MIN;
        let mut total = 0_u64;
        loop {
            let rows = sqlx::query(
                "SELECT a.index_rowid, a.title, a.content_text, a.summary, a.content IS NOT NULL AS has_content,
                        a.language, a.author, a.url, a.link, a.categories, s.name AS source_name
                 FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.index_rowid > ?1 ORDER BY a.index_rowid LIMIT ?2",
            )
            .bind(after)
            .bind(REBUILD_BATCH as i64)
            .fetch(&mut *tx)
            .map_ok(|row| -> Result<(i64, Document), sqlx::Error> {
                let categories: Option<String> = row.try_get("categories")?;
                let article = Article {
                    title: row.try_get::<Option<String>, _>("title")?.unwrap_or_default(),
                    content_text: row
                        .try_get::<Option<String>, _>("content_text")?
                        .unwrap_or_default(),
                    summary: row.try_get("summary")?,
                    content: row.try_get::<bool, _>("has_content")?.then(String::new),
                    language: row.try_get("language")?,
                    author: row.try_get("author")?,
                    url: row.try_get("url")?,
                    link: row.try_get("link")?,
                    categories: categories
                        .and_then(|c| serde_json::from_str(&c).ok())
                        .unwrap_or_default(),
                    ..Article::default()
                };
                let name: String = row.try_get("source_name")?;
                Ok((row.try_get("index_rowid")?, analyse(&article, &name)))
            })
            .try_collect::<Vec<_>>()
            .await
            .context(what)?
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .context(what)?;
            let Some((last, _)) = rows.last() else { break };
            after = *last;
            total += rows.len() as u64;
            let index_rows: Vec<(i64, IndexRow)> =
                rows.iter().map(|(r, d)| (*r, d.index_row())).collect();
            let refs: Vec<(i64, &IndexRow)> = index_rows.iter().map(|(r, d)| (*r, d)).collect();
            write_index(&mut tx, &refs).await?;
            let words: BTreeSet<(&str, &str)> =
                rows.iter().flat_map(|(_, d)| d.stemmed_words()).collect();
            write_words(&mut tx, &words.into_iter().collect::<Vec<_>>()).await?;
        }
        sqlx::query("DELETE FROM index_meta")
            .execute(&mut *tx)
            .await
            .context(what)?;
        // A freshly built index needs no optimizing before tomorrow.
        sqlx::query(
            "INSERT INTO index_meta (analyzer_version, built_at, optimized_at) VALUES (?1, ?2, ?2)",
        )
        .bind(ANALYZER_VERSION)
        .bind(ts(chrono::Utc::now()))
        .execute(&mut *tx)
        .await
        .context(what)?;
        tx.commit().await.context(what)?;
        if total > 0 {
            tracing::info!("search index rebuilt: {total} articles");
        }
        Ok(total)
    }
}

/// A pair's key in [`Store`]'s memory of the words already recorded.
fn word_key(word: &str, stem: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (word, stem).hash(&mut h);
    h.finish()
}

/// Pairs remembered before the memory is cleared (8 bytes each).
const KNOWN_WORDS_MAX: usize = 1 << 20;

impl Store {
    /// The pairs of `words` not yet recorded by this process (most pairs of
    /// a commit were recorded by an earlier one; skipping them spares the
    /// write transaction thousands of no-op inserts).
    pub(super) fn unrecorded_words<'a>(
        &self,
        words: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<(&'a str, &'a str)> {
        let known = self
            .known_words
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        words
            .into_iter()
            .filter(|(w, s)| !known.contains(&word_key(w, s)))
            .collect()
    }

    /// Remembers pairs now committed.
    pub(super) fn remember_words(&self, words: &[(&str, &str)]) {
        let mut known = self
            .known_words
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() + words.len() > KNOWN_WORDS_MAX {
            known.clear();
        }
        known.extend(words.iter().map(|(w, s)| word_key(w, s)));
    }

    fn forget_known_words(&self) {
        self.known_words
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

/// How often the index is optimized.
const OPTIMIZE_EVERY_HOURS: i64 = 24;

impl Store {
    /// Merges the search index's segments into one when that was last done
    /// more than a day ago. Each commit adds a small segment and FTS5 only
    /// merges them level by level; a lookup reads every segment, so a
    /// merged index answers topic queries markedly faster (about a third,
    /// measured on a million articles). Takes seconds on a large archive,
    /// once a day. Returns whether it ran.
    pub async fn optimize_search_index_if_due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let what = "optimizing the search index";
        let last: Option<String> =
            sqlx::query_scalar("SELECT optimized_at FROM index_meta LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .context(what)?
                .flatten();
        let due = super::parse_ts(last)
            .is_none_or(|t| now - t >= chrono::Duration::hours(OPTIMIZE_EVERY_HOURS));
        if !due {
            return Ok(false);
        }
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .context(what)?;
        sqlx::query("INSERT INTO article_index(article_index) VALUES('optimize')")
            .execute(&mut *tx)
            .await
            .context(what)?;
        sqlx::query("UPDATE index_meta SET optimized_at = ?1")
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .context(what)?;
        tx.commit().await.context(what)?;
        Ok(true)
    }
}
