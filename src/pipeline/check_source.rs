//! `veille check --source NAME`: one live fetch of a source, exactly as a
//! run would make it ([`super::requests`]), and what veille reads from it:
//! the items, what each listing selector matched, and for `full_text`
//! sources which rule decided for each sampled item. Nothing is stored.

use url::Url;

use super::SourceError;
use super::full_text::{FullTextError, page_full_text};
use super::ingest::read;
use super::requests::source_request;
use crate::config::{Config, SourceConfig, SourceKind};
use crate::fetch::{FetchError, Fetcher};
use crate::normalise::{SourceContext, normalise_selected};
use crate::scrape::Extracted;

/// Items whose article pages are fetched to show the full-text rule.
const FULL_TEXT_SAMPLES: usize = 3;

/// What one check found.
#[derive(Debug)]
pub struct SourceCheck {
    /// HTTP status of the source's response.
    pub status: u16,
    /// Where the response came from, after redirects.
    pub final_url: Url,
    /// Size of the (decompressed) body.
    pub bytes: usize,
    /// For listing pages: what each selector matched.
    pub selectors: Option<String>,
    /// How many items were read.
    pub items: usize,
    /// The feed's title.
    pub title: Option<String>,
    /// Why the feed is malformed, when it was read anyway.
    pub malformed: Option<String>,
    /// The first items' titles.
    pub first_titles: Vec<String>,
    /// For `full_text` sources: what the rule decided on sampled items.
    pub full_text: Vec<FullTextSample>,
    /// The WebSub hub and topic the feed advertises, if any.
    pub websub: Option<crate::parse::WebSubLinks>,
}

/// The full-text rule applied to one item.
#[derive(Debug)]
pub struct FullTextSample {
    /// The item's link, if it has one.
    pub link: Option<String>,
    /// The decision: the text taken, or why the feed's text stays.
    pub outcome: Result<Extracted, FullTextError>,
}

/// Why a source could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No `[[source]]` has that name.
    #[error("no source named {0:?}")]
    NoSuchSource(String),
    /// The fetch failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The body is not a feed (or the listing page could not be read).
    #[error(transparent)]
    Read(#[from] SourceError),
}

/// Fetches and reads the source named `name` as a run would.
pub async fn check_source(config: &Config, name: &str) -> Result<SourceCheck, CheckError> {
    let source = config
        .sources
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| CheckError::NoSuchSource(name.to_string()))?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let request = source_request(source, source.url.clone(), None, None);
    let response = fetcher.fetch(&request).await?;
    let selectors = match &source.kind {
        SourceKind::Html(rules) => Some(
            crate::scrape::describe_matches(
                &response.body,
                &response.final_url,
                rules,
                chrono::Utc::now(),
            )
            .map_err(SourceError::Scrape)?,
        ),
        SourceKind::Feed | SourceKind::Sitemap => None,
    };
    let body = match source.kind {
        SourceKind::Sitemap => {
            crate::pipeline::sitemap::expand(&fetcher, source, response.body.clone()).await?
        }
        _ => response.body.clone(),
    };
    let (feed, _) = read(
        &body,
        response.charset.as_deref(),
        &response.final_url,
        &source.kind,
    )?;
    let context = SourceContext {
        feed_url: &response.final_url,
        language: source.language.as_deref(),
    };
    let articles = normalise_selected(&feed, &context, |_| true);
    let mut check = SourceCheck {
        status: response.status,
        final_url: response.final_url.clone(),
        bytes: response.body.len(),
        selectors,
        items: feed.items.len(),
        title: feed.title.clone(),
        malformed: feed.malformed.clone(),
        first_titles: articles.iter().take(3).map(|a| a.title.clone()).collect(),
        full_text: Vec::new(),
        websub: feed.websub.clone(),
    };
    if let Some(how) = &source.full_text {
        check.full_text = sample_full_text(&fetcher, source, &articles, how).await;
    }
    Ok(check)
}

/// The full-text rule on the first items that have a link.
async fn sample_full_text(
    fetcher: &Fetcher,
    source: &SourceConfig,
    articles: &[crate::model::Article],
    how: &crate::scrape::FullText,
) -> Vec<FullTextSample> {
    let mut samples = Vec::new();
    for article in articles
        .iter()
        .filter(|a| a.link.is_some())
        .take(FULL_TEXT_SAMPLES)
    {
        let feed_chars = article.content_text.chars().count();
        let link = article.link.as_deref();
        let outcome = page_full_text(fetcher, source, link, how, feed_chars)
            .await
            .map(|(extracted, _)| extracted);
        samples.push(FullTextSample {
            link: article.link.clone(),
            outcome,
        });
    }
    samples
}
