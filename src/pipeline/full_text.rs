//! Full text for teaser feeds: fetch an article's page and take its text
//! when the source's `full_text` rule says it is better than the feed's.

use url::Url;

use super::requests::article_page_request;
use crate::config::SourceConfig;
use crate::fetch::{FetchError, Fetcher};
use crate::scrape::{ExtractError, Extracted, FullText, extract_full_text};

/// Why an article kept its feed text.
#[derive(Debug, thiserror::Error)]
pub enum FullTextError {
    /// The item has no link to follow.
    #[error("the item has no link")]
    NoLink,
    /// Its link is not a URL.
    #[error("its link is not a URL: {0}")]
    BadLink(#[from] url::ParseError),
    /// The page could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The rule did not take the page's text.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// The extraction task failed.
    #[error("internal error while extracting: {0}")]
    Internal(String),
}

/// Fetches the page at `link` as a run would and applies `how`, given the
/// feed item's own text length. Returns the extraction and the page's
/// final URL (links in the body are relative to it).
pub async fn page_full_text(
    fetcher: &Fetcher,
    source: &SourceConfig,
    link: Option<&str>,
    how: &FullText,
    feed_chars: usize,
) -> Result<(Extracted, Url), FullTextError> {
    let url = Url::parse(link.ok_or(FullTextError::NoLink)?)?;
    let response = fetcher.fetch(&article_page_request(source, url)).await?;
    let page_url = response.final_url;
    let how = how.clone();
    let body = response.body;
    let charset = response.charset;
    let extracted = tokio::task::spawn_blocking(move || {
        let html = crate::parse::decode_text(&body, charset.as_deref());
        extract_full_text(&html, page_url.as_str(), &how, feed_chars).map(|e| (e, page_url))
    })
    .await
    .map_err(|e| FullTextError::Internal(e.to_string()))??;
    Ok(extracted)
}
