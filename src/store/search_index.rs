//! Writing the search index alongside the articles: the index rows
//! themselves (FTS5 text in SQLite, tsvector literals in PostgreSQL) and the vocabulary `index_words` that
//! `prefix*` terms expand against (`query_sources`), the same on both;
//! and the rebuild of both when the analysis changes.

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Db, Dialect, Row, Statement, Tx, value_rows};
use super::{StoreError, postgres};
use crate::filter::{ANALYZER_VERSION, Document, IndexRow, analyse_article};
use crate::model::Article;

/// (word, stem) pairs per `INSERT`.
const WORDS_PER_STATEMENT: usize = 500;

/// Index rows per multi-row `INSERT` (7 parameters each).
const ROWS_PER_STATEMENT: usize = 500;

/// Writes the index rows of `docs` (each with the key the upsert
/// returned), inside the caller's transaction.
pub(super) async fn write_index(tx: &mut Tx, docs: &[(i64, &IndexRow)]) -> Result<(), StoreError> {
    for chunk in docs.chunks(ROWS_PER_STATEMENT) {
        let statement = index_rows(tx.dialect(), chunk);
        tx.execute(statement)
            .await
            .context("writing the search index")?;
    }
    Ok(())
}

/// The `INSERT` of `chunk`'s index rows. SQLite's FTS5 table takes the
/// tokens as text under the article's `index_rowid` (a revision gets a new
/// row; a trigger dropped the old one); PostgreSQL's tsvector columns
/// take them as tsvector literals with positions, under the article id,
/// replacing an older row.
fn index_rows<'a>(dialect: Dialect, chunk: &'a [(i64, &'a IndexRow)]) -> Statement<'a> {
    let sql = match dialect {
        Dialect::Sqlite => format!(
            "INSERT INTO article_index (rowid, title, body, author, url, categories, lang) VALUES {}",
            value_rows(chunk.len(), 7, 1)
        ),
        Dialect::Postgres => format!(
            "INSERT INTO article_index (article_id, title, body, author, url, categories, lang)
             VALUES {}
             ON CONFLICT (article_id) DO UPDATE SET title = excluded.title, body = excluded.body,
                author = excluded.author, url = excluded.url, categories = excluded.categories,
                lang = excluded.lang",
            postgres::tsvector_rows(chunk.len())
        ),
    };
    let tokens = |text: &'a str| -> Cow<'a, str> {
        match dialect {
            Dialect::Sqlite => Cow::Borrowed(text),
            Dialect::Postgres => Cow::Owned(postgres::tsvector_literal(text)),
        }
    };
    let mut statement = Statement::built(sql);
    for (key, row) in chunk {
        statement.push(*key);
        for column in [
            &row.title,
            &row.body,
            &row.author,
            &row.url,
            &row.categories,
        ] {
            statement.push(tokens(column));
        }
        statement.push(&row.lang);
    }
    statement
}

/// Records (word, stem) pairs in `index_words`, in the given order
/// (sorted pairs keep concurrent PostgreSQL writers from deadlocking),
/// inside the caller's transaction.
pub(super) async fn write_words(tx: &mut Tx, words: &[(&str, &str)]) -> Result<(), StoreError> {
    for statement in vocabulary_inserts(words) {
        tx.execute(statement)
            .await
            .context("writing the search vocabulary")?;
    }
    Ok(())
}

/// Records (word, stem) pairs in `index_words`, each statement committed
/// on its own.
pub(super) async fn write_words_alone(
    db: Db<'_>,
    words: &[(&str, &str)],
) -> Result<(), StoreError> {
    for statement in vocabulary_inserts(words) {
        db.execute(statement)
            .await
            .context("writing the search vocabulary")?;
    }
    Ok(())
}

/// The `INSERT`s of `words`, a chunk each.
fn vocabulary_inserts<'a>(words: &'a [(&'a str, &'a str)]) -> Vec<Statement<'a>> {
    words
        .chunks(WORDS_PER_STATEMENT)
        .map(|chunk| {
            let sql = format!(
                "INSERT INTO index_words (word, stem) VALUES {} ON CONFLICT DO NOTHING",
                value_rows(chunk.len(), 2, 1)
            );
            let mut statement = Statement::built(sql);
            for (word, stem) in chunk {
                statement.push(*word);
                statement.push(*stem);
            }
            statement
        })
        .collect()
}

/// Articles read per batch while rebuilding.
const REBUILD_BATCH: i64 = 2000;

/// What a rebuild reads of each article: the columns the analysis uses,
/// keyed as the index is (`$1` is the last key of the previous batch).
const REBUILD_READ_SQLITE: &str =
    "SELECT a.index_rowid AS index_key, a.title, a.content_text, a.summary,
        a.content IS NOT NULL AS has_content, a.language, a.author, a.url, a.link,
        CAST(a.categories AS TEXT) AS categories, s.name AS source_name
     FROM articles a JOIN sources s ON s.id = a.source_id
     WHERE a.index_rowid > $1 ORDER BY a.index_rowid LIMIT $2";
const REBUILD_READ_POSTGRES: &str = "SELECT a.id AS index_key, a.title, a.content_text, a.summary,
        a.content IS NOT NULL AS has_content, a.language, a.author, a.url, a.link,
        CAST(a.categories AS TEXT) AS categories, s.name AS source_name
     FROM articles a JOIN sources s ON s.id = a.source_id
     WHERE a.id > $1 ORDER BY a.id LIMIT $2";

/// SQLite numbers the index rows in the order articles last changed, so
/// that recent articles get the highest rowids (see the migration): the
/// search window is a rowid range.
const RENUMBER_SQLITE: &str =
    "UPDATE articles SET index_rowid = r.n + (SELECT coalesce(max(index_rowid), 0) FROM articles)
     FROM (SELECT id, row_number() OVER (ORDER BY last_changed_at, id) AS n FROM articles) AS r
     WHERE articles.id = r.id";

/// Re-analyses every article into a fresh index, in one transaction:
/// always when `always`, else only when the index was built by another
/// version of the analysis (or never). Workers starting together on an
/// old index: the first rebuilds, the others find it done. Returns how
/// many articles were indexed.
pub(super) async fn rebuild(
    db: Db<'_>,
    always: bool,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let what = "rebuilding the search index";
    // A plain read first: opening a database must not wait for the write
    // lock (readers share the file with a running `veille run`).
    if !always && current_version(db).await? == Some(ANALYZER_VERSION) {
        return Ok(0);
    }
    let mut tx = db.begin_write().await.context(what)?;
    tx.one_worker_at_a_time("veille.search_index")
        .await
        .context(what)?;
    // Again under the lock: another worker may have rebuilt it meanwhile.
    if !always && analyzer_version(&mut tx).await? == Some(ANALYZER_VERSION) {
        return Ok(0);
    }
    tx.execute(Statement::new("DELETE FROM article_index"))
        .await
        .context(what)?;
    tx.execute(Statement::new("DELETE FROM index_words"))
        .await
        .context(what)?;
    if tx.dialect() == Dialect::Sqlite {
        tx.execute(Statement::new(RENUMBER_SQLITE))
            .await
            .context(what)?;
    }
    let total = index_every_article(&mut tx).await?;
    tx.execute(Statement::new("DELETE FROM index_meta"))
        .await
        .context(what)?;
    // A freshly built index needs no optimizing before tomorrow.
    let meta = Statement::new(
        "INSERT INTO index_meta (analyzer_version, built_at, optimized_at) VALUES ($1, $2, $2)",
    )
    .bind(ANALYZER_VERSION)
    .bind(now);
    tx.execute(meta).await.context(what)?;
    tx.commit().await.context(what)?;
    if total > 0 {
        tracing::info!("search index rebuilt: {total} articles");
    }
    Ok(total)
}

const READ_VERSION: &str = "SELECT analyzer_version FROM index_meta LIMIT 1";

/// The version of the analysis the index was built with, read outside
/// any transaction.
async fn current_version(db: Db<'_>) -> Result<Option<i64>, StoreError> {
    db.fetch_optional(Statement::new(READ_VERSION))
        .await
        .context("reading index_meta")?
        .map(|row| row.get("analyzer_version"))
        .transpose()
}

/// The version of the analysis the index was built with.
async fn analyzer_version(tx: &mut Tx) -> Result<Option<i64>, StoreError> {
    tx.fetch_all(Statement::new(
        "SELECT analyzer_version FROM index_meta LIMIT 1",
    ))
    .await
    .context("reading index_meta")?
    .first()
    .map(|row| row.get("analyzer_version"))
    .transpose()
}

/// Writes the index rows and vocabulary of every article, a batch at a
/// time; returns how many.
async fn index_every_article(tx: &mut Tx) -> Result<u64, StoreError> {
    let read = match tx.dialect() {
        Dialect::Sqlite => REBUILD_READ_SQLITE,
        Dialect::Postgres => REBUILD_READ_POSTGRES,
    };
    let mut after = i64::MIN;
    let mut total = 0_u64;
    loop {
        let statement = Statement::new(read).bind(after).bind(REBUILD_BATCH);
        let rows = tx
            .fetch_all(statement)
            .await
            .context("rebuilding the search index")?;
        let documents = rows
            .iter()
            .map(|row| Ok((row.get::<i64>("index_key")?, analyse_stored(row)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let Some((last, _)) = documents.last() else {
            break;
        };
        after = *last;
        total += documents.len() as u64;
        let index_rows: Vec<(i64, IndexRow)> =
            documents.iter().map(|(k, d)| (*k, d.index_row())).collect();
        let refs: Vec<(i64, &IndexRow)> = index_rows.iter().map(|(k, r)| (*k, r)).collect();
        write_index(tx, &refs).await?;
        let words: BTreeSet<(&str, &str)> = documents
            .iter()
            .flat_map(|(_, d)| d.stemmed_words())
            .collect();
        write_words(tx, &words.into_iter().collect::<Vec<_>>()).await?;
    }
    Ok(total)
}

/// The analysis of an article read back for a rebuild: the columns are
/// the store's business, the analysis is `filter`'s.
fn analyse_stored(row: &Row) -> Result<Document, StoreError> {
    let article = Article {
        title: row.text("title")?,
        content_text: row.text("content_text")?,
        summary: row.get("summary")?,
        content: row.get::<bool>("has_content")?.then(String::new),
        language: row.get("language")?,
        author: row.get("author")?,
        url: row.get("url")?,
        link: row.get("link")?,
        categories: row.json_list("categories")?,
        ..Article::default()
    };
    Ok(analyse_article(&article, &row.text("source_name")?))
}
