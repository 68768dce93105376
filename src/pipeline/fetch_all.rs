//! Fetching every due source concurrently (bounded by
//! `fetch.concurrency`, and per host by the fetcher), parsing and
//! normalising off the async workers, planning the next fetch, and
//! committing each source's results in its own transaction.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::schedule::{Intervals, Outcome, plan};
use super::{Progress, SourceOutcome, SourceSuccess};
use crate::config::{FetchConfig, SourceConfig};
use crate::fetch::{FetchError, FetchRequest, FetchResponse, Fetcher};
use crate::model::Article;
use crate::normalise::{SourceContext, normalise_feed};
use crate::parse::discover::{feed_links, looks_like_html};
use crate::parse::{ParsedFeed, parse_feed};
use crate::store::{FetchRecord, SourceState, Store};

/// What one task brings back to be committed.
struct Fetched {
    source: SourceConfig,
    state: SourceState,
    url: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    response: Option<FetchResponse>,
    feed: Option<ParsedFeed>,
    articles: Vec<Article>,
    error: Option<FetchFailure>,
}

struct FetchFailure {
    status: Option<u16>,
    message: String,
    retry_after: Option<DateTime<Utc>>,
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

pub(super) async fn fetch_all(
    store: &Store,
    fetcher: Arc<Fetcher>,
    sources: &[SourceConfig],
    states: &HashMap<String, SourceState>,
    run_id: i64,
    config: &FetchConfig,
    progress: &dyn Progress,
) -> Vec<SourceOutcome> {
    progress.start(sources.len());
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for source in sources {
        let Some(state) = states.get(&source.name).cloned() else {
            continue;
        };
        let (fetcher, permits, source) = (fetcher.clone(), permits.clone(), source.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            fetch_one(&fetcher, source, state).await
        });
    }
    let mut outcomes = Vec::with_capacity(sources.len());
    while let Some(joined) = tasks.join_next().await {
        let outcome = match joined {
            Ok(fetched) => commit(store, fetched, run_id, config).await,
            // A panic in a task is a bug, but it must not take the run down.
            Err(e) => SourceOutcome {
                name: "?".into(),
                url: String::new(),
                result: Err(format!("internal error: {e}")),
            },
        };
        progress.source_done(&outcome);
        outcomes.push(outcome);
    }
    progress.finish();
    outcomes
}

fn failure(e: &FetchError) -> FetchFailure {
    FetchFailure {
        status: e.http_status(),
        message: e.to_string(),
        retry_after: e.retry_after(),
    }
}

async fn fetch_one(fetcher: &Fetcher, source: SourceConfig, state: SourceState) -> Fetched {
    let started_at = Utc::now();
    let url = state
        .fetch_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .unwrap_or_else(|| source.url.clone());
    let request = FetchRequest {
        url: url.clone(),
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
        user_agent: source.user_agent.clone(),
        headers: source.headers.clone(),
        cookies: source.cookies.clone(),
    };
    let mut fetched = Fetched {
        url: url.to_string(),
        source,
        state,
        started_at,
        finished_at: started_at,
        response: None,
        feed: None,
        articles: Vec::new(),
        error: None,
    };
    match fetcher.fetch(&request).await {
        Err(e) => fetched.error = Some(failure(&e)),
        Ok(response) if response.not_modified => fetched.response = Some(response),
        Ok(response) => {
            let body = response.body.clone();
            let charset = response.charset.clone();
            let feed_url = response.final_url.clone();
            let language = fetched.source.language.clone();
            let parsed = tokio::task::spawn_blocking(move || {
                let feed = match parse_feed(&body, charset.as_deref()) {
                    Ok(feed) => feed,
                    Err(e) if looks_like_html(&body) => {
                        let links: Vec<String> = feed_links(&body, &feed_url).into_iter().map(|f| f.url).collect();
                        return Err(if links.is_empty() {
                            format!("{feed_url}: an HTML page, not a feed, and it advertises no feed ({e})")
                        } else {
                            format!("{feed_url}: an HTML page, not a feed; it advertises: {}", links.join(", "))
                        });
                    }
                    Err(e) => return Err(format!("{feed_url}: {e}")),
                };
                let context = SourceContext {
                    feed_url: &feed_url,
                    language: language.as_deref(),
                };
                let articles = normalise_feed(&feed, &context);
                Ok((feed, articles))
            })
            .await;
            let status = Some(response.status);
            match parsed {
                Ok(Ok((feed, articles))) => {
                    fetched.feed = Some(feed);
                    fetched.articles = articles;
                }
                Ok(Err(message)) => {
                    fetched.error = Some(FetchFailure {
                        status,
                        message,
                        retry_after: None,
                    })
                }
                Err(e) => {
                    fetched.error = Some(FetchFailure {
                        status,
                        message: format!("internal error while parsing: {e}"),
                        retry_after: None,
                    })
                }
            }
            fetched.response = Some(response);
        }
    }
    fetched.finished_at = Utc::now();
    fetched
}

async fn commit(store: &Store, f: Fetched, run_id: i64, config: &FetchConfig) -> SourceOutcome {
    let status = f
        .response
        .as_ref()
        .map(|r| r.status)
        .or(f.error.as_ref().and_then(|e| e.status));
    let ok = f.error.is_none();
    let outcome = Outcome {
        ok,
        status,
        error: f.error.as_ref().map(|e| e.message.clone()),
        retry_after: f.error.as_ref().and_then(|e| e.retry_after),
        permanent_redirect: f
            .response
            .as_ref()
            .and_then(|r| r.permanent_redirect.clone()),
        ttl_minutes: f.feed.as_ref().and_then(|p| p.ttl_minutes),
        update_every_secs: f.feed.as_ref().and_then(|p| p.update_every_secs),
        max_age: f.response.as_ref().and_then(|r| r.max_age),
    };
    let intervals = Intervals {
        base: f.source.interval.unwrap_or(config.interval),
        max: config.max_interval,
    };
    let (update, events) = plan(&f.state, &f.url, &outcome, intervals, f.finished_at);
    let record = FetchRecord {
        source_id: f.state.id,
        source_name: f.source.name.clone(),
        run_id: Some(run_id),
        started_at: f.started_at,
        finished_at: f.finished_at,
        url: f.url.clone(),
        http_status: status,
        bytes: f.response.as_ref().map_or(0, |r| r.body.len() as u64),
        not_modified: f.response.as_ref().is_some_and(|r| r.not_modified),
        error: outcome.error.clone(),
        malformed: f.feed.as_ref().and_then(|p| p.malformed.clone()),
        etag: f
            .response
            .as_ref()
            .filter(|_| ok)
            .and_then(|r| r.etag.clone()),
        last_modified: f
            .response
            .as_ref()
            .filter(|_| ok)
            .and_then(|r| r.last_modified.clone()),
        feed_title: f.feed.as_ref().and_then(|p| p.title.clone()),
        site_url: f.feed.as_ref().and_then(|p| p.link.clone()),
        update,
        events,
    };
    let result = match store.commit_fetch(&record, &f.articles).await {
        Ok(counts) => match &outcome.error {
            None => Ok(SourceSuccess {
                http_status: status.unwrap_or(0),
                counts,
            }),
            Some(message) => Err(message.clone()),
        },
        Err(e) => Err(e.to_string()),
    };
    SourceOutcome {
        name: f.source.name,
        url: f.url,
        result,
    }
}
