//! One pass of veille: sources → fetch → parse → normalise → store, then
//! store → filter → publish.
//!
//! This module owns ordering, concurrency and the per-source bookkeeping; it
//! calls the stage modules and never parses bytes or writes SQL itself. A
//! failing source is a value ([`SourceOutcome`] with a [`SourceError`]),
//! recorded and reported, never a reason to stop the run; a database error
//! is, since every later commit would fail too.

mod aggregator;
mod alerts;
pub mod check_source;
pub mod collect;
pub mod discover;
mod error;
mod fetch_all;
pub mod full_text;
pub mod import;
mod ingest;
pub mod preview;
mod prune;
mod publish_all;
pub(crate) mod sitemap;

pub use alerts::{AlertOutcome, AlertTestError, FAILING_AFTER, send_test_alert};
pub mod requests;
pub mod schedule;
pub mod topics;
pub mod websub;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

pub use error::SourceError;
pub use prune::{PruneError, PruneOptions, PruneReport, prune};

use chrono::Utc;

use crate::config::{Config, DatabaseConfig};
use crate::fetch::{FetchError, Fetcher};
use crate::filter::{Query, QueryError};
use crate::lock::{LockError, RunLock};
use crate::publish::PublishError;
use crate::store::{
    Claim, NewSource, PublishedFeed, RunStages, RunTotals, Store, StoreCounts, StoreError,
};

/// Which stages a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Fetch the sources.
    pub fetch: bool,
    /// Publish the feeds.
    pub publish: bool,
    /// Fetch every source, due or not (`--all`).
    pub all: bool,
}

impl RunOptions {
    /// The command name recorded in `runs.command`.
    fn command(&self) -> &'static str {
        match (self.fetch, self.publish) {
            (true, true) => "run",
            (true, false) => "fetch",
            _ => "publish",
        }
    }
}

/// How one source went.
#[derive(Debug)]
pub struct SourceOutcome {
    /// Source name.
    pub name: String,
    /// URL requested.
    pub url: String,
    /// Counts on success, the reason on failure.
    pub result: Result<SourceSuccess, SourceError>,
    /// Time spent reading and normalising what came (off the async
    /// workers), and this source's share of its commit.
    pub busy: Busy,
}

/// Time a source's work took in the stages that overlap with fetching.
#[derive(Debug, Clone, Copy, Default)]
pub struct Busy {
    /// Parsing, normalising and analysing for the index.
    pub normalise: std::time::Duration,
    /// Its share of the transaction that stored it.
    pub store: std::time::Duration,
}

/// A source fetched without error.
#[derive(Debug, Clone, Copy)]
pub struct SourceSuccess {
    /// HTTP status (304 when not modified).
    pub http_status: u16,
    /// Article counts.
    pub counts: StoreCounts,
}

/// How one topic feed went.
#[derive(Debug, Clone)]
pub struct FeedOutcome {
    /// Feed slug.
    pub slug: String,
    /// Items published.
    pub items: usize,
    /// Files written (0 when nothing changed).
    pub files_written: usize,
}

/// Everything a run did.
#[derive(Debug, Default)]
pub struct RunReport {
    /// Totals, as stored in `runs`.
    pub totals: RunTotals,
    /// Per-source outcomes, in completion order.
    pub sources: Vec<SourceOutcome>,
    /// Per-feed outcomes, in config order.
    pub feeds: Vec<FeedOutcome>,
    /// Feeds not published, and why (their examples could not be used);
    /// their last files stay.
    pub feed_errors: Vec<(String, String)>,
    /// What each alert did, in config order.
    pub alerts: Vec<AlertOutcome>,
    /// WebSub hubs that could not be told of a changed feed file.
    pub hub_failures: Vec<crate::websub::PingFailure>,
    /// What the daily prune removed, when it ran.
    pub pruned: Option<PruneReport>,
    /// Why the daily prune failed, when it did.
    pub prune_error: Option<String>,
    /// How long each stage took.
    pub stages: RunStages,
}

/// Errors that stop a run (per-source failures do not).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Another run holds the lock, or the lock file is unusable.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database is unusable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Output could not be written.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// A feed's query does not parse.
    #[error("feed {slug:?}: invalid query: {error}")]
    Query {
        /// The feed.
        slug: String,
        /// The parse error.
        error: QueryError,
    },
}

/// Receives progress events (the CLI draws a bar or prints lines).
pub trait Progress: Send + Sync {
    /// `total` sources are about to be fetched.
    fn start(&self, total: usize);
    /// One source is done.
    fn source_done(&self, outcome: &SourceOutcome);
    /// Fetching is over.
    fn finish(&self);
}

/// A [`Progress`] that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn source_done(&self, _: &SourceOutcome) {}
    fn finish(&self) {}
}

/// The database a configuration uses, for people: the SQLite file, or
/// the PostgreSQL URL without its password.
pub fn database_label(config: &Config) -> String {
    match &config.database {
        DatabaseConfig::Sqlite { path } => path.display().to_string(),
        DatabaseConfig::Postgres { url, .. } => crate::store::redacted_url(url),
    }
}

/// Compiles every feed's query, failing on the first bad one.
pub fn compile_queries(config: &Config) -> Result<Vec<Query>, RunError> {
    config
        .feeds
        .iter()
        .map(|f| {
            Query::parse(&f.query).map_err(|error| RunError::Query {
                slug: f.slug.clone(),
                error,
            })
        })
        .collect()
}

/// Runs the stages `options` selects, holding the run lock throughout.
pub async fn run(
    config: &Config,
    options: RunOptions,
    progress: &dyn Progress,
) -> Result<RunReport, RunError> {
    let queries = compile_queries(config)?;
    // One run at a time on an SQLite file; on PostgreSQL, runs share the
    // work through the database instead.
    let _lock = match &config.database {
        DatabaseConfig::Sqlite { path } => Some(RunLock::acquire(path).await?),
        DatabaseConfig::Postgres { .. } => None,
    };
    let store = Store::open(&config.database).await?;
    let started = Utc::now();
    let run_id = store.start_run(options.command(), started).await?;
    let states = store
        .sync_sources(&configured_sources(config), Utc::now())
        .await?;
    let mut report = RunReport::default();
    if options.fetch {
        let fetching = Instant::now();
        report.sources =
            fetch_due(&store, config, &states, options, run_id, started, progress).await?;
        report.stages.fetch = Some(fetching.elapsed());
        report.stages.normalise = Some(report.sources.iter().map(|s| s.busy.normalise).sum());
        report.stages.store = Some(report.sources.iter().map(|s| s.busy.store).sum());
        count_sources(&mut report.totals, &report.sources);
        report.stages.cluster = Some(cluster_and_optimize(&store, started, run_id).await?);
    }
    if options.publish {
        // `veille run` prunes once a day; `publish` alone never does.
        let prune_daily = options.fetch;
        publish_and_prune(&store, config, &queries, started, prune_daily, &mut report).await?;
    }
    store
        .finish_run(run_id, &report.totals, &report.stages, Utc::now())
        .await?;
    store.close().await;
    Ok(report)
}

/// Clusters the run's new articles and optimizes the search index when
/// that is due; returns the time it took.
async fn cluster_and_optimize(
    store: &Store,
    started: chrono::DateTime<Utc>,
    run_id: i64,
) -> Result<std::time::Duration, RunError> {
    let clustering = Instant::now();
    tracing::debug!("fetching done; clustering new articles");
    let joined = cluster_new_articles(store, started, Some(run_id)).await?;
    tracing::debug!("clustering done: {joined} new articles joined a story");
    if store.optimize_search_index_if_due(Utc::now()).await? {
        tracing::debug!("search index optimized");
    }
    Ok(clustering.elapsed())
}

/// Publishes every feed and sends the alerts, then prunes once a day
/// (after publishing, so that what the feeds publish now is kept), and
/// writes the health feed.
async fn publish_and_prune(
    store: &Store,
    config: &Config,
    queries: &[Query],
    started: chrono::DateTime<Utc>,
    prune_daily: bool,
    report: &mut RunReport,
) -> Result<(), RunError> {
    let publishing = Instant::now();
    // One publisher at a time when workers share a database; each
    // publishes everything stored so far, so the last one leaves the
    // files complete (and unchanged files are not rewritten).
    let lock = store.publish_lock().await?;
    let publication = publish_all::publish_all(store, config, queries, report).await?;
    tracing::debug!("publishing done");
    report.feeds = publication.feeds;
    record_feeds(store, config, &report.feeds).await?;
    report.alerts = alerts::run_alerts(store, config, &publication.alert_items, started).await?;
    let mut publish_time = publishing.elapsed();
    let pruning = Instant::now();
    if prune_daily {
        // The feeds are published: a prune that fails is reported and
        // tried again at the next run, and this run still finishes.
        match prune::daily_prune(store, config, &publication.items).await {
            Ok(pruned) => report.pruned = pruned,
            Err(e) => report.prune_error = Some(e.to_string()),
        }
    }
    if let Some(pruned) = &report.pruned {
        report.stages.prune = Some(pruning.elapsed());
        report.totals.articles_pruned = pruned.articles;
    }
    let health = Instant::now();
    publish_all::publish_health(store, config).await?;
    // The files are written: other workers may publish while the hubs
    // are told.
    drop(lock);
    publish_time += health.elapsed();
    report.stages.publish = Some(publish_time);
    report.hub_failures =
        crate::websub::ping_hubs(&config.publish.hubs, &publication.changed).await;
    Ok(())
}

/// Records how each feed was left, for monitoring.
async fn record_feeds(
    store: &Store,
    config: &Config,
    feeds: &[FeedOutcome],
) -> Result<(), RunError> {
    let published: Vec<PublishedFeed> = feeds
        .iter()
        .map(|f| PublishedFeed {
            slug: &f.slug,
            items: f.items,
            changed: f.files_written > 0,
        })
        .collect();
    let configured: Vec<&str> = config.feeds.iter().map(|f| f.slug.as_str()).collect();
    store
        .record_feeds(&published, &configured, Utc::now())
        .await?;
    Ok(())
}

/// Adds the sources' outcomes to the run's totals.
fn count_sources(totals: &mut RunTotals, sources: &[SourceOutcome]) {
    for s in sources {
        match &s.result {
            Ok(ok) => {
                totals.sources_ok += 1;
                totals.items_new += ok.counts.new;
                totals.items_updated += ok.counts.updated;
            }
            Err(_) => totals.sources_failed += 1,
        }
    }
}

/// The sources as the configuration lists them, for the store to sync.
fn configured_sources(config: &Config) -> Vec<NewSource<'_>> {
    config
        .sources
        .iter()
        .map(|s| NewSource {
            name: &s.name,
            url: s.url.as_str(),
            kind: s.kind.name(),
            tags: &s.tags,
            language: s.language.as_deref(),
            enabled: s.enabled,
            fingerprint: &s.fingerprint,
        })
        .collect()
}

/// Fetches the due sources (all with `--all`) and stores what they bring.
async fn fetch_due(
    store: &Store,
    config: &Config,
    states: &HashMap<String, crate::store::SourceState>,
    options: RunOptions,
    run_id: i64,
    started: chrono::DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<Vec<SourceOutcome>, RunError> {
    let fetcher = Arc::new(Fetcher::new(&config.fetch)?);
    let sources = fetch_all::due(config.enabled_sources(), states, options.all, Utc::now());
    let claim = worker_claim(config, options, started);
    let shared = fetch_all::Shared {
        run_id,
        claim: &claim,
    };
    Ok(fetch_all::fetch_all(
        store,
        fetcher,
        &sources,
        states,
        &shared,
        &config.fetch,
        progress,
    )
    .await?)
}

/// This process's claim on sources and host slots: a source is held at
/// most the configured lease (PostgreSQL), a host slot one request's time.
fn worker_claim(config: &Config, options: RunOptions, started: chrono::DateTime<Utc>) -> Claim {
    let lease = match &config.database {
        DatabaseConfig::Postgres { lease, .. } => *lease,
        DatabaseConfig::Sqlite { .. } => std::time::Duration::from_secs(600),
    };
    Claim::for_this_process(
        started,
        options.all,
        chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(10)),
        // A request ends within its timeout (redirects included).
        chrono::Duration::from_std(config.fetch.timeout * 2)
            .unwrap_or(chrono::Duration::minutes(1))
            + chrono::Duration::seconds(5),
    )
}

/// Puts the articles this run stored into story clusters: the store reads
/// the window, `cluster` decides, the store writes.
/// Only articles from sources the run `run` fetched are new, when given.
pub async fn cluster_new_articles(
    store: &Store,
    since: chrono::DateTime<Utc>,
    run: Option<i64>,
) -> Result<u64, StoreError> {
    let started = std::time::Instant::now();
    let mut batch = store.begin_clustering(since, run).await?;
    let read = started.elapsed();
    let assignments = batch.candidates.assign();
    let assigned = started.elapsed();
    let joined = batch.candidates.new_in_clusters();
    batch.finish(&assignments).await?;
    tracing::debug!(
        "clustering: read {read:?}, assigned at {assigned:?}, written at {:?}",
        started.elapsed()
    );
    Ok(joined)
}

/// Runs `veille run` every `every`, for ever (`veille serve --refresh`):
/// each run is logged; a run that finds another in progress (a cron run
/// holds the lock) skips its turn.
pub async fn refresh_every(config: Config, every: std::time::Duration) {
    let options = RunOptions {
        fetch: true,
        publish: true,
        all: false,
    };
    loop {
        match run(&config, options, &Silent).await {
            Ok(report) => tracing::info!(
                sources_ok = report.totals.sources_ok,
                sources_failed = report.totals.sources_failed,
                new = report.totals.items_new,
                "refreshed"
            ),
            Err(RunError::Lock(LockError::Held { .. })) => {
                tracing::info!("another run is in progress; skipping this refresh")
            }
            Err(e) => eprintln!("veille: refresh failed: {e}"),
        }
        tokio::time::sleep(every).await;
    }
}
