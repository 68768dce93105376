//! Fetching every due source concurrently (bounded by
//! `fetch.concurrency`), parsing and normalising off the async workers, and
//! committing each source's results in its own transaction.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Progress, SourceOutcome, SourceSuccess};
use crate::config::SourceConfig;
use crate::fetch::{FetchRequest, FetchResponse, Fetcher};
use crate::model::Article;
use crate::normalise::{SourceContext, normalise_feed};
use crate::parse::{ParsedFeed, parse_feed};
use crate::store::{FetchRecord, SourceState, Store};

/// What one task brings back to be committed.
struct Fetched {
    source: SourceConfig,
    state: SourceState,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    response: Option<FetchResponse>,
    feed: Option<ParsedFeed>,
    articles: Vec<Article>,
    error: Option<(Option<u16>, String)>,
}

pub(super) async fn fetch_all(
    store: &Store,
    fetcher: Arc<Fetcher>,
    sources: &[SourceConfig],
    states: &HashMap<String, SourceState>,
    run_id: i64,
    concurrency: usize,
    progress: &dyn Progress,
) -> Vec<SourceOutcome> {
    progress.start(sources.len());
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
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
            Ok(fetched) => commit(store, fetched, run_id).await,
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

async fn fetch_one(fetcher: &Fetcher, source: SourceConfig, state: SourceState) -> Fetched {
    let started_at = Utc::now();
    let request = FetchRequest {
        url: source.url.clone(),
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
        user_agent: source.user_agent.clone(),
    };
    let mut fetched = Fetched {
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
        Err(e) => fetched.error = Some((e.http_status(), e.to_string())),
        Ok(response) if response.not_modified => fetched.response = Some(response),
        Ok(response) => {
            let body = response.body.clone();
            let charset = response.charset.clone();
            let feed_url = response.final_url.clone();
            let language = fetched.source.language.clone();
            let parsed = tokio::task::spawn_blocking(move || {
                let feed = parse_feed(&body, charset.as_deref())?;
                let context = SourceContext {
                    feed_url: &feed_url,
                    language: language.as_deref(),
                };
                let articles = normalise_feed(&feed, &context);
                Ok::<_, crate::parse::ParseError>((feed, articles))
            })
            .await;
            match parsed {
                Ok(Ok((feed, articles))) => {
                    fetched.feed = Some(feed);
                    fetched.articles = articles;
                }
                Ok(Err(e)) => {
                    fetched.error = Some((
                        Some(response.status),
                        format!("{}: {e}", response.final_url),
                    ))
                }
                Err(e) => {
                    fetched.error = Some((
                        Some(response.status),
                        format!("internal error while parsing: {e}"),
                    ))
                }
            }
            fetched.response = Some(response);
        }
    }
    fetched.finished_at = Utc::now();
    fetched
}

async fn commit(store: &Store, f: Fetched, run_id: i64) -> SourceOutcome {
    let status = f
        .response
        .as_ref()
        .map(|r| r.status)
        .or(f.error.as_ref().and_then(|e| e.0));
    let ok = f.error.is_none();
    let record = FetchRecord {
        source_id: f.state.id,
        source_name: f.source.name.clone(),
        run_id: Some(run_id),
        started_at: f.started_at,
        finished_at: f.finished_at,
        url: f.source.url.to_string(),
        http_status: status,
        bytes: f.response.as_ref().map_or(0, |r| r.body.len() as u64),
        not_modified: f.response.as_ref().is_some_and(|r| r.not_modified),
        error: f.error.as_ref().map(|e| e.1.clone()),
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
    };
    let result = match store.commit_fetch(&record, &f.articles).await {
        Ok(counts) => match &f.error {
            None => Ok(SourceSuccess {
                http_status: status.unwrap_or(0),
                counts,
            }),
            Some((_, message)) => Err(message.clone()),
        },
        Err(e) => Err(e.to_string()),
    };
    SourceOutcome {
        name: f.source.name,
        url: f.source.url.to_string(),
        result,
    }
}
