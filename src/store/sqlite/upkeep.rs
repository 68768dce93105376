//! Giving space back after a prune. The file is in `auto_vacuum =
//! INCREMENTAL` mode (migration 0010): deleted rows leave free pages, and
//! `incremental_vacuum` moves pages down and truncates the file, a few
//! thousand pages per statement so that each holds the write lock
//! briefly. The WAL that this writes is then checkpointed and truncated.

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::error::Context;

/// Returns at most 8,192 pages (32 MiB with 4 KiB pages) per statement.
const VACUUM_STEP: &str = "PRAGMA incremental_vacuum(8192)";

impl SqliteStore {
    /// Returns the free pages to the file system and shrinks the WAL.
    pub(crate) async fn reclaim_space(&self) -> Result<(), StoreError> {
        let what = "returning free space to the file system";
        loop {
            let free: i64 = sqlx::query_scalar("PRAGMA freelist_count")
                .fetch_one(&self.pool)
                .await
                .context(what)?;
            if free <= 0 {
                break;
            }
            let before = free;
            sqlx::query(VACUUM_STEP)
                .execute(&self.pool)
                .await
                .context(what)?;
            let after: i64 = sqlx::query_scalar("PRAGMA freelist_count")
                .fetch_one(&self.pool)
                .await
                .context(what)?;
            // A file not in incremental mode keeps its free pages: done.
            if after >= before {
                break;
            }
        }
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
            .context(what)?;
        Ok(())
    }
}
