//! Sharing the work between workers: source leases, host slots and the
//! publishing lock.
//!
//! A worker takes a source with `UPDATE … WHERE id = (SELECT … FOR UPDATE
//! SKIP LOCKED)`: the row is checked again under its lock (still due, not
//! leased), so two workers never both take it, and neither waits for the
//! other. The lease ends when the fetch is committed (`commit_fetch`
//! clears it) or when it runs out, which is how the sources of a worker
//! that died return to the pool.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{PgStore, whole_seconds};
use crate::store::error::Context;
use crate::store::{Claim, SourceState, StoreError};

/// A held publishing lock: a session advisory lock on a connection that
/// is closed, not returned to the pool, when this is dropped, so the lock
/// cannot outlive it.
pub(crate) struct PgPublishLock {
    _connection: sqlx::pool::PoolConnection<sqlx::Postgres>,
}

impl PgStore {
    pub async fn claim_source(
        &self,
        state: &SourceState,
        claim: &Claim,
    ) -> Result<Option<SourceState>, StoreError> {
        let now = Utc::now();
        let row = sqlx::query(
            "UPDATE sources SET leased_by = $2, lease_until = $3
             WHERE id = (
                SELECT id FROM sources
                WHERE id = $1 AND enabled AND gone_at IS NULL
                  AND (lease_until IS NULL OR lease_until < $4)
                  AND CASE WHEN $5 THEN last_fetched_at IS NULL OR last_fetched_at < $6
                           ELSE next_fetch_at IS NULL OR next_fetch_at <= $4 END
                FOR UPDATE SKIP LOCKED)
             RETURNING id, etag, last_modified, fetch_url, redirect_candidate, gone_at,
                       next_fetch_at, error_count",
        )
        .bind(state.id)
        .bind(&claim.worker)
        .bind(now + claim.lease)
        .bind(now)
        .bind(claim.all)
        .bind(whole_seconds(claim.run_started))
        .fetch_optional(&self.pool)
        .await
        .context("taking a source")?;
        let Some(row) = row else { return Ok(None) };
        let text = |c: &str| -> Result<Option<String>, StoreError> {
            row.try_get(c).context(format!("reading sources.{c}"))
        };
        let time = |c: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
            row.try_get(c).context(format!("reading sources.{c}"))
        };
        Ok(Some(SourceState {
            id: row.try_get("id").context("reading source id")?,
            etag: text("etag")?,
            last_modified: text("last_modified")?,
            fetch_url: text("fetch_url")?,
            redirect_candidate: text("redirect_candidate")?,
            gone: time("gone_at")?.is_some(),
            next_fetch_at: time("next_fetch_at")?,
            error_count: row.try_get("error_count").context("reading error_count")?,
        }))
    }

    /// Takes a free slot of `host` (one of `slots`), waiting for one when
    /// all are held; returns the slot number.
    pub async fn take_host_slot(
        &self,
        host: &str,
        slots: usize,
        claim: &Claim,
    ) -> Result<i32, StoreError> {
        let slots = i32::try_from(slots.max(1)).unwrap_or(i32::MAX);
        let mut wait = std::time::Duration::from_millis(10);
        loop {
            let now = Utc::now();
            // One statement: a slot nobody holds (or whose holder's lease
            // ran out), picked at random so that workers rarely collide;
            // when two do, the loser's conflict clause takes nothing and it
            // simply tries again.
            let taken: Option<i32> = sqlx::query_scalar(
                "INSERT INTO host_slots (host, slot, leased_by, lease_until)
                 SELECT $1, s, $3, $4 FROM generate_series(0, $2 - 1) AS s
                 WHERE NOT EXISTS (SELECT 1 FROM host_slots h
                                   WHERE h.host = $1 AND h.slot = s AND h.lease_until >= $5)
                 ORDER BY random() LIMIT 1
                 ON CONFLICT (host, slot) DO UPDATE
                    SET leased_by = excluded.leased_by, lease_until = excluded.lease_until
                    WHERE host_slots.lease_until < $5
                 RETURNING slot",
            )
            .bind(host)
            .bind(slots)
            .bind(&claim.worker)
            .bind(now + claim.host_lease)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .context(format!("waiting for a connection slot to {host}"))?;
            if let Some(slot) = taken {
                return Ok(slot);
            }
            let free: bool = sqlx::query_scalar(
                "SELECT count(*) < $2 FROM host_slots WHERE host = $1 AND lease_until >= $3",
            )
            .bind(host)
            .bind(i64::from(slots))
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .context(format!("waiting for a connection slot to {host}"))?;
            if !free {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_millis(200));
            }
        }
    }

    pub async fn release_host_slot(
        &self,
        host: &str,
        slot: i32,
        claim: &Claim,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM host_slots WHERE host = $1 AND slot = $2 AND leased_by = $3")
            .bind(host)
            .bind(slot)
            .bind(&claim.worker)
            .execute(&self.pool)
            .await
            .context(format!("releasing a connection slot to {host}"))?;
        Ok(())
    }

    /// Waits until no other worker is publishing, then holds the lock.
    pub async fn publish_lock(&self) -> Result<PgPublishLock, StoreError> {
        let mut connection = self.pool.acquire().await.context("waiting to publish")?;
        connection.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock(hashtext('veille.publish'))")
            .execute(&mut *connection)
            .await
            .context("waiting to publish")?;
        Ok(PgPublishLock {
            _connection: connection,
        })
    }
}

/// Ends this worker's lease on source `id`, inside the transaction that
/// records its fetch, so that the source is free exactly when its fetch
/// is stored. SQLite has no leases: the run lock makes the run the only
/// worker.
pub(crate) async fn release_lease(
    tx: &mut crate::store::sql::Tx,
    id: i64,
) -> Result<(), sqlx::Error> {
    if let crate::store::sql::Tx::Postgres(tx) = tx {
        sqlx::query("UPDATE sources SET leased_by = NULL, lease_until = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
