//! Giving space back after a prune. PostgreSQL keeps deleted rows until a
//! vacuum: plain `VACUUM` (what autovacuum also does, later) makes their
//! space reusable by new rows and keeps the planner's statistics current,
//! without locking out readers or writers. It does not shrink the files;
//! `VACUUM FULL` would, but it locks each table for the whole rewrite, so
//! veille leaves that to the administrator (README, "Retention").

use super::PgStore;
use crate::store::StoreError;
use crate::store::error::Context;

/// The tables a prune deletes from.
const VACUUM_PRUNED: &str =
    "VACUUM (ANALYZE) articles, article_index, alert_items, fetches, source_events, runs,
     link_resolutions";

impl PgStore {
    /// Vacuums the tables a prune deleted from.
    pub(crate) async fn reclaim_space(&self) -> Result<(), StoreError> {
        sqlx::query(VACUUM_PRUNED)
            .execute(&self.pool)
            .await
            .context("vacuuming after the prune")?;
        Ok(())
    }
}
