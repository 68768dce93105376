//! From a fetched body to the articles worth storing: read it (a feed, or
//! a listing page through its selectors), skip the items stored unchanged,
//! normalise the rest, and fetch the full text of new articles when the
//! source asks for it. CPU work runs on the blocking pool.

use std::collections::HashSet;

use url::Url;

use super::full_text::{FullTextError, page_full_text};
use crate::config::{SourceConfig, SourceKind};
use crate::fetch::{FetchResponse, Fetcher};
use crate::model::Article;
use crate::normalise::{
    Identity, SourceContext, apply_full_text, identify_feed, normalise_selected,
};
use crate::parse::discover::{feed_links, looks_like_html};
use crate::parse::{ParsedFeed, parse_feed};
use crate::scrape::{FullText, scrape_listing};
use crate::store::{Store, StoreError};

/// Article pages fetched for full text per source and run: a first run on
/// a long feed stays bounded; later runs only see a few new items.
pub const MAX_FULL_TEXT_PER_RUN: usize = 30;

/// The parts of a parsed feed the commit and the scheduler use.
pub(super) struct FeedInfo {
    pub title: Option<String>,
    pub link: Option<String>,
    pub ttl_minutes: Option<u32>,
    pub update_every_secs: Option<u64>,
    pub malformed: Option<String>,
    pub items: u64,
}

impl From<ParsedFeed<'_>> for FeedInfo {
    fn from(feed: ParsedFeed<'_>) -> FeedInfo {
        FeedInfo {
            items: feed.items.len() as u64,
            title: feed.title,
            link: feed.link,
            ttl_minutes: feed.ttl_minutes,
            update_every_secs: feed.update_every_secs,
            malformed: feed.malformed,
        }
    }
}

/// Why a body gave no articles: the source's fault (recorded as its
/// failure), or the database's (which ends the run).
#[derive(Debug)]
pub(super) enum IngestError {
    /// Not a feed, an unreadable listing page…: the source failed.
    Source(String),
    /// The store could not answer.
    Store(StoreError),
}

impl From<String> for IngestError {
    fn from(message: String) -> IngestError {
        IngestError::Source(message)
    }
}

pub(super) async fn ingest(
    store: &Store,
    fetcher: &Fetcher,
    source: &SourceConfig,
    source_id: i64,
    response: &FetchResponse,
    body: Vec<u8>,
) -> Result<(FeedInfo, Vec<Article>), IngestError> {
    let charset = response.charset.clone();
    let page_url = response.final_url.clone();
    let kind = source.kind.clone();
    let language = source.language.clone();
    let lookup = store.clone();
    let runtime = tokio::runtime::Handle::current();
    // One blocking task from body to articles: the parsed feed borrows its
    // summaries and contents from the body, so both stay here, and the
    // database is asked which items are stored unchanged from inside it.
    let (feed, mut articles, known_keys) = tokio::task::spawn_blocking(move || {
        let (feed, identities) = read(&body, charset.as_deref(), &page_url, &kind)?;
        let keys: Vec<&str> = identities.iter().map(|i| i.dedup_key.as_str()).collect();
        let known = runtime
            .block_on(lookup.known_hashes(source_id, &keys))
            .map_err(IngestError::Store)?;
        let context = SourceContext {
            feed_url: &page_url,
            language: language.as_deref(),
        };
        let articles = normalise_selected(&feed, &context, |id| {
            known.get(&id.dedup_key) != Some(&id.content_hash)
        });
        let known_keys: HashSet<String> = known.into_keys().collect();
        Ok::<_, IngestError>((FeedInfo::from(feed), articles, known_keys))
    })
    .await
    .map_err(|e| format!("internal error while reading the feed: {e}"))??;
    if let Some(how) = &source.full_text {
        let new = articles
            .iter_mut()
            .filter(|a| !known_keys.contains(&a.dedup_key));
        for article in new.take(MAX_FULL_TEXT_PER_RUN) {
            if let Err(why) = full_text(fetcher, source, article, how).await {
                // The feed's own text stays; the reason is worth a log line.
                tracing::info!(
                    source = %source.name,
                    link = ?article.link,
                    "full text not extracted: {}",
                    crate::untrusted::printable(&why.to_string())
                );
            }
        }
    }
    Ok((feed, articles))
}

/// Reads a body as the source's kind says, with each item's identity.
pub(super) fn read<'a>(
    body: &'a [u8],
    charset: Option<&str>,
    page_url: &Url,
    kind: &SourceKind,
) -> Result<(ParsedFeed<'a>, Vec<Identity>), String> {
    let feed = match kind {
        SourceKind::Html(rules) => {
            scrape_listing(body, page_url, rules, chrono::Utc::now()).map_err(|e| e.to_string())?
        }
        SourceKind::Feed => match parse_feed(body, charset) {
            Ok(feed) => feed,
            Err(e) if looks_like_html(body) => {
                let links: Vec<String> = feed_links(body, page_url)
                    .into_iter()
                    .map(|f| f.url)
                    .collect();
                return Err(if links.is_empty() {
                    format!("{page_url}: an HTML page, not a feed, and it advertises no feed ({e})")
                } else {
                    format!(
                        "{page_url}: an HTML page, not a feed; it advertises: {}",
                        links.join(", ")
                    )
                });
            }
            Err(e) => return Err(format!("{page_url}: {e}")),
        },
    };
    let identities = identify_feed(
        &feed,
        &SourceContext {
            feed_url: page_url,
            language: None,
        },
    );
    Ok((feed, identities))
}

/// Fetches an article's page (a derived URL: the request-forgery guard
/// applies) and replaces its content with the extracted text when the rule
/// takes it.
async fn full_text(
    fetcher: &Fetcher,
    source: &SourceConfig,
    article: &mut Article,
    how: &FullText,
) -> Result<(), FullTextError> {
    let feed_chars = article.content_text.chars().count();
    let (extracted, page_url) =
        page_full_text(fetcher, source, article.link.as_deref(), how, feed_chars).await?;
    apply_full_text(article, &extracted.html, &page_url);
    Ok(())
}
