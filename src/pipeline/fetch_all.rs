//! Fetching every due source concurrently (bounded by
//! `fetch.concurrency`, and per host by the fetcher), parsing and
//! normalising off the async workers, planning the next fetch, and
//! committing each source's results in its own transaction.
//!
//! At most `concurrency` sources are being fetched, and at most as many
//! wait, fetched, for the database, so memory stays bounded however far the
//! fetches run ahead of it. SQLite has one writer: the loop stores what is
//! ready in one transaction while the next fetches go on (fewer commits
//! write fewer pages, and the network never waits for the disk).
//! PostgreSQL takes several writers, and each task commits its own. Items the database already holds unchanged are recognised by
//! their content hash and skip the costly normalisation (sanitising, text
//! extraction, language detection).
//!
//! When workers share a PostgreSQL database, a source is taken
//! ([`Store::claim_source`]) before its task starts, and a connection slot
//! of its host ([`Store::take_host_slot`]) for the time of the request.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use super::ingest::FeedInfo;
use super::schedule::{Intervals, Outcome, plan};
use super::{Busy, Progress, SourceError, SourceOutcome, SourceSuccess};
use crate::config::{FetchConfig, SourceConfig};
use crate::fetch::{FetchError, FetchResponse, Fetcher};
use crate::store::{Claim, FetchRecord, PreparedArticles, SourceState, Store, StoreError};
use crate::untrusted::error_column;

/// Most fetches stored in one SQLite transaction.
const MAX_BATCH: usize = 32;

/// What one task brings back to be committed.
struct Fetched {
    source: SourceConfig,
    state: SourceState,
    url: url::Url,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    response: Option<FetchResponse>,
    /// What is kept of the parsed feed (not its items: the articles carry
    /// them), so that sources waiting to be committed hold little memory.
    feed: Option<FeedInfo>,
    /// Body size; the body itself is dropped once parsed.
    bytes: u64,
    /// The articles, already analysed for the search index: done here, in
    /// the fetch task, so the analysis runs in parallel across sources
    /// while commits go one at a time.
    articles: PreparedArticles,
    error: Option<SourceError>,
    /// Pushed by a WebSub hub: the body may be a partial feed, so the
    /// source's hub and topic stay as the last poll read them.
    pushed: bool,
    /// Time spent reading the body into articles.
    normalising: std::time::Duration,
}

/// The sources to fetch now: enabled, not gone, and due (or all with `--all`).
pub(super) fn due<'a>(
    sources: impl Iterator<Item = &'a SourceConfig>,
    states: &HashMap<String, SourceState>,
    all: bool,
    now: DateTime<Utc>,
) -> Vec<SourceConfig> {
    sources
        .filter(|s| {
            states
                .get(&s.name)
                .is_some_and(|st| !st.gone && (all || st.next_fetch_at.is_none_or(|t| t <= now)))
        })
        .cloned()
        .collect()
}

/// What a fetch task hands back.
enum Done {
    /// Fetched, to be committed by the loop (one writer at a time).
    Fetched(Box<Fetched>),
    /// Fetched and committed by the task itself.
    Committed(SourceOutcome),
}

/// A fetch task's result: a database error ends the run.
type TaskResult = Result<Done, StoreError>;

/// What every fetch of a run shares.
pub(super) struct Shared<'a> {
    /// The run the fetches are recorded under.
    pub run_id: i64,
    /// This worker, for taking sources and host slots from the others.
    pub claim: &'a Claim,
}

pub(super) async fn fetch_all(
    store: &Store,
    fetcher: Arc<Fetcher>,
    sources: &[SourceConfig],
    states: &HashMap<String, SourceState>,
    shared: &Shared<'_>,
    config: &FetchConfig,
    progress: &dyn Progress,
) -> Result<Vec<SourceOutcome>, StoreError> {
    progress.start(sources.len());
    let result = fetch_and_commit(store, fetcher, sources, states, shared, config, progress).await;
    progress.finish();
    result
}

/// [`fetch_all`]'s loop. A database error stops it at once: the tasks
/// still running are aborted (dropped with the `JoinSet`), nothing more is
/// fetched, and the error goes up, since every later commit would fail too
/// and a source must not be blamed for the database.
async fn fetch_and_commit(
    store: &Store,
    fetcher: Arc<Fetcher>,
    sources: &[SourceConfig],
    states: &HashMap<String, SourceState>,
    shared: &Shared<'_>,
    config: &FetchConfig,
    progress: &dyn Progress,
) -> Result<Vec<SourceOutcome>, StoreError> {
    let limit = config.concurrency.max(1);
    let mut pending = in_worker_order(sources, shared.claim)
        .filter_map(|s| Some((s.clone(), states.get(&s.name)?.clone())));
    let mut tasks = JoinSet::new();
    let mut outcomes = Vec::with_capacity(sources.len());
    let mut writer = Writer::default();
    let mut reported = 0;
    loop {
        while tasks.len() < limit && writer.ready.len() < limit {
            let Some((source, state)) = pending.next() else {
                break;
            };
            // Taken by another worker, or fetched by one since this run
            // read the states: not this worker's to fetch.
            if let Some(state) = store.claim_source(&state, shared.claim).await? {
                let store = store.clone();
                let task = fetch_task(fetcher.clone(), store, source, state, shared, config);
                tasks.spawn(task);
            }
        }
        writer.start(store, shared.run_id, config);
        if tasks.is_empty() && writer.is_idle() {
            break;
        }
        tokio::select! {
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                take_finished(joined, &mut writer.ready, &mut outcomes)?;
            }
            stored = writer.stored() => outcomes.extend(stored?),
        }
        for outcome in outcomes.get(reported..).unwrap_or_default() {
            progress.source_done(outcome);
        }
        reported = outcomes.len();
    }
    Ok(outcomes)
}

/// Puts a finished fetch task's result where it belongs: a fetched source
/// with those waiting to be stored, an outcome (committed by the task, or
/// a task that panicked) with the outcomes; a database error ends the run.
fn take_finished(
    joined: Result<TaskResult, tokio::task::JoinError>,
    ready: &mut Vec<Fetched>,
    outcomes: &mut Vec<SourceOutcome>,
) -> Result<(), StoreError> {
    match joined {
        Ok(Ok(Done::Fetched(fetched))) => ready.push(*fetched),
        Ok(Ok(Done::Committed(outcome))) => outcomes.push(outcome),
        Ok(Err(fatal)) => return Err(fatal),
        // A panic in a task is a bug, but it must not take the run down.
        Err(e) => outcomes.push(SourceOutcome {
            name: "?".into(),
            url: String::new(),
            result: Err(SourceError::Internal(e.to_string())),
            busy: Busy::default(),
        }),
    }
    Ok(())
}

/// A batch of fetches being stored.
type Storing<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<SourceOutcome>, StoreError>> + Send + 'a>,
>;

/// SQLite's one writer, as the fetch loop sees it: the fetched sources
/// waiting for it, and the batch it is storing now. Fetching goes on while
/// it stores.
#[derive(Default)]
struct Writer<'a> {
    ready: Vec<Fetched>,
    storing: Option<Storing<'a>>,
}

impl<'a> Writer<'a> {
    /// Starts storing what is ready (up to [`MAX_BATCH`] sources in one
    /// transaction) when no batch is being stored.
    fn start(&mut self, store: &'a Store, run_id: i64, config: &'a FetchConfig) {
        if self.storing.is_none() && !self.ready.is_empty() {
            let batch: Vec<Fetched> = self
                .ready
                .drain(..self.ready.len().min(MAX_BATCH))
                .collect();
            self.storing = Some(Box::pin(commit_batch(store, batch, run_id, config)));
        }
    }

    /// Nothing stored, nothing waiting.
    fn is_idle(&self) -> bool {
        self.storing.is_none() && self.ready.is_empty()
    }

    /// The outcomes of the batch being stored, once it is; never ready
    /// when none is.
    async fn stored(&mut self) -> Result<Vec<SourceOutcome>, StoreError> {
        let outcomes = match self.storing.as_mut() {
            Some(batch) => batch.await,
            None => std::future::pending().await,
        };
        self.storing = None;
        outcomes
    }
}

/// The sources, starting at a place of the list that depends on the
/// worker: workers sharing a database do not all contend for the same
/// first sources.
fn in_worker_order<'s>(
    sources: &'s [SourceConfig],
    claim: &Claim,
) -> impl Iterator<Item = &'s SourceConfig> {
    let offset = claim.worker.bytes().fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    }) % sources.len().max(1);
    let (first, then) = sources.split_at(offset);
    then.iter().chain(first)
}

/// One source's task: fetch and read it, and commit it when the database
/// takes several writers at once (PostgreSQL); SQLite's one writer
/// commits in the loop, in turn.
fn fetch_task(
    fetcher: Arc<Fetcher>,
    store: Store,
    source: SourceConfig,
    state: SourceState,
    shared: &Shared<'_>,
    config: &FetchConfig,
) -> impl std::future::Future<Output = TaskResult> + Send + 'static {
    let (claim, run_id, config) = (shared.claim.clone(), shared.run_id, config.clone());
    async move {
        let per_host = config.per_host_concurrency;
        let fetched = fetch_one(&fetcher, &store, source, state, &claim, per_host).await?;
        Ok(if store.concurrent_writers() {
            Done::Committed(commit(&store, fetched, run_id, &config).await?)
        } else {
            Done::Fetched(Box::new(fetched))
        })
    }
}

/// Fetches one source and reads what came: its feed and articles, or
/// its failure. Only a database error is an `Err`.
async fn fetch_one(
    fetcher: &Fetcher,
    store: &Store,
    source: SourceConfig,
    state: SourceState,
    claim: &Claim,
    per_host: usize,
) -> Result<Fetched, StoreError> {
    let mut fetched = Fetched::start(source, state, Utc::now());
    let request = super::requests::source_request(
        &fetched.source,
        fetched.url.clone(),
        fetched.state.etag.clone(),
        fetched.state.last_modified.clone(),
    );
    let result = fetch_in_host_slot(fetcher, store, &request, claim, per_host).await?;
    match result {
        Err(e) => fetched.error = Some(SourceError::Fetch(e)),
        Ok(response) if response.not_modified => {
            let (source, id) = (&fetched.source, fetched.state.id);
            let budget = super::aggregator::PER_SOURCE_AND_RUN;
            super::aggregator::resolve_stored(store, fetcher, source, id, budget).await?;
            fetched.response = Some(response);
        }
        Ok(response) => read_body(store, fetcher, &mut fetched, response).await?,
    }
    fetched.finished_at = Utc::now();
    Ok(fetched)
}

impl Fetched {
    /// A fetch of `source` starting at `started_at`, from the URL a run
    /// uses: an adopted permanent redirect, else the configured one.
    fn start(source: SourceConfig, state: SourceState, started_at: DateTime<Utc>) -> Fetched {
        let url = state
            .fetch_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .unwrap_or_else(|| source.url.clone());
        Fetched {
            url,
            source,
            state,
            started_at,
            finished_at: started_at,
            response: None,
            feed: None,
            bytes: 0,
            articles: PreparedArticles::default(),
            error: None,
            pushed: false,
            normalising: std::time::Duration::ZERO,
        }
    }
}

/// Makes `request` while holding one of the host's connection slots
/// shared by every worker (PostgreSQL).
async fn fetch_in_host_slot(
    fetcher: &Fetcher,
    store: &Store,
    request: &crate::fetch::FetchRequest,
    claim: &Claim,
    per_host: usize,
) -> Result<Result<FetchResponse, FetchError>, StoreError> {
    let host = request.url.host_str().unwrap_or_default().to_string();
    let slot = store.take_host_slot(&host, per_host, claim).await?;
    let result = fetcher.fetch(request).await;
    if let Some(slot) = slot
        && let Err(e) = store.release_host_slot(&host, slot, claim).await
    {
        // The one database error that does not end the run: the slot's
        // lease runs out on its own, and the fetch itself is done.
        tracing::warn!("{e}");
    }
    Ok(result)
}

/// Reads a fetched body into `fetched`: its feed, its articles analysed for
/// the index, or the source's failure. Only a database error is an `Err`.
async fn read_body(
    store: &Store,
    fetcher: &Fetcher,
    fetched: &mut Fetched,
    mut response: FetchResponse,
) -> Result<(), StoreError> {
    let reading = std::time::Instant::now();
    let body = std::mem::take(&mut response.body);
    fetched.bytes = body.len() as u64;
    let source = &fetched.source;
    match super::ingest::ingest(store, fetcher, source, fetched.state.id, &response, body).await {
        Ok((feed, articles)) => {
            fetched.feed = Some(feed);
            let name = source.name.clone();
            match tokio::task::spawn_blocking(move || PreparedArticles::new(&name, articles)).await
            {
                Ok(prepared) => fetched.articles = prepared,
                Err(e) => {
                    fetched.error = Some(SourceError::Internal(format!("analysing articles: {e}")))
                }
            }
        }
        Err(SourceError::Store(fatal)) => return Err(fatal),
        Err(failure) => fetched.error = Some(failure),
    }
    fetched.normalising = reading.elapsed();
    fetched.response = Some(response);
    Ok(())
}

/// Stores content a WebSub hub pushed for `source` as a fetch of it that
/// brought `response`: read, normalised and committed the same way.
pub(super) async fn store_pushed(
    store: &Store,
    fetcher: &Fetcher,
    (source, state): (SourceConfig, SourceState),
    response: FetchResponse,
    run_id: i64,
    config: &FetchConfig,
) -> Result<SourceOutcome, StoreError> {
    let mut fetched = Fetched::start(source, state, Utc::now());
    fetched.pushed = true;
    read_body(store, fetcher, &mut fetched, response).await?;
    fetched.finished_at = Utc::now();
    commit(store, fetched, run_id, config).await
}

/// Records one fetch and its articles in one transaction. The outcome is
/// the source's; an `Err` is the database's, and ends the run.
async fn commit(
    store: &Store,
    f: Fetched,
    run_id: i64,
    config: &FetchConfig,
) -> Result<SourceOutcome, StoreError> {
    let mut outcomes = commit_batch(store, vec![f], run_id, config).await?;
    outcomes
        .pop()
        .ok_or(StoreError::Misuse("a commit without its outcome"))
}

/// Records several fetches and their articles in one transaction (see
/// [`Store::commit_fetches`]); one outcome per fetch, in order.
async fn commit_batch(
    store: &Store,
    batch: Vec<Fetched>,
    run_id: i64,
    config: &FetchConfig,
) -> Result<Vec<SourceOutcome>, StoreError> {
    let planned: Vec<(Fetched, FetchRecord, Option<u16>)> = batch
        .into_iter()
        .map(|f| {
            let outcome = schedule_outcome(&f);
            let intervals = Intervals {
                base: f.source.interval.unwrap_or(config.interval),
                max: config.max_interval,
            };
            let (update, events) =
                plan(&f.state, f.url.as_str(), &outcome, intervals, f.finished_at);
            let record = fetch_record(&f, &outcome, run_id, update, events);
            (f, record, outcome.status)
        })
        .collect();
    let fetches: Vec<_> = planned.iter().map(|(f, r, _)| (r, &f.articles)).collect();
    let storing = std::time::Instant::now();
    let counts = store.commit_fetches(&fetches).await?;
    let share = storing.elapsed() / u32::try_from(planned.len()).unwrap_or(u32::MAX).max(1);
    Ok(planned
        .into_iter()
        .zip(counts)
        .map(|((mut f, _, status), counts)| SourceOutcome {
            result: match f.error.take() {
                None => Ok(SourceSuccess {
                    http_status: status.unwrap_or(0),
                    counts,
                }),
                Some(error) => Err(error),
            },
            name: f.source.name,
            url: f.url.to_string(),
            busy: Busy {
                normalise: f.normalising,
                store: share,
            },
        })
        .collect())
}

/// What the scheduler needs to know of a fetch.
fn schedule_outcome(f: &Fetched) -> Outcome {
    let response = f.response.as_ref();
    Outcome {
        ok: f.error.is_none(),
        status: response
            .map(|r| r.status)
            .or(f.error.as_ref().and_then(SourceError::http_status)),
        // Text from the source (a root element's name, a header) may be
        // in the message: escaped and capped once, here, before it reaches
        // `fetches.error`, the health feed or a terminal.
        error: f.error.as_ref().map(|e| error_column(&e.to_string())),
        retry_after: f
            .error
            .as_ref()
            .and_then(SourceError::retry_after)
            .map(|r| r.at(f.finished_at)),
        permanent_redirect: response.and_then(|r| r.permanent_redirect.clone()),
        ttl_minutes: f.feed.as_ref().and_then(|p| p.ttl_minutes),
        update_every_secs: f.feed.as_ref().and_then(|p| p.update_every_secs),
        max_age: response.and_then(|r| r.max_age),
    }
}

/// The `fetches` row and the source's new state. Validators are kept
/// only from a fetch that succeeded.
fn fetch_record(
    f: &Fetched,
    outcome: &Outcome,
    run_id: i64,
    update: crate::store::SourceUpdate,
    events: Vec<crate::store::SourceEvent>,
) -> FetchRecord {
    let feed = f.feed.as_ref();
    let validated = f.response.as_ref().filter(|_| outcome.ok);
    FetchRecord {
        source_id: f.state.id,
        source_name: f.source.name.clone(),
        run_id: Some(run_id),
        started_at: f.started_at,
        finished_at: f.finished_at,
        url: f.url.to_string(),
        http_status: outcome.status,
        bytes: f.bytes,
        not_modified: f.response.as_ref().is_some_and(|r| r.not_modified),
        items_seen: feed.map_or(0, |p| p.items),
        error: outcome.error.clone(),
        error_kind: f.error.as_ref().and_then(SourceError::kind),
        malformed: feed.and_then(|p| p.malformed.as_deref().map(error_column)),
        etag: validated.and_then(|r| r.etag.clone()),
        last_modified: validated.and_then(|r| r.last_modified.clone()),
        feed_title: feed.and_then(|p| p.title.clone()),
        site_url: feed.and_then(|p| p.link.clone()),
        update,
        websub: feed.filter(|_| !f.pushed).map(|p| p.websub.clone()),
        events,
    }
}
