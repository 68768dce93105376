//! Retention: `veille prune [--dry-run]`, and the daily prune of
//! `veille run`. The rules come from `[retention]` and the sources' own
//! `max_age`; the articles that topic feeds publish now are kept (with
//! `keep_published`); the store plans, removes in short batches and gives
//! the space back. A dry run computes the same plan and changes nothing.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{RunError, collect, publish_all};
use crate::config::{Config, DatabaseConfig, RetentionConfig};
use crate::lock::RunLock;
use crate::store::{PruneRules, PrunedSource, Store};

/// What `veille prune` is asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct PruneOptions {
    /// Plan and report only.
    pub dry_run: bool,
    /// Also give the `uid` of each article removed.
    pub list: bool,
}

/// What a prune removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PruneReport {
    /// Nothing was changed.
    pub dry_run: bool,
    /// Articles removed.
    pub articles: u64,
    /// Fetch, run and health-event history rows and resolved Google News
    /// links removed.
    pub history: u64,
    /// Per source: how many articles, and their date range.
    pub sources: Vec<PrunedSource>,
    /// The database's size before and after (the same in a dry run).
    pub bytes_before: u64,
    /// See `bytes_before`.
    pub bytes_after: u64,
    /// The removed articles' `uid`s, when listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uids: Vec<String>,
}

/// Why a prune could not run (besides the run's own errors).
#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    /// The configuration asks for no retention.
    #[error(
        "{path}: no [retention] table and no source with `max_age`: nothing is ever pruned (see README, \"Retention\")"
    )]
    NotConfigured {
        /// The config file.
        path: String,
    },
    /// The run failed (lock, database, query).
    #[error(transparent)]
    Run(#[from] RunError),
}

/// `veille prune`: holds the run lock (an SQLite file has one writer,
/// and a run's clustering must not meet a prune), plans, and removes.
pub async fn prune(config: &Config, options: PruneOptions) -> Result<PruneReport, PruneError> {
    let retention = config
        .retention
        .as_ref()
        .ok_or_else(|| PruneError::NotConfigured {
            path: config.path.display().to_string(),
        })?;
    let queries = super::compile_queries(config)?;
    let _lock = match &config.database {
        DatabaseConfig::Sqlite { path } => {
            Some(RunLock::acquire(path).await.map_err(RunError::from)?)
        }
        DatabaseConfig::Postgres { .. } => None,
    };
    let store = Store::open(&config.database)
        .await
        .map_err(RunError::from)?;
    // Workers sharing a PostgreSQL database publish and send alerts under
    // this lock (the daily prune runs under it too): none publishes, or
    // queues an alert for, an article while it is being removed.
    let publishing = match options.dry_run {
        true => None,
        false => Some(store.publish_lock().await.map_err(RunError::from)?),
    };
    let now = Utc::now();
    let protected = if retention.keep_published {
        let save = match options.dry_run {
            true => super::topics::Save::No,
            false => super::topics::Save::Yes,
        };
        published_now(&store, config, &queries, save, now).await?
    } else {
        HashSet::new()
    };
    let report = prune_with(&store, config, retention, &protected, options, now).await?;
    // Before closing: closing waits for every connection, the lock's too.
    drop(publishing);
    store.close().await;
    Ok(report)
}

/// The daily prune of `veille run`, after publishing: `published` are the
/// items the feeds were just published with. `None` when a prune already
/// ran in the last day (or retention is not configured).
pub(super) async fn daily_prune(
    store: &Store,
    config: &Config,
    published: &HashSet<i64>,
) -> Result<Option<PruneReport>, RunError> {
    let Some(retention) = &config.retention else {
        return Ok(None);
    };
    let now = Utc::now();
    let Some(prune_id) = store.start_prune(now, true).await? else {
        return Ok(None);
    };
    let empty = HashSet::new();
    let protected = if retention.keep_published {
        published
    } else {
        &empty
    };
    let report = remove(store, config, retention, protected, prune_id, now, false).await?;
    tracing::debug!(
        "daily prune: {} articles, {} history rows",
        report.articles,
        report.history
    );
    Ok(Some(report))
}

/// Plans, and unless it is a dry run, removes and records the prune.
async fn prune_with(
    store: &Store,
    config: &Config,
    retention: &RetentionConfig,
    protected: &HashSet<i64>,
    options: PruneOptions,
    now: DateTime<Utc>,
) -> Result<PruneReport, RunError> {
    if options.dry_run {
        let plan = store
            .plan_prune(&rules(config, retention, now), protected)
            .await?;
        let bytes = store.database_bytes().await?;
        let ids: Vec<i64> = plan.articles.iter().map(|a| a.id).collect();
        return Ok(PruneReport {
            dry_run: true,
            articles: ids.len() as u64,
            history: plan.history,
            sources: plan.sources,
            bytes_before: bytes,
            bytes_after: bytes,
            uids: listed(store, &ids, options.list).await?,
        });
    }
    let prune_id = store
        .start_prune(now, false)
        .await?
        .ok_or(crate::store::StoreError::Misuse(
            "a prune that did not start",
        ))?;
    remove(
        store,
        config,
        retention,
        protected,
        prune_id,
        now,
        options.list,
    )
    .await
}

/// Removes what the rules select, then old history, gives the space back
/// and records the prune `prune_id`; lists the removed articles' `uid`s
/// with `list`.
async fn remove(
    store: &Store,
    config: &Config,
    retention: &RetentionConfig,
    protected: &HashSet<i64>,
    prune_id: i64,
    now: DateTime<Utc>,
    list: bool,
) -> Result<PruneReport, RunError> {
    let bytes_before = store.database_bytes().await?;
    let rules = rules(config, retention, now);
    let plan = store.plan_prune(&rules, protected).await?;
    let ids: Vec<i64> = plan.articles.iter().map(|a| a.id).collect();
    let uids = listed(store, &ids, list).await?;
    // History first, as the dry run counted it: a resolved link whose
    // article goes now is history at the next prune.
    let history = store.prune_history(rules.history_before).await?;
    let articles = store
        .prune_articles(&ids, |done| tracing::debug!("pruned {done} articles"))
        .await?;
    if articles + history > 0 {
        store.reclaim_space(Utc::now()).await?;
    }
    let bytes_after = store
        .finish_prune(prune_id, articles, history, Utc::now())
        .await?;
    Ok(PruneReport {
        dry_run: false,
        articles,
        history,
        sources: plan.sources,
        bytes_before,
        bytes_after,
        uids,
    })
}

/// The `uid`s of `ids` when asked for.
async fn listed(store: &Store, ids: &[i64], list: bool) -> Result<Vec<String>, RunError> {
    Ok(match list {
        true => store.article_uids(ids).await?,
        false => Vec::new(),
    })
}

/// The store's rules from the configuration, at `now`.
fn rules<'c>(
    config: &'c Config,
    retention: &RetentionConfig,
    now: DateTime<Utc>,
) -> PruneRules<'c> {
    // An age beyond the calendar keeps everything: the cutoff stops at
    // year 1, which both databases can store.
    let year_one = DateTime::<Utc>::from_timestamp(-62_135_596_800, 0).unwrap_or(now);
    let before = |age: Duration| {
        chrono::Duration::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
            .map_or(year_one, |cutoff| cutoff.max(year_one))
    };
    PruneRules {
        default_before: retention.max_age.map(before),
        source_before: config
            .sources
            .iter()
            .filter_map(|s| Some((s.name.as_str(), before(s.max_age?))))
            .collect(),
        keep_per_source: retention.keep_per_source,
        history_before: before(retention.keep_history),
    }
}

/// The articles every topic feed would publish now, as `veille publish`
/// selects them.
async fn published_now(
    store: &Store,
    config: &Config,
    queries: &[crate::filter::Query],
    save: super::topics::Save,
    now: DateTime<Utc>,
) -> Result<HashSet<i64>, RunError> {
    let (models, _) = publish_all::fitted_models(store, config, queries, save).await?;
    let selections = collect::select_articles(store, config, queries, &models, now).await?;
    Ok(selections
        .iter()
        .flat_map(|s| s.items.iter().map(|item| item.stored.id))
        .collect())
}
