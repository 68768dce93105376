//! From a fetched body to the articles worth storing: read it (a feed, or
//! a listing page through its selectors), skip the items stored unchanged,
//! normalise the rest, and fetch the full text of new articles when the
//! source asks for it. CPU work runs on the blocking pool.

use std::collections::HashMap;
use std::sync::Arc;

use url::Url;

use super::SourceError;
use super::full_text::{FullTextError, page_full_text};
use crate::config::{SourceConfig, SourceKind};
use crate::fetch::{FetchResponse, Fetcher};
use crate::model::Article;
use crate::normalise::{
    Identity, SourceContext, apply_full_text, identify_feed, normalise_selected,
};
use crate::parse::discover::{feed_links, looks_like_html};
use crate::parse::sitemap::parse_sitemap;
use crate::parse::{ParsedFeed, parse_feed};
use crate::scrape::{FullText, scrape_listing};
use crate::store::Store;

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
    pub websub: Option<crate::parse::WebSubLinks>,
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
            websub: feed.websub,
        }
    }
}

/// Reads `body` into the articles worth storing, in three steps: read
/// and identify the items (blocking pool), ask the database which are
/// stored unchanged (async, so no pool thread waits on it), normalise the
/// others (blocking pool); then fetch full texts when the source asks.
pub(super) async fn ingest(
    store: &Store,
    fetcher: &Fetcher,
    source: &SourceConfig,
    source_id: i64,
    response: &FetchResponse,
    body: Vec<u8>,
) -> Result<(FeedInfo, Vec<Article>), SourceError> {
    let body = match source.kind {
        SourceKind::Sitemap => super::sitemap::expand(fetcher, source, body).await?,
        _ => body,
    };
    let (feed, identities) = identify(source, response, body).await?;
    let keys: Vec<&str> = identities.iter().map(|i| i.dedup_key.as_str()).collect();
    let known = Arc::new(store.known_hashes(source_id, &keys).await?);
    let (feed, mut articles) = normalise_changed(source, response, feed, known.clone()).await?;
    // Before the full text: the outlet's page, not Google's, is the article.
    super::aggregator::resolve_links(store, fetcher, source, source_id, &mut articles).await?;
    if let Some(how) = &source.full_text {
        let new = articles
            .iter_mut()
            .filter(|a| !known.contains_key(&a.dedup_key));
        add_full_texts(fetcher, source, new, how).await;
    }
    Ok((feed, articles))
}

/// Reads the body and identifies its items, off the async workers. The
/// feed then owns its text, so the body can go.
async fn identify(
    source: &SourceConfig,
    response: &FetchResponse,
    body: Vec<u8>,
) -> Result<(ParsedFeed<'static>, Vec<Identity>), SourceError> {
    let charset = response.charset.clone();
    let page_url = response.final_url.clone();
    let kind = source.kind.clone();
    tokio::task::spawn_blocking(move || {
        let (feed, identities) = read(&body, charset.as_deref(), &page_url, &kind)?;
        Ok((feed.into_owned(), identities))
    })
    .await
    .map_err(|e| SourceError::Internal(format!("reading the feed: {e}")))?
}

/// Normalises the items whose content hash is not the one stored, off the
/// async workers.
async fn normalise_changed(
    source: &SourceConfig,
    response: &FetchResponse,
    feed: ParsedFeed<'static>,
    known: Arc<HashMap<String, String>>,
) -> Result<(FeedInfo, Vec<Article>), SourceError> {
    let page_url = response.final_url.clone();
    let language = source.language.clone();
    tokio::task::spawn_blocking(move || {
        let context = SourceContext {
            feed_url: &page_url,
            language: language.as_deref(),
        };
        let articles = normalise_selected(&feed, &context, |id| {
            known.get(&id.dedup_key) != Some(&id.content_hash)
        });
        (FeedInfo::from(feed), articles)
    })
    .await
    .map_err(|e| SourceError::Internal(format!("normalising the feed: {e}")))
}

/// Replaces the text of `articles` with their pages' full text where the
/// rule takes it, at most [`MAX_FULL_TEXT_PER_RUN`] pages.
async fn add_full_texts(
    fetcher: &Fetcher,
    source: &SourceConfig,
    articles: impl Iterator<Item = &mut Article>,
    how: &FullText,
) {
    for article in articles.take(MAX_FULL_TEXT_PER_RUN) {
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

/// Reads a body as the source's kind says, with each item's identity.
pub(super) fn read<'a>(
    body: &'a [u8],
    charset: Option<&str>,
    page_url: &Url,
    kind: &SourceKind,
) -> Result<(ParsedFeed<'a>, Vec<Identity>), SourceError> {
    let feed = match kind {
        SourceKind::Html(rules) => scrape_listing(body, page_url, rules, chrono::Utc::now())?,
        SourceKind::Sitemap => parse_sitemap(body)
            .map_err(|reason| SourceError::Sitemap {
                url: page_url.to_string(),
                reason,
            })?
            .into_feed(),
        SourceKind::Feed => match parse_feed(body, charset) {
            Ok(feed) => feed,
            Err(reason) if looks_like_html(body) => {
                return Err(SourceError::NotAFeed {
                    url: page_url.to_string(),
                    advertised: feed_links(body, page_url)
                        .into_iter()
                        .map(|f| f.url)
                        .collect(),
                    reason,
                });
            }
            Err(reason) => {
                return Err(SourceError::Parse {
                    url: page_url.to_string(),
                    reason,
                });
            }
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
