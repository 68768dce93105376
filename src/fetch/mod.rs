//! Stage 1: HTTP. One [`Fetcher`] (one `reqwest::Client`, so connections and
//! TLS sessions are reused) with timeouts, a redirect limit, a body-size cap
//! enforced while streaming, and conditional GET.
//!
//! It returns bytes and metadata and never parses content: the bytes stay
//! undecoded because the document may declare its own charset.

mod error;

use std::time::Duration;

pub use error::FetchError;
use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, USER_AGENT,
};
use reqwest::{Client, StatusCode, redirect};
use url::Url;

/// Client settings.
#[derive(Debug, Clone)]
pub struct FetcherOptions {
    /// Default `User-Agent`.
    pub user_agent: String,
    /// Total time per request.
    pub timeout: Duration,
    /// Time to connect.
    pub connect_timeout: Duration,
    /// Largest accepted body (after decompression).
    pub max_body_bytes: u64,
}

/// One request.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// What to get.
    pub url: Url,
    /// Validator from the previous fetch.
    pub etag: Option<String>,
    /// Validator from the previous fetch.
    pub last_modified: Option<String>,
    /// Overrides the default `User-Agent`.
    pub user_agent: Option<String>,
}

/// A successful answer (2xx or 304).
#[derive(Debug, Clone)]
pub struct FetchResponse {
    /// URL after redirects.
    pub final_url: Url,
    /// HTTP status.
    pub status: u16,
    /// 304: nothing changed since the validators were issued; `body` is empty.
    pub not_modified: bool,
    /// The body, decompressed but not decoded.
    pub body: Vec<u8>,
    /// `charset` parameter of `Content-Type`.
    pub charset: Option<String>,
    /// `ETag` to send next time.
    pub etag: Option<String>,
    /// `Last-Modified` to send next time.
    pub last_modified: Option<String>,
}

/// The HTTP client shared by all sources of a run.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Client,
    options: FetcherOptions,
}

/// Most redirects followed before giving up.
const MAX_REDIRECTS: usize = 10;

impl Fetcher {
    /// Builds the client.
    pub fn new(options: FetcherOptions) -> Result<Fetcher, FetchError> {
        // rustls needs a process-wide crypto provider; installing it twice
        // is harmless (the second call reports the first one is in place).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .redirect(redirect::Policy::limited(MAX_REDIRECTS))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher { client, options })
    }

    /// Performs one GET. Non-success statuses are errors; 304 is not.
    pub async fn fetch(&self, request: &FetchRequest) -> Result<FetchResponse, FetchError> {
        let url = &request.url;
        let mut builder = self.client.get(url.clone()).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8",
        );
        if let Some(ua) = &request.user_agent {
            builder = builder.header(USER_AGENT, ua);
        }
        if let Some(etag) = &request.etag {
            builder = builder.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &request.last_modified {
            builder = builder.header(IF_MODIFIED_SINCE, lm);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(url, e))?;
        let status = response.status();
        let final_url = response.url().clone();
        let headers = response.headers().clone();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchResponse {
                final_url,
                status: status.as_u16(),
                not_modified: true,
                body: Vec::new(),
                charset: None,
                etag: header(&headers, ETAG).or_else(|| request.etag.clone()),
                last_modified: header(&headers, LAST_MODIFIED)
                    .or_else(|| request.last_modified.clone()),
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: final_url.to_string(),
                status: status.as_u16(),
            });
        }
        let limit = self.options.max_body_bytes;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge {
                url: final_url.to_string(),
                limit,
            });
        }
        let mut body = Vec::new();
        // Stream and count: a lying Content-Length or a compression bomb
        // is stopped at the limit instead of filling memory.
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::from_reqwest(&final_url, e))?
        {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge {
                    url: final_url.to_string(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchResponse {
            status: status.as_u16(),
            not_modified: false,
            body,
            charset: header(&headers, CONTENT_TYPE).and_then(|ct| charset_of(&ct)),
            etag: header(&headers, ETAG),
            last_modified: header(&headers, LAST_MODIFIED),
            final_url,
        })
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::charset_of;

    #[test]
    fn charset_parameter() {
        assert_eq!(
            charset_of("text/xml; charset=\"windows-1256\"").as_deref(),
            Some("windows-1256")
        );
        assert_eq!(charset_of("application/rss+xml"), None);
    }
}
