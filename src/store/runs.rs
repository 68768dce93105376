//! The `runs` table: one row per command run, with its totals.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::Statement;
use super::{RunStages, RunTotals, Store, StoreError};

impl Store {
    /// Records the start of a run; returns its id.
    pub async fn start_run(&self, command: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let row = self
            .db()
            .fetch_one(
                Statement::new(
                    "INSERT INTO runs (command, started_at) VALUES ($1, $2) RETURNING id",
                )
                .bind(command)
                .bind(now),
            )
            .await
            .context("recording run start")?;
        row.get("id")
    }

    /// Records the end of a run, its totals and how long its stages took.
    pub async fn finish_run(
        &self,
        id: i64,
        totals: &RunTotals,
        stages: &RunStages,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut statement = Statement::new(
            "UPDATE runs SET finished_at = $2, sources_ok = $3, sources_failed = $4,
                    items_new = $5, items_updated = $6, feeds_written = $7, articles_pruned = $8,
                    fetch_seconds = $9, normalise_seconds = $10, store_seconds = $11,
                    cluster_seconds = $12, publish_seconds = $13, prune_seconds = $14
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(totals.sources_ok)
        .bind(totals.sources_failed)
        .bind(totals.items_new)
        .bind(totals.items_updated)
        .bind(totals.feeds_written)
        .bind(totals.articles_pruned);
        for (_, took) in stages.named() {
            statement.push(took.map(|d| d.as_secs_f64()));
        }
        self.db()
            .execute(statement)
            .await
            .context("recording run end")?;
        Ok(())
    }
}
