//! The `runs` table: one row per command run, with its totals.

use chrono::{DateTime, Utc};

use super::SqliteStore;
use crate::store::error::Context;
use crate::store::{RunTotals, StoreError, ts};

impl SqliteStore {
    /// Records the start of a run; returns its id.
    pub async fn start_run(&self, command: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO runs (command, started_at) VALUES (?1, ?2) RETURNING id")
            .bind(command)
            .bind(ts(now))
            .fetch_one(&self.pool)
            .await
            .context("recording run start")
    }

    /// Records the end of a run and its totals.
    pub async fn finish_run(
        &self,
        id: i64,
        totals: &RunTotals,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE runs SET finished_at = ?2, sources_ok = ?3, sources_failed = ?4,
                    items_new = ?5, items_updated = ?6, feeds_written = ?7 WHERE id = ?1",
        )
        .bind(id)
        .bind(ts(now))
        .bind(totals.sources_ok as i64)
        .bind(totals.sources_failed as i64)
        .bind(totals.items_new as i64)
        .bind(totals.items_updated as i64)
        .bind(totals.feeds_written as i64)
        .execute(&self.pool)
        .await
        .context("recording run end")?;
        Ok(())
    }
}
