//! Stage 4: the database. The only module that speaks SQL.
//!
//! [`Store`] is the one interface the rest of veille uses, with intent-named
//! methods (`sync_sources`, `commit_fetch`, `search`…), over SQLite (the
//! embedded default) or PostgreSQL (for several workers sharing one
//! database). Each job is written once, in one file per job (`sources`,
//! `fetches`, `articles`, `clusters`, `health`, `runs`, `leases`,
//! `search_index`, `topic_models`, `term_stats`, `alerts`, `websub`,
//! `retention`, `stats`, `feed_states`, `link_resolutions`, `backup`),
//! through `sql`: statements
//! with numbered placeholders that both databases read, bound and read back
//! the way each stores its values. What only one database does lives in
//! `sqlite` (the file, FTS5 and its queries, giving space back) and
//! `postgres` (the server, tsvector and its queries, vacuuming). Nothing outside this module sees a pool, a
//! row or a SQL string.

mod alerts;
mod articles;
mod backup;
mod clusters;
mod error;
mod feed_states;
mod fetches;
mod health;
mod known_words;
mod leases;
mod link_resolutions;
mod postgres;
mod query_sources;
mod records;
mod retention;
mod runs;
mod search_index;
mod sources;
mod sql;
mod sqlite;
mod stats;
mod term_stats;
mod topic_models;
mod websub;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::config::DatabaseConfig;
use crate::filter::Query;
use crate::model::StoredArticle;

pub use crate::filter::PreparedArticles;
pub use alerts::{AlertItemRef, AlertSchedule, AlertStatus, DeliveredItem, DeliveryRecord};
pub use clusters::ClusterBatch;
pub use error::StoreError;
pub use feed_states::PublishedFeed;
pub use leases::PublishLock;
pub use link_resolutions::LinkResolution;
pub use records::{
    Claim, FetchRecord, HealthEvent, MatchSummary, NewSource, RunStages, RunTotals, SourceEvent,
    SourceHealth, SourceState, SourceUpdate, StoreCounts,
};
pub use retention::{PrunePlan, PruneRules, PrunedArticle, PrunedSource};
pub use stats::{FeedFigures, Figures, PruneFigures, RunFigures, SourceFigures, StorageUse};
pub use term_stats::TermStats;
pub use websub::{Subscription, WebSubTarget};

use postgres::{PgQuery, PgStore};
use sqlite::{SqliteQuery, SqliteStore};

/// Handle on the database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// (word, stem) pairs this process has recorded in `index_words`.
    known_words: known_words::KnownWords,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Runs the same call on whichever backend is open.
macro_rules! dispatch {
    ($self:ident, $db:ident => $call:expr) => {
        match &$self.backend {
            Backend::Sqlite($db) => $call,
            Backend::Postgres($db) => $call,
        }
    };
}

/// A query ready to run on the backend that compiled it.
pub struct CompiledQuery(Compiled);

enum Compiled {
    Sqlite(SqliteQuery),
    Postgres(PgQuery),
}

impl CompiledQuery {
    /// The SQL condition and the index expressions it uses: what
    /// `veille search --explain` shows as "index lookup".
    pub fn explain(&self) -> String {
        match &self.0 {
            Compiled::Sqlite(q) => q.explain(),
            Compiled::Postgres(q) => q.explain(),
        }
    }
}

/// Runs a call that takes a compiled query on the backend that compiled it.
macro_rules! with_query {
    ($self:ident, $query:expr, $db:ident, $q:ident => $call:expr) => {
        match (&$self.backend, &$query.0) {
            (Backend::Sqlite($db), Compiled::Sqlite($q)) => $call,
            (Backend::Postgres($db), Compiled::Postgres($q)) => $call,
            _ => Err(StoreError::Misuse(
                "a query compiled for one database was run on another",
            )),
        }
    };
}

impl Store {
    /// Opens the database the configuration names, creating it (SQLite)
    /// or its tables (both) when missing.
    pub async fn open(config: &DatabaseConfig) -> Result<Store, StoreError> {
        match config {
            DatabaseConfig::Sqlite { path } => Store::open_sqlite(path).await,
            DatabaseConfig::Postgres { url, .. } => {
                Store::ready(Backend::Postgres(PgStore::open(url).await?)).await
            }
        }
    }

    /// Opens (creating if missing) the SQLite file at `path` and applies
    /// the embedded migrations.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        Store::ready(Backend::Sqlite(SqliteStore::open(path).await?)).await
    }

    /// The store on an opened and migrated `backend`, with a search index
    /// built by this version of the analysis (rebuilt now when it was
    /// built by another: opening is when that is found out).
    async fn ready(backend: Backend) -> Result<Store, StoreError> {
        let store = Store {
            backend,
            known_words: Default::default(),
        };
        search_index::rebuild(store.db(), false, Utc::now()).await?;
        Ok(store)
    }

    /// The open database, for jobs written once for both backends.
    fn db(&self) -> sql::Db<'_> {
        match &self.backend {
            Backend::Sqlite(db) => sql::Db::Sqlite(db.pool()),
            Backend::Postgres(db) => sql::Db::Postgres(db.pool()),
        }
    }

    /// Whether several transactions may write at once (PostgreSQL); with
    /// SQLite's single writer, commits are best made one after the other.
    pub fn concurrent_writers(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The database file, for SQLite.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite(db) => Some(db.path()),
            Backend::Postgres(_) => None,
        }
    }

    /// Flushes what needs flushing and closes the connections.
    pub async fn close(self) {
        match self.backend {
            Backend::Sqlite(db) => db.close().await,
            Backend::Postgres(db) => db.close().await,
        }
    }

    /// The content hashes already stored for these identity keys of a
    /// source, so that unchanged items can skip normalisation.
    pub async fn known_hashes(
        &self,
        source_id: i64,
        keys: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        articles::known_hashes(self.db(), source_id, keys).await
    }

    /// Rebuilds the search index from the articles; returns the rows
    /// written.
    pub async fn rebuild_search_index(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let rows = search_index::rebuild(self.db(), true, now).await?;
        self.known_words.forget();
        Ok(rows)
    }

    /// Compacts the search index when that was last done more than a day
    /// ago; returns whether it ran.
    pub async fn optimize_search_index_if_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, db => db.optimize_search_index(now, false).await)
    }

    /// Compacts the search index now (after a prune removed many rows).
    pub async fn optimize_search_index(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        dispatch!(self, db => db.optimize_search_index(now, true).await).map(|_| ())
    }

    /// Prepares `query` for [`Store::search`]: fills in prefix expansions
    /// from the vocabulary and resolves `source:` and `tag:` against the
    /// sources. `now` is the moment `since:7d` counts from.
    pub async fn compile_query(
        &self,
        query: &mut Query,
        now: DateTime<Utc>,
    ) -> Result<CompiledQuery, StoreError> {
        query_sources::expand_prefixes(self.db(), query).await?;
        let with_outlets = query_sources::has_source_term(query);
        let sources = query_sources::load_sources(self.db(), with_outlets).await?;
        Ok(CompiledQuery(match &self.backend {
            Backend::Sqlite(_) => Compiled::Sqlite(sqlite::compile_query(query, &sources, now)),
            Backend::Postgres(_) => {
                Compiled::Postgres(postgres::compile_query(query, &sources, now))
            }
        }))
    }

    /// Matches of `query` from `from` on: their count per day, and the
    /// newest `limit` of those at or after `items_since`.
    pub async fn match_summary(
        &self,
        query: &CompiledQuery,
        from: DateTime<Utc>,
        items_since: DateTime<Utc>,
        limit: usize,
    ) -> Result<MatchSummary, StoreError> {
        with_query!(self, query, db, q => db.match_summary(q, from, items_since, limit).await)
    }

    /// Whole articles by id, in the order given (unknown ids left out).
    pub async fn articles_by_id(&self, ids: &[i64]) -> Result<Vec<StoredArticle>, StoreError> {
        articles::articles_by_id(self.db(), ids).await
    }

    /// The newest `limit` articles matching `query` (since `since`, when
    /// given), newest first.
    pub async fn search(
        &self,
        query: &CompiledQuery,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        let ids = with_query!(self, query, db, q => db.search(q, since, limit).await)?;
        self.articles_by_id(&ids).await
    }

    /// Completes a search whose newest matches from `from` on are `found`:
    /// looks further back, as far as the match rate requires.
    pub async fn search_beyond(
        &self,
        query: &CompiledQuery,
        since: Option<DateTime<Utc>>,
        limit: usize,
        from: DateTime<Utc>,
        found: Vec<(i64, DateTime<Utc>)>,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        let ids = with_query!(self, query, db, q => db.search_beyond(q, since, limit, from, found).await)?;
        self.articles_by_id(&ids).await
    }
}

/// A PostgreSQL URL without its password, for messages.
pub fn redacted_url(url: &str) -> String {
    postgres::redacted(url)
}

/// How far in the future a published date may be before it is distrusted
/// for ordering (clock skew between servers is common, time travel is
/// not). Both backends' upserts and SQLite's search window rely on it.
pub(crate) const FUTURE_TOLERANCE_MINUTES: i64 = 10;

/// When an article stored at `now` is ordered: its published date, unless
/// that is missing or in the future; then the first-seen time.
pub(crate) fn sort_time(published: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    published
        .filter(|p| *p <= now + chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES))
        .unwrap_or(now)
}

/// Text form of a timestamp in SQLite.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    crate::model::rfc3339(t)
}

/// Reads a SQLite timestamp column back; a malformed value (edited by
/// hand) is treated as missing rather than failing the whole query.
pub(crate) fn parse_ts(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|d| d.with_timezone(&Utc))
}
