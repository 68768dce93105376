//! Stage 4: the database. The only module that speaks SQL.
//!
//! [`Store`] is the one interface the rest of veille uses, with intent-named
//! methods (`sync_sources`, `commit_fetch`, `search`…). It is
//! backed by SQLite today; the PostgreSQL backend (an open issue) will sit
//! behind the same methods, which is why nothing outside this module sees a
//! pool, a row or a SQL string. One file per table.

mod articles;
mod clusters;
mod error;
mod fetches;
mod health;
mod runs;
mod search;
mod search_index;
mod sources;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use articles::StoreCounts;
pub use error::StoreError;
pub use fetches::FetchRecord;
pub use health::{HealthEvent, SourceHealth};
pub use runs::RunTotals;
pub use search::{CompiledQuery, MatchSummary};
pub use search_index::PreparedArticles;
pub use sources::{NewSource, SourceEvent, SourceState, SourceUpdate};

/// Handle on the database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    /// (word, stem) pairs this process has recorded in `index_words`.
    known_words: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<u64>>>,
}

impl Store {
    /// Opens (creating if missing) the SQLite file at `path` in WAL mode with
    /// foreign keys on, and applies the embedded migrations.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                message: format!("cannot create folder {}: {e}", parent.display()),
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // `/regex/` terms of queries run as SQL `REGEXP`.
            .with_regexp();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let store = Store {
            pool,
            path: path.to_path_buf(),
            known_words: Default::default(),
        };
        store.ensure_search_index().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints the WAL into the main file and closes the pool, so users
    /// reading the file with an older `sqlite3` see everything.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}

/// Text form of a timestamp in the database.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    crate::model::rfc3339(t)
}

/// Reads a timestamp column back; a malformed value (edited by hand) is
/// treated as missing rather than failing the whole query.
pub(crate) fn parse_ts(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|d| d.with_timezone(&Utc))
}
