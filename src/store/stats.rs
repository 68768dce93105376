//! The figures monitoring reads: per source, the fetch counters of
//! `fetch_totals` (which only grow, unlike the prunable `fetches`), the
//! last run's stages, each feed as last published, the database's size;
//! and for `veille stats`, articles per day and the space each table and
//! index takes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::error::Context;
use super::sql::{Dialect, Row, Statement};
use super::{Store, StoreError};

const SOURCES: &str = "SELECT s.id, s.name, s.enabled, s.last_success_at, s.error_count,
        (SELECT COUNT(*) FROM articles a WHERE a.source_id = s.id) AS articles
     FROM sources s ORDER BY s.name";

const FETCH_TOTALS: &str = "SELECT source_id, outcome, fetches, items_new, items_updated FROM fetch_totals ORDER BY outcome";

const LAST_RUN: &str = "SELECT command, started_at, finished_at, items_new, items_updated,
        articles_pruned, fetch_seconds, normalise_seconds, store_seconds, cluster_seconds,
        publish_seconds, prune_seconds
     FROM runs WHERE finished_at IS NOT NULL AND command <> 'push'
     ORDER BY finished_at DESC, id DESC LIMIT 1";

const FEEDS: &str = "SELECT slug, items, changed_at, published_at FROM feed_states ORDER BY slug";

const LAST_PRUNE: &str = "SELECT started_at, finished_at, articles_removed, history_removed,
        bytes_before, bytes_after
     FROM prunes WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1";

/// Space per table and index: SQLite's `dbstat` (every page read, so only
/// for `veille stats`), PostgreSQL's catalog.
const SQLITE_STORAGE: &str =
    "SELECT d.name AS name, COALESCE(m.type, 'table') AS kind, d.pgsize AS bytes
     FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name
     WHERE d.aggregate = TRUE ORDER BY d.pgsize DESC, d.name";
const POSTGRES_STORAGE: &str = "SELECT c.relname AS name,
        CASE c.relkind WHEN 'i' THEN 'index' ELSE 'table' END AS kind,
        CASE c.relkind WHEN 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')
     ORDER BY bytes DESC, name";

/// One source's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceFigures {
    /// The source's name.
    pub name: String,
    /// In the configuration and enabled.
    pub enabled: bool,
    /// Articles in the database now.
    pub articles: i64,
    /// When a fetch last succeeded.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Failures in a row.
    pub consecutive_failures: i64,
    /// Fetches by outcome ("200", "304", "timeout"…), ever.
    pub fetches: BTreeMap<String, i64>,
    /// Articles first stored by its fetches, ever.
    pub items_new: i64,
    /// Articles revised by its fetches, ever.
    pub items_updated: i64,
}

/// The last finished run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunFigures {
    /// `run`, `fetch` or `publish`.
    pub command: String,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Articles it stored for the first time.
    pub items_new: i64,
    /// Articles it revised.
    pub items_updated: i64,
    /// Articles its daily prune removed.
    pub articles_pruned: i64,
    /// Seconds per stage, for the stages it had.
    pub stage_seconds: BTreeMap<String, f64>,
}

/// A topic feed as last published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedFigures {
    /// The feed's slug.
    pub slug: String,
    /// Items in its files.
    pub items: i64,
    /// When its files last changed.
    pub changed_at: Option<DateTime<Utc>>,
    /// When it was last published.
    pub published_at: Option<DateTime<Utc>>,
}

/// The last finished prune.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PruneFigures {
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Articles it removed.
    pub articles_removed: i64,
    /// History rows it removed.
    pub history_removed: i64,
    /// Database size before.
    pub bytes_before: Option<i64>,
    /// Database size after.
    pub bytes_after: Option<i64>,
}

/// Everything monitoring reads, at one moment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    /// Every source, by name.
    pub sources: Vec<SourceFigures>,
    /// The last finished run.
    pub last_run: Option<RunFigures>,
    /// The last finished prune.
    pub last_prune: Option<PruneFigures>,
    /// Every feed as last published.
    pub feeds: Vec<FeedFigures>,
    /// The database's size in bytes.
    pub database_bytes: u64,
}

/// The space one table or index takes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StorageUse {
    /// Its name.
    pub name: String,
    /// `table` or `index`.
    pub kind: String,
    /// Bytes.
    pub bytes: i64,
}

impl Store {
    /// The figures monitoring reads.
    pub async fn figures(&self) -> Result<Figures, StoreError> {
        let what = "reading figures";
        let db = self.db();
        let mut sources = Vec::new();
        // Each source's place in `sources`, by id.
        let mut place = std::collections::HashMap::new();
        for row in db.fetch_all(Statement::new(SOURCES)).await.context(what)? {
            place.insert(row.get::<i64>("id")?, sources.len());
            sources.push(source_figures(&row)?);
        }
        for row in db
            .fetch_all(Statement::new(FETCH_TOTALS))
            .await
            .context(what)?
        {
            let id: i64 = row.get("source_id")?;
            if let Some(source) = place.get(&id).and_then(|i| sources.get_mut(*i)) {
                source
                    .fetches
                    .insert(row.text("outcome")?, row.get("fetches")?);
                source.items_new += row.get::<i64>("items_new")?;
                source.items_updated += row.get::<i64>("items_updated")?;
            }
        }
        let last_run = db
            .fetch_optional(Statement::new(LAST_RUN))
            .await
            .context(what)?;
        let last_prune = db
            .fetch_optional(Statement::new(LAST_PRUNE))
            .await
            .context(what)?;
        let feeds = db.fetch_all(Statement::new(FEEDS)).await.context(what)?;
        Ok(Figures {
            sources,
            last_run: last_run.as_ref().map(run_figures).transpose()?,
            last_prune: last_prune.as_ref().map(prune_figures).transpose()?,
            feeds: feeds.iter().map(feed_figures).collect::<Result<_, _>>()?,
            database_bytes: self.database_bytes().await?,
        })
    }

    /// Articles first stored on each of the last `days` days (UTC), oldest
    /// first, days without any included.
    pub async fn articles_per_day(
        &self,
        days: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        let today = now.date_naive();
        let first = today - chrono::Duration::days(i64::from(days.max(1)) - 1);
        let mut counts: BTreeMap<NaiveDate, u64> = (0..days.max(1))
            .map(|d| (first + chrono::Duration::days(i64::from(d)), 0))
            .collect();
        let from = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let statement =
            Statement::new("SELECT first_seen_at FROM articles WHERE first_seen_at >= $1")
                .bind(from);
        self.db()
            .for_each(statement, "counting articles per day", |row| {
                if let Some(count) = row
                    .time("first_seen_at")?
                    .and_then(|t| counts.get_mut(&t.date_naive()))
                {
                    *count += 1;
                }
                Ok(())
            })
            .await?;
        Ok(counts.into_iter().collect())
    }

    /// The space each table and index takes, largest first. On SQLite this
    /// reads every page of the file.
    pub async fn storage_use(&self) -> Result<Vec<StorageUse>, StoreError> {
        let sql = match self.db().dialect() {
            Dialect::Sqlite => SQLITE_STORAGE,
            Dialect::Postgres => POSTGRES_STORAGE,
        };
        let rows = self
            .db()
            .fetch_all(Statement::new(sql))
            .await
            .context("measuring tables and indexes")?;
        rows.iter()
            .map(|r| {
                Ok(StorageUse {
                    name: r.text("name")?,
                    kind: r.text("kind")?,
                    bytes: r.get("bytes")?,
                })
            })
            .collect()
    }
}

fn source_figures(row: &Row) -> Result<SourceFigures, StoreError> {
    Ok(SourceFigures {
        name: row.text("name")?,
        enabled: row.get("enabled")?,
        articles: row.get("articles")?,
        last_success_at: row.time("last_success_at")?,
        consecutive_failures: row.get("error_count")?,
        fetches: BTreeMap::new(),
        items_new: 0,
        items_updated: 0,
    })
}

fn run_figures(row: &Row) -> Result<RunFigures, StoreError> {
    let mut stage_seconds = BTreeMap::new();
    for stage in ["fetch", "normalise", "store", "cluster", "publish", "prune"] {
        if let Some(seconds) = row.get::<Option<f64>>(&format!("{stage}_seconds"))? {
            stage_seconds.insert(stage.to_string(), seconds);
        }
    }
    Ok(RunFigures {
        command: row.text("command")?,
        started_at: row.time("started_at")?,
        finished_at: row.time("finished_at")?,
        items_new: row.get("items_new")?,
        items_updated: row.get("items_updated")?,
        articles_pruned: row.get("articles_pruned")?,
        stage_seconds,
    })
}

fn feed_figures(row: &Row) -> Result<FeedFigures, StoreError> {
    Ok(FeedFigures {
        slug: row.text("slug")?,
        items: row.get("items")?,
        changed_at: row.time("changed_at")?,
        published_at: row.time("published_at")?,
    })
}

fn prune_figures(row: &Row) -> Result<PruneFigures, StoreError> {
    Ok(PruneFigures {
        started_at: row.time("started_at")?,
        finished_at: row.time("finished_at")?,
        articles_removed: row.get("articles_removed")?,
        history_removed: row.get("history_removed")?,
        bytes_before: row.get("bytes_before")?,
        bytes_after: row.get("bytes_after")?,
    })
}
