//! The `runs` table.

use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::error::Context;
use crate::store::{RunTotals, StoreError};

impl PgStore {
    pub async fn start_run(&self, command: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO runs (command, started_at) VALUES ($1, $2) RETURNING id")
            .bind(command)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .context("recording run start")
    }

    pub async fn finish_run(
        &self,
        id: i64,
        totals: &RunTotals,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE runs SET finished_at = $2, sources_ok = $3, sources_failed = $4,
                    items_new = $5, items_updated = $6, feeds_written = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
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
