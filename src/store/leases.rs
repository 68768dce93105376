//! Sharing the work between workers: source leases, host slots and the
//! publishing lock. Only PostgreSQL has several workers; on SQLite the run
//! lock makes every run the only worker, and these are no-ops.
//!
//! A worker takes a source with `UPDATE … WHERE id = (SELECT … FOR UPDATE
//! SKIP LOCKED)`: the row is checked again under its lock (still due, not
//! leased), so two workers never both take it, and neither waits for the
//! other. The lease ends when the fetch is committed (`commit_fetch` calls
//! [`release_lease`]) or when it runs out, which is how the sources of a
//! worker that died return to the pool.

use std::time::Duration;

use super::error::Context;
use super::sources::source_state;
use super::sql::{Db, Statement, Tx};
use super::{Claim, SourceState, Store, StoreError};

const CLAIM_SOURCE: &str = "UPDATE sources SET leased_by = $2, lease_until = $3
     WHERE id = (
        SELECT id FROM sources
        WHERE id = $1 AND enabled AND gone_at IS NULL
          AND (lease_until IS NULL OR lease_until < $4)
          AND CASE WHEN $5 THEN last_fetched_at IS NULL OR last_fetched_at < $6
                   ELSE next_fetch_at IS NULL OR next_fetch_at <= $4 END
        FOR UPDATE SKIP LOCKED)
     RETURNING id, etag, last_modified, fetch_url, redirect_candidate, gone_at,
               next_fetch_at, error_count";

/// A slot nobody holds (or whose holder's lease ran out), picked at
/// random so that workers rarely collide; when two do, the loser's
/// conflict clause takes nothing and it simply tries again.
const TAKE_HOST_SLOT: &str = "INSERT INTO host_slots (host, slot, leased_by, lease_until)
     SELECT $1, s, $3, $4 FROM generate_series(0, $2 - 1) AS s
     WHERE NOT EXISTS (SELECT 1 FROM host_slots h
                       WHERE h.host = $1 AND h.slot = s AND h.lease_until >= $5)
     ORDER BY random() LIMIT 1
     ON CONFLICT (host, slot) DO UPDATE
        SET leased_by = excluded.leased_by, lease_until = excluded.lease_until
        WHERE host_slots.lease_until < $5
     RETURNING slot";

const HOST_HAS_FREE_SLOT: &str =
    "SELECT count(*) < $2 AS free FROM host_slots WHERE host = $1 AND lease_until >= $3";

/// Held while publishing: other workers wait for it (PostgreSQL). It is a
/// session advisory lock on a connection that is closed, not returned to
/// the pool, when this is dropped, so the lock cannot outlive it.
pub struct PublishLock {
    _held: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
}

impl Store {
    /// Takes `state`'s source for this worker, when it is still due and no
    /// other worker holds it; returns its state as now stored (another
    /// worker may have fetched it since the run read it).
    pub async fn claim_source(
        &self,
        state: &SourceState,
        claim: &Claim,
    ) -> Result<Option<SourceState>, StoreError> {
        let db @ Db::Postgres(_) = self.db() else {
            return Ok(Some(state.clone()));
        };
        let now = (claim.clock)();
        let statement = Statement::new(CLAIM_SOURCE)
            .bind(state.id)
            .bind(&claim.worker)
            .bind(now + claim.lease)
            .bind(now)
            .bind(claim.all)
            .bind(claim.run_started);
        db.fetch_optional(statement)
            .await
            .context("taking a source")?
            .map(|row| source_state(&row))
            .transpose()
    }

    /// Waits for one of the `slots` connection slots to `host` shared by
    /// every worker; `None` on SQLite, where the fetcher's own per-host
    /// limit is the whole story.
    pub async fn take_host_slot(
        &self,
        host: &str,
        slots: usize,
        claim: &Claim,
    ) -> Result<Option<i32>, StoreError> {
        let db @ Db::Postgres(_) = self.db() else {
            return Ok(None);
        };
        let what = || format!("waiting for a connection slot to {host}");
        let slots = i32::try_from(slots.max(1)).unwrap_or(i32::MAX);
        let mut wait = Duration::from_millis(10);
        loop {
            let now = (claim.clock)();
            let take = Statement::new(TAKE_HOST_SLOT)
                .bind(host)
                .bind(slots)
                .bind(&claim.worker)
                .bind(now + claim.host_lease)
                .bind(now);
            if let Some(row) = db.fetch_optional(take).await.context(what())? {
                return row.get("slot").map(Some);
            }
            let free = Statement::new(HOST_HAS_FREE_SLOT)
                .bind(host)
                .bind(i64::from(slots))
                .bind(now);
            if !db
                .fetch_one(free)
                .await
                .context(what())?
                .get::<bool>("free")?
            {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_millis(200));
            }
        }
    }

    /// Gives back a slot [`Store::take_host_slot`] returned.
    pub async fn release_host_slot(
        &self,
        host: &str,
        slot: i32,
        claim: &Claim,
    ) -> Result<(), StoreError> {
        let statement = Statement::new(
            "DELETE FROM host_slots WHERE host = $1 AND slot = $2 AND leased_by = $3",
        )
        .bind(host)
        .bind(slot)
        .bind(&claim.worker);
        self.db()
            .execute(statement)
            .await
            .context(format!("releasing a connection slot to {host}"))?;
        Ok(())
    }

    /// Waits until no other worker is publishing and holds that until the
    /// returned lock is dropped.
    pub async fn publish_lock(&self) -> Result<PublishLock, StoreError> {
        let Db::Postgres(pool) = self.db() else {
            return Ok(PublishLock { _held: None });
        };
        let mut connection = pool.acquire().await.context("waiting to publish")?;
        connection.close_on_drop();
        sqlx::query("SELECT pg_advisory_lock(hashtext('veille.publish'))")
            .execute(&mut *connection)
            .await
            .context("waiting to publish")?;
        Ok(PublishLock {
            _held: Some(connection),
        })
    }
}

/// Ends this worker's lease on source `id`, inside the transaction that
/// records its fetch, so that the source is free exactly when its fetch
/// is stored.
pub(super) async fn release_lease(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(_) = tx {
        let statement =
            Statement::new("UPDATE sources SET leased_by = NULL, lease_until = NULL WHERE id = $1")
                .bind(id);
        tx.execute(statement).await?;
    }
    Ok(())
}
