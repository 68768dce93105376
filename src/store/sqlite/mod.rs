//! The SQLite backend: one file, WAL mode, FTS5 for the search index.
//! Jobs are written once in `store`; here is what only SQLite does:
//! opening the file, and the FTS5 index and its queries.

mod search;
mod search_index;
mod upkeep;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub(crate) use search::{SqliteQuery, compile_query};

use super::StoreError;

/// Page cache per connection, in KiB when negative (SQLite's default is
/// 2 MiB): a first run's index and B-tree pages stay in memory instead of
/// being read back.
const CACHE_SIZE: &str = "-8192";

/// Pages the WAL may hold before it is copied into the database (SQLite's
/// default is 1,000): pages rewritten by consecutive commits are copied
/// once, and the copy's fsync comes ten times less often.
const WAL_AUTOCHECKPOINT_PAGES: &str = "10000";

/// The SQLite database behind a [`super::Store`].
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// The connection pool, for jobs written once for both backends.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Opens (creating if missing) the SQLite file at `path` in WAL mode with
    /// foreign keys on, and applies the embedded migrations.
    pub(crate) async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let open_error = |message: String| StoreError::Open {
            target: path.display().to_string(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                open_error(format!("cannot create folder {}: {e}", parent.display()))
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| open_error(e.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", CACHE_SIZE)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .pragma("temp_store", "MEMORY")
            .foreign_keys(true)
            // `/regex/` terms of queries run as SQL `REGEXP`.
            .with_regexp();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| open_error(e.to_string()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate {
                target: path.display().to_string(),
                message: e.to_string(),
            })?;
        let store = SqliteStore {
            pool,
            path: path.to_path_buf(),
        };
        Ok(store)
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints the WAL into the main file and closes the pool, so users
    /// reading the file with an older `sqlite3` see everything.
    pub(crate) async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}
