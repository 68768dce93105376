//! The requests a run makes for a source, written once: `veille check
//! --source` fetches through these too, so it sees what a run would see
//! (the same user agent, headers, cookies, timeouts and size cap).

use url::Url;

use crate::config::SourceConfig;
use crate::fetch::FetchRequest;

/// The request for a source's feed or listing page at `url` (its
/// configured URL, or an adopted permanent redirect), with the validators
/// of the previous fetch when there are any.
pub fn source_request(
    source: &SourceConfig,
    url: Url,
    etag: Option<String>,
    last_modified: Option<String>,
) -> FetchRequest {
    FetchRequest {
        url,
        etag,
        last_modified,
        user_agent: source.user_agent.clone(),
        headers: source.headers.clone(),
        cookies: source.cookies.clone(),
        derived_from: None,
    }
}

/// The request for an article page found in a source, for its full text.
/// The URL was derived from the feed, so the request-forgery guard checks
/// it with the source's reach; the source's headers and cookies are not
/// sent, since the article may live on another host.
pub fn article_page_request(source: &SourceConfig, url: Url) -> FetchRequest {
    FetchRequest {
        user_agent: source.user_agent.clone(),
        derived_from: Some(source.url.clone()),
        ..FetchRequest::new(url)
    }
}
