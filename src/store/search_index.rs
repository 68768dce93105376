//! Keeping `article_index` (FTS5) in step with `articles`: rows are written
//! in the transaction that stores the article, removed by a trigger when
//! the article is deleted, and rebuilt whole when the analysis changes
//! (`index_meta.analyzer_version`).

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use sqlx::{Row, Sqlite, Transaction};

use super::error::Context;
use super::{Store, StoreError, ts};
use crate::filter::{ANALYZER_VERSION, Document, DocumentFields};
use crate::model::Article;

/// Index rows per multi-row `INSERT` (6 parameters each).
const ROWS_PER_STATEMENT: usize = 500;

/// Articles read per batch while rebuilding.
const REBUILD_BATCH: usize = 2000;

/// An article analysed for the index.
pub(super) struct Indexed {
    id: i64,
    document: Document,
}

/// Analyses an article the way the index stores it.
pub(super) fn analyse(id: i64, article: &Article, source_name: &str) -> Indexed {
    let url = article.url.as_deref().or(article.link.as_deref());
    let document = Document::new(
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
    );
    Indexed { id, document }
}

/// Writes (or replaces) the index rows of `docs` and records their
/// stemmed words, inside the caller's transaction.
pub(super) async fn write_index(
    tx: &mut Transaction<'_, Sqlite>,
    docs: &[Indexed],
) -> Result<(), StoreError> {
    for chunk in docs.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT OR REPLACE INTO article_index (rowid, title, body, author, url, categories) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in chunk {
            let row = d.document.index_row();
            query = query
                .bind(d.id)
                .bind(row.title)
                .bind(row.body)
                .bind(row.author)
                .bind(row.url)
                .bind(row.categories);
        }
        query
            .execute(&mut **tx)
            .await
            .context("writing the search index")?;
    }
    let words: BTreeSet<(&str, &str)> = docs
        .iter()
        .flat_map(|d| d.document.stemmed_words())
        .collect();
    let words: Vec<_> = words.into_iter().collect();
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
        let mut after = 0_i64;
        let mut total = 0_u64;
        loop {
            let rows = sqlx::query(
                "SELECT a.id, a.title, a.content_text, a.summary, a.content IS NOT NULL AS has_content,
                        a.language, a.author, a.url, a.link, a.categories, s.name AS source_name
                 FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.id > ?1 ORDER BY a.id LIMIT ?2",
            )
            .bind(after)
            .bind(REBUILD_BATCH as i64)
            .fetch(&mut *tx)
            .map_ok(|row| -> Result<Indexed, sqlx::Error> {
                let categories: Option<String> = row.try_get("categories")?;
                let article = Article {
                    title: row.try_get::<Option<String>, _>("title")?.unwrap_or_default(),
                    content_text: row
                        .try_get::<Option<String>, _>("content_text")?
                        .unwrap_or_default(),
                    summary: row.try_get("summary")?,
                    content: row
                        .try_get::<bool, _>("has_content")?
                        .then(String::new),
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
                Ok(analyse(row.try_get("id")?, &article, &name))
            })
            .try_collect::<Vec<_>>()
            .await
            .context(what)?
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .context(what)?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            total += rows.len() as u64;
            write_index(&mut tx, &rows).await?;
        }
        sqlx::query("DELETE FROM index_meta")
            .execute(&mut *tx)
            .await
            .context(what)?;
        sqlx::query("INSERT INTO index_meta (analyzer_version, built_at) VALUES (?1, ?2)")
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
