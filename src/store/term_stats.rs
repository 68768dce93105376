//! Document frequencies of index tokens, for the specificity part of
//! relevance scores. SQLite reads FTS5's vocabulary (`article_index_terms`);
//! PostgreSQL counts through the GIN index, up to a cap past which a word
//! is common anyway. Counts are kept a day in `index_term_stats`.

use std::collections::HashMap;

use super::error::Context;
use super::sql::Statement;
use super::{Backend, Store, StoreError};

/// Counts stop here on PostgreSQL: a word in this many articles already
/// says little.
const POSTGRES_CAP: i64 = 50_000;

/// Index rows in all, and per token.
#[derive(Debug, Clone, Default)]
pub struct TermStats {
    /// Articles in the index.
    pub documents: u64,
    /// Index rows that hold each token asked about.
    pub frequency: HashMap<String, u64>,
}

impl TermStats {
    /// How specific `stem` is, from 0 (in every article) to 1 (in none);
    /// `None` when it was not asked about.
    pub fn specificity(&self, stem: &str) -> Option<f64> {
        let df = *self.frequency.get(stem)? as f64;
        let n = self.documents as f64;
        Some(
            (((n + 1.0) / (df + 1.0)).ln() / (n + 1.0).ln().max(f64::MIN_POSITIVE)).clamp(0.0, 1.0),
        )
    }
}

/// Counts older than this are taken again.
const FRESH_FOR_HOURS: i64 = 24;

impl Store {
    /// Document frequencies of `stems` in the search index, from counts
    /// at most a day old (kept in `index_term_stats`; counting a common
    /// word reads its whole posting list).
    pub async fn term_stats(
        &self,
        stems: &[String],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<TermStats, StoreError> {
        let mut stats = TermStats {
            documents: self.term_count("", now).await?,
            ..TermStats::default()
        };
        for stem in stems {
            // Longer tokens are not indexed (PostgreSQL's limit), so
            // they are in no article.
            if stem.len() > super::postgres::MAX_LEXEME_BYTES {
                stats.frequency.insert(stem.clone(), 0);
            } else if !stem.is_empty() {
                let documents = self.term_count(stem, now).await?;
                stats.frequency.insert(stem.clone(), documents);
            }
        }
        Ok(stats)
    }

    /// Articles holding `term` (all indexed articles for ''), counted
    /// again when the stored count is stale.
    async fn term_count(
        &self,
        term: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        let fresh_since = now - chrono::Duration::hours(FRESH_FOR_HOURS);
        let cached = self
            .db()
            .fetch_optional(
                Statement::new(
                    "SELECT documents FROM index_term_stats WHERE term = $1 AND counted_at >= $2",
                )
                .bind(term)
                .bind(fresh_since),
            )
            .await
            .context("reading a word's article count")?;
        if let Some(row) = cached {
            return Ok(u64::try_from(row.get::<i64>("documents")?).unwrap_or(0));
        }
        let documents = self.count_term(term).await?;
        let save = Statement::new(
            "INSERT INTO index_term_stats (term, documents, counted_at) VALUES ($1, $2, $3)
             ON CONFLICT (term) DO UPDATE SET documents = excluded.documents, counted_at = excluded.counted_at",
        )
        .bind(term)
        .bind(documents)
        .bind(now);
        self.db()
            .execute(save)
            .await
            .context("saving a word's article count")?;
        Ok(u64::try_from(documents).unwrap_or(0))
    }

    /// Counts the articles holding `term` now ('' for all of them).
    async fn count_term(&self, term: &str) -> Result<i64, StoreError> {
        match (&self.backend, term) {
            (Backend::Sqlite(db), "") => {
                sqlx::query_scalar("SELECT count(*) FROM articles")
                    .fetch_one(db.pool())
                    .await
            }
            (Backend::Postgres(db), "") => {
                sqlx::query_scalar("SELECT count(*) FROM article_index")
                    .fetch_one(db.pool())
                    .await
            }
            (Backend::Sqlite(db), _) => {
                sqlx::query_scalar("SELECT doc FROM article_index_terms WHERE term = ?1")
                    .bind(term)
                    .fetch_optional(db.pool())
                    .await
                    .map(Option::unwrap_or_default)
            }
            (Backend::Postgres(db), _) => {
                sqlx::query_scalar(
                    "SELECT count(*) FROM (SELECT 1 FROM article_index
                  WHERE body @@ $1::tsquery LIMIT $2) sample",
                )
                .bind(super::postgres::lexeme(term))
                .bind(POSTGRES_CAP)
                .fetch_one(db.pool())
                .await
            }
        }
        .context("counting a word's articles")
    }
}
