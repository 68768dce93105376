//! Upkeep of `article_index` (tsvector columns): rows are written with
//! the articles and rebuilt by `store::search_index` (as the literals
//! made here), removed with the article (foreign key), and their GIN
//! pending lists flushed once a day (here).
//!
//! veille's tokens are written as tsvector literals (`'word':1,7`), so
//! PostgreSQL neither splits nor stems them again: the index holds exactly
//! the tokens SQLite's FTS5 table holds, at the same positions.

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::StoreError;
use crate::store::error::Context;

/// PostgreSQL's limits on a tsvector: the last position it records, the
/// positions kept per lexeme, and the longest lexeme (bytes).
const MAX_POSITION: usize = 16_383;
const MAX_POSITIONS_PER_LEXEME: usize = 256;
pub(crate) const MAX_LEXEME_BYTES: usize = 2_046;

/// A quoted tsvector or tsquery lexeme.
pub(crate) fn lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

/// The tsvector literal of space-separated `tokens`, with their positions
/// (1-based, as FTS5 counts them). Past PostgreSQL's limits (position
/// 16,383, 256 positions per lexeme) the extra positions are dropped: a
/// phrase at the very end of a book-length text may be missed.
pub(crate) fn tsvector_literal(tokens: &str) -> String {
    let mut positions: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, token) in tokens.split(' ').filter(|t| !t.is_empty()).enumerate() {
        let at = (i + 1).min(MAX_POSITION);
        if token.len() > MAX_LEXEME_BYTES {
            continue;
        }
        let list = positions.entry(token).or_default();
        if list.len() < MAX_POSITIONS_PER_LEXEME && list.last() != Some(&at) {
            list.push(at);
        }
    }
    let mut out = String::with_capacity(tokens.len() * 2);
    for (token, at) in positions {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&lexeme(token));
        out.push(':');
        let list: Vec<String> = at.iter().map(usize::to_string).collect();
        out.push_str(&list.join(","));
    }
    out
}

/// `count` rows of index values: the article id, five tsvector columns
/// and the language, numbered from `$1`.
pub(crate) fn tsvector_rows(count: usize) -> String {
    (0..count)
        .map(|k| {
            let p = k * 7;
            format!(
                "(${}, ${}::tsvector, ${}::tsvector, ${}::tsvector, ${}::tsvector, ${}::tsvector, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl PgStore {
    /// Flushes the GIN indexes' pending lists and refreshes the planner's
    /// statistics of the index when that was last done more than a day
    /// ago; the PostgreSQL counterpart of FTS5's merge. Returns whether it
    /// ran (on one worker: the others see it done). With `force`, now.
    pub async fn optimize_search_index(
        &self,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<bool, StoreError> {
        let what = "optimizing the search index";
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE index_meta SET optimized_at = $1
             WHERE $2 OR optimized_at IS NULL OR optimized_at <= $1 - interval '24 hours'
             RETURNING analyzer_version",
        )
        .bind(now)
        .bind(force)
        .fetch_optional(&self.pool)
        .await
        .context(what)?;
        if claimed.is_none() {
            return Ok(false);
        }
        for index in [
            "article_index_title",
            "article_index_body",
            "article_index_author",
            "article_index_url",
            "article_index_categories",
        ] {
            sqlx::query("SELECT gin_clean_pending_list($1::regclass)")
                .bind(index)
                .execute(&self.pool)
                .await
                .context(what)?;
        }
        sqlx::query("ANALYZE article_index")
            .execute(&self.pool)
            .await
            .context(what)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::tsvector_literal;

    #[test]
    fn tokens_become_a_tsvector_literal_with_positions() {
        assert_eq!(
            tsvector_literal("regul ia regul l'ia"),
            "'ia':2 'l''ia':4 'regul':1,3"
        );
        assert_eq!(tsvector_literal(""), "");
    }
}
