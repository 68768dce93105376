//! Document frequencies of index tokens, for the specificity part of
//! relevance scores. SQLite reads FTS5's vocabulary (`article_index_terms`);
//! PostgreSQL counts through the GIN index, up to a cap past which a word
//! is common anyway.

use std::collections::HashMap;

use super::error::Context;
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

impl Store {
    /// Document frequencies of `stems` in the search index.
    pub async fn term_stats(&self, stems: &[String]) -> Result<TermStats, StoreError> {
        let mut stats = TermStats::default();
        let documents: i64 = match &self.backend {
            Backend::Sqlite(db) => {
                sqlx::query_scalar("SELECT count(*) FROM articles")
                    .fetch_one(db.pool())
                    .await
            }
            Backend::Postgres(db) => {
                sqlx::query_scalar("SELECT count(*) FROM article_index")
                    .fetch_one(db.pool())
                    .await
            }
        }
        .context("counting indexed articles")?;
        stats.documents = u64::try_from(documents).unwrap_or(0);
        for stem in stems {
            let df: i64 = match &self.backend {
                Backend::Sqlite(db) => {
                    sqlx::query_scalar("SELECT doc FROM article_index_terms WHERE term = ?1")
                        .bind(stem)
                        .fetch_optional(db.pool())
                        .await
                        .map(Option::unwrap_or_default)
                }
                Backend::Postgres(db) => {
                    sqlx::query_scalar(
                        "SELECT count(*) FROM (SELECT 1 FROM article_index
                      WHERE body @@ $1::tsquery LIMIT $2) sample",
                    )
                    .bind(format!("'{}'", stem.replace('\'', "''")))
                    .bind(POSTGRES_CAP)
                    .fetch_one(db.pool())
                    .await
                }
            }
            .context("counting a word's articles")?;
            stats
                .frequency
                .insert(stem.clone(), u64::try_from(df).unwrap_or(0));
        }
        Ok(stats)
    }
}
