//! Retention: which articles `veille prune` removes (one plan, the same
//! for a dry run and a real prune), removing them in short transactions
//! together with what depends on them, keeping story clusters whole, and
//! removing old run history. Giving the space back is the backends' own
//! (`sqlite::reclaim_space`, `postgres::reclaim_space`).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Dialect, Statement, Tx, placeholders, value_rows};
use super::{Backend, Store, StoreError};

/// Articles removed per transaction: each one holds SQLite's write lock
/// for a few milliseconds, so runs and `veille serve` never wait long.
const ARTICLES_PER_BATCH: usize = 500;

/// History rows removed per statement.
const HISTORY_PER_BATCH: usize = 5_000;

/// The tables of run history: the table, its key, the age of a row, and
/// what stays whatever its age. Each source's latest event stays, so that
/// a source failing for longer than `keep_history` stays in the health
/// feed; a resolved Google News link stays while an article still has it
/// (its feed may list the item again).
const HISTORY: [History; 4] = [
    History {
        table: "fetches",
        key: "id",
        age: "started_at",
        kept: "",
    },
    History {
        table: "source_events",
        key: "id",
        age: "at",
        kept: "AND id NOT IN (SELECT MAX(id) FROM source_events GROUP BY source_id)",
    },
    History {
        table: "runs",
        key: "id",
        age: "started_at",
        kept: "",
    },
    History {
        table: "link_resolutions",
        key: "link",
        age: "COALESCE(resolved_at, failed_at)",
        kept: "AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.aggregator_link = link_resolutions.link)",
    },
];

/// One table of run history (see [`HISTORY`]).
struct History {
    table: &'static str,
    key: &'static str,
    age: &'static str,
    kept: &'static str,
}

/// Which articles go: those older than their cutoff (by date and by when
/// veille first stored them, so a backlog stored today is not removed
/// today), beyond their source's newest `keep_per_source`.
#[derive(Debug, Clone)]
pub struct PruneRules<'a> {
    /// Cutoff of sources without their own.
    pub default_before: Option<DateTime<Utc>>,
    /// Cutoffs of sources that set their own `max_age`, by name.
    pub source_before: Vec<(&'a str, DateTime<Utc>)>,
    /// The newest this many articles of each source stay.
    pub keep_per_source: u32,
    /// Fetches, runs and source events older than this go.
    pub history_before: DateTime<Utc>,
}

/// One article a prune removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrunedArticle {
    /// `articles.id`.
    pub id: i64,
    /// `articles.source_id`.
    pub source_id: i64,
    /// `articles.sort_at`.
    pub sort_at: DateTime<Utc>,
}

/// What a prune removes from one source.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PrunedSource {
    /// The source's name.
    pub source: String,
    /// Articles removed.
    pub articles: u64,
    /// The oldest and newest of them (by `sort_at`).
    pub oldest: DateTime<Utc>,
    /// See `oldest`.
    pub newest: DateTime<Utc>,
}

/// Everything a prune removes, as planned.
#[derive(Debug, Clone, Default)]
pub struct PrunePlan {
    /// The articles, by id.
    pub articles: Vec<PrunedArticle>,
    /// Per source, by name.
    pub sources: Vec<PrunedSource>,
    /// History rows (fetches, source events, runs) past the cutoff.
    pub history: u64,
}

/// The articles past their cutoff and beyond their source's newest, whose
/// alert items were all delivered: `$1` keep per source, `$2` the default
/// cutoff; the cutoffs of sources with their own follow as `(name, before)`.
fn plan_sql(cutoffs: usize) -> String {
    format!(
        "WITH cutoffs(name, before) AS (VALUES {}),
         ranked AS (
             SELECT id, source_id, sort_at, first_seen_at,
                    ROW_NUMBER() OVER (PARTITION BY source_id ORDER BY sort_at DESC, id DESC) AS newest
             FROM articles)
         SELECT r.id, r.source_id, r.sort_at
         FROM ranked r JOIN sources s ON s.id = r.source_id
              LEFT JOIN cutoffs c ON c.name = s.name
         WHERE r.newest > $1
           AND r.sort_at < COALESCE(c.before, $2) AND r.first_seen_at < COALESCE(c.before, $2)
           AND NOT EXISTS (SELECT 1 FROM alert_items i
                           LEFT JOIN alert_deliveries d ON d.id = i.delivery_id
                           WHERE i.article_id = r.id AND d.sent_at IS NULL)
         ORDER BY r.id",
        value_rows(cutoffs, 2, 3)
    )
}

/// Before a batch of articles (`gone`) is deleted: each story cluster it
/// touches is named again after its first remaining article, or undone
/// when fewer than two remain. (The foreign key alone would leave the
/// remaining articles of a cluster whose first article went unclustered.)
fn recluster_sql(batch: usize) -> String {
    format!(
        "WITH gone(id) AS (VALUES {}),
         touched AS (SELECT DISTINCT a.cluster_id AS cluster FROM articles a JOIN gone g ON g.id = a.id
                     WHERE a.cluster_id IS NOT NULL),
         kept AS (SELECT a.cluster_id AS cluster, MIN(a.id) AS root, COUNT(*) AS members
                  FROM articles a JOIN touched t ON t.cluster = a.cluster_id
                  WHERE a.id NOT IN (SELECT id FROM gone)
                  GROUP BY a.cluster_id)
         UPDATE articles SET cluster_id = CASE WHEN k.members >= 2 THEN k.root END
         FROM kept k
         WHERE articles.cluster_id = k.cluster
           AND (k.members < 2 OR k.cluster IN (SELECT id FROM gone))
           AND articles.id NOT IN (SELECT id FROM gone)",
        value_rows(batch, 1, 1)
    )
}

/// Of a batch of planned articles, those still to remove: an alert may
/// have taken one since the plan (another worker, on PostgreSQL).
fn removable_sql(batch: usize) -> String {
    format!(
        "SELECT a.id FROM articles a WHERE a.id IN ({})
           AND NOT EXISTS (SELECT 1 FROM alert_items i
                           LEFT JOIN alert_deliveries d ON d.id = i.delivery_id
                           WHERE i.article_id = a.id AND d.sent_at IS NULL)",
        placeholders(batch, 1)
    )
}

/// Removes the articles of `batch` that may still go, inside `tx`: story
/// clusters first, then the rows (their index rows and alert items go
/// with them). Returns how many went.
async fn remove_batch(tx: &mut Tx, batch: &[i64]) -> Result<u64, StoreError> {
    let what = "removing pruned articles";
    let mut removable = Statement::built(removable_sql(batch.len()));
    for id in batch {
        removable.push(*id);
    }
    let mut ids = Vec::with_capacity(batch.len());
    for row in tx.fetch_all(removable).await.context(what)? {
        ids.push(row.get::<i64>("id")?);
    }
    if ids.is_empty() {
        return Ok(0);
    }
    let mut recluster = Statement::built(recluster_sql(ids.len()));
    let delete = format!(
        "DELETE FROM articles WHERE id IN ({})",
        placeholders(ids.len(), 1)
    );
    let mut delete = Statement::built(delete);
    for id in &ids {
        recluster.push(*id);
        delete.push(*id);
    }
    tx.execute(recluster).await.context(what)?;
    tx.execute(delete).await.context(what)
}

impl Store {
    /// The articles and history that `rules` remove, leaving `protected`
    /// articles (a topic feed's current items) in place. Changes nothing.
    pub async fn plan_prune(
        &self,
        rules: &PruneRules<'_>,
        protected: &HashSet<i64>,
    ) -> Result<PrunePlan, StoreError> {
        let what = "planning the prune";
        let db = self.db();
        let mut cutoffs = rules.source_before.clone();
        if cutoffs.is_empty() {
            // VALUES needs a row; no source is named "".
            cutoffs.push(("", rules.default_before.unwrap_or_default()));
        }
        let mut statement = Statement::built(plan_sql(cutoffs.len()))
            .bind(rules.keep_per_source)
            .bind(rules.default_before);
        for (name, before) in &cutoffs {
            statement.push(*name);
            statement.push(*before);
        }
        let mut articles = Vec::new();
        db.for_each(statement, what, |row| {
            let id: i64 = row.get("id")?;
            if !protected.contains(&id) {
                articles.push(PrunedArticle {
                    id,
                    source_id: row.get("source_id")?,
                    sort_at: row.time("sort_at")?.unwrap_or_default(),
                });
            }
            Ok(())
        })
        .await?;
        let sources = self.per_source(&articles).await?;
        let history = self.history_rows(rules.history_before).await?;
        Ok(PrunePlan {
            articles,
            sources,
            history,
        })
    }

    /// The planned articles counted per source, by name.
    async fn per_source(
        &self,
        articles: &[PrunedArticle],
    ) -> Result<Vec<PrunedSource>, StoreError> {
        let rows = self
            .db()
            .fetch_all(Statement::new("SELECT id, name FROM sources"))
            .await
            .context("reading source names")?;
        let mut names = std::collections::HashMap::new();
        for row in rows {
            names.insert(row.get::<i64>("id")?, row.text("name")?);
        }
        let mut by_name: BTreeMap<String, PrunedSource> = BTreeMap::new();
        for a in articles {
            let name = names.get(&a.source_id).cloned().unwrap_or_default();
            let entry = by_name.entry(name.clone()).or_insert(PrunedSource {
                source: name,
                articles: 0,
                oldest: a.sort_at,
                newest: a.sort_at,
            });
            entry.articles += 1;
            entry.oldest = entry.oldest.min(a.sort_at);
            entry.newest = entry.newest.max(a.sort_at);
        }
        Ok(by_name.into_values().collect())
    }

    /// History rows older than `before`.
    async fn history_rows(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut total = 0;
        for History {
            table, age, kept, ..
        } in HISTORY
        {
            let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {age} < $1 {kept}");
            let row = self
                .db()
                .fetch_one(Statement::built(sql).bind(before))
                .await
                .context(format!("counting old {table}"))?;
            total += row.get::<i64>("n")?.max(0) as u64;
        }
        Ok(total)
    }

    /// The `uid`s of these articles, in the same order (for listing what
    /// a prune removes).
    pub async fn article_uids(&self, ids: &[i64]) -> Result<Vec<String>, StoreError> {
        let mut uids = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ARTICLES_PER_BATCH) {
            let sql = format!(
                "SELECT id, uid FROM articles WHERE id IN ({})",
                placeholders(chunk.len(), 1)
            );
            let mut statement = Statement::built(sql);
            for id in chunk {
                statement.push(*id);
            }
            let rows = self
                .db()
                .fetch_all(statement)
                .await
                .context("reading article uids")?;
            let mut by_id = std::collections::HashMap::new();
            for row in rows {
                by_id.insert(row.get::<i64>("id")?, row.text("uid")?);
            }
            uids.extend(chunk.iter().filter_map(|id| by_id.remove(id)));
        }
        Ok(uids)
    }

    /// Deletes the articles, [`ARTICLES_PER_BATCH`] per transaction, with
    /// their index rows and alert items, keeping story clusters whole.
    /// Calls `progress` with the running total after each batch. A crash
    /// between batches leaves every batch either done or not begun.
    pub async fn prune_articles(
        &self,
        ids: &[i64],
        mut progress: impl FnMut(u64),
    ) -> Result<u64, StoreError> {
        let what = "removing pruned articles";
        let mut removed = 0;
        for batch in ids.chunks(ARTICLES_PER_BATCH) {
            let mut tx = self.db().begin_write().await.context(what)?;
            // Clustering (another worker's) must not join an article to a
            // cluster whose first article is going.
            tx.one_worker_at_a_time("veille.clusters")
                .await
                .context(what)?;
            removed += remove_batch(&mut tx, batch).await?;
            tx.commit().await.context(what)?;
            progress(removed);
        }
        Ok(removed)
    }

    /// Deletes fetches, source events, runs and resolved links older than
    /// `before` (see [`HISTORY`]), a few thousand rows per statement.
    /// Returns the rows deleted.
    pub async fn prune_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut removed = 0;
        for History {
            table,
            key,
            age,
            kept,
        } in HISTORY
        {
            let sql = format!(
                "DELETE FROM {table} WHERE {key} IN
                     (SELECT {key} FROM {table} WHERE {age} < $1 {kept} ORDER BY {key} LIMIT {HISTORY_PER_BATCH})"
            );
            loop {
                let deleted = self
                    .db()
                    .execute(Statement::built(sql.clone()).bind(before))
                    .await
                    .context(format!("removing old {table}"))?;
                removed += deleted;
                if deleted < HISTORY_PER_BATCH as u64 {
                    break;
                }
            }
        }
        Ok(removed)
    }

    /// Gives the space of removed rows back: SQLite returns free pages to
    /// the file system in short steps and compacts the search index;
    /// PostgreSQL vacuums the tables, which makes the space reusable
    /// without shrinking the files.
    pub async fn reclaim_space(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.optimize_search_index(now).await?;
        match &self.backend {
            Backend::Sqlite(db) => db.reclaim_space().await,
            Backend::Postgres(db) => db.reclaim_space().await,
        }
    }

    /// The database's size in bytes: the SQLite file's pages (the WAL is
    /// folded in at checkpoints), or PostgreSQL's `pg_database_size`.
    pub async fn database_bytes(&self) -> Result<u64, StoreError> {
        let sql = match self.db().dialect() {
            Dialect::Sqlite => {
                "SELECT p.page_count * s.page_size AS bytes FROM pragma_page_count() p, pragma_page_size() s"
            }
            Dialect::Postgres => "SELECT pg_database_size(current_database()) AS bytes",
        };
        let row = self
            .db()
            .fetch_one(Statement::new(sql))
            .await
            .context("reading the database size")?;
        Ok(row.get::<i64>("bytes")?.max(0) as u64)
    }
}

/// How often `veille run` prunes.
const PRUNE_EVERY_HOURS: i64 = 24;

/// A prune that started this recently and has not finished is taken to be
/// still running (on another worker); an older one was interrupted.
const PRUNE_RUNNING_HOURS: i64 = 1;

const LAST_PRUNE: &str = "SELECT COUNT(*) AS n FROM prunes
     WHERE (finished_at IS NOT NULL AND started_at > $1) OR (finished_at IS NULL AND started_at > $2)";

const START_PRUNE: &str =
    "INSERT INTO prunes (started_at, bytes_before) VALUES ($1, $2) RETURNING id";

const FINISH_PRUNE: &str = "UPDATE prunes SET finished_at = $2, articles_removed = $3,
        history_removed = $4, bytes_after = $5 WHERE id = $1";

impl Store {
    /// Records the start of a prune; returns its id. With `daily`, only
    /// when no prune finished in the last day (or is running now), so that
    /// one run a day prunes, whichever worker it is; `None` otherwise.
    pub async fn start_prune(
        &self,
        now: DateTime<Utc>,
        daily: bool,
    ) -> Result<Option<i64>, StoreError> {
        let what = "recording the start of a prune";
        let bytes = self.database_bytes().await?;
        let mut tx = self.db().begin_write().await.context(what)?;
        tx.one_worker_at_a_time("veille.prune")
            .await
            .context(what)?;
        if daily {
            let recent = Statement::new(LAST_PRUNE)
                .bind(now - chrono::Duration::hours(PRUNE_EVERY_HOURS))
                .bind(now - chrono::Duration::hours(PRUNE_RUNNING_HOURS));
            let n: i64 = tx.fetch_one(recent).await.context(what)?.get("n")?;
            if n > 0 {
                return Ok(None);
            }
        }
        let row = tx
            .fetch_one(Statement::new(START_PRUNE).bind(now).bind(bytes))
            .await
            .context(what)?;
        let id = row.get("id")?;
        tx.commit().await.context(what)?;
        Ok(Some(id))
    }

    /// Records what prune `id` removed, and the database's size after.
    pub async fn finish_prune(
        &self,
        id: i64,
        articles: u64,
        history: u64,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let bytes = self.database_bytes().await?;
        let statement = Statement::new(FINISH_PRUNE)
            .bind(id)
            .bind(now)
            .bind(articles)
            .bind(history)
            .bind(bytes);
        self.db()
            .execute(statement)
            .await
            .context("recording the end of a prune")?;
        Ok(bytes)
    }
}
