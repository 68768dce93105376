//! Reading a final (non-redirect) response: status policy, validators,
//! caching hints, and the body streamed under a size cap.

use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderMap, HeaderName, LAST_MODIFIED, RETRY_AFTER,
};
use url::Url;

use super::{FetchError, FetchRequest, FetchResponse, RetryAfter, botwall};

/// The response as veille keeps it: a 304 with the validators to send
/// next time, or a success with its body; any other status is an error
/// (with the server's `Retry-After`).
pub(super) async fn read(
    response: reqwest::Response,
    url: Url,
    permanent_redirect: Option<Url>,
    request: &FetchRequest,
    limit: u64,
) -> Result<FetchResponse, FetchError> {
    let status = response.status();
    let headers = response.headers().clone();
    let mut kept = FetchResponse {
        status: status.as_u16(),
        not_modified: status == StatusCode::NOT_MODIFIED,
        body: Vec::new(),
        content_type: None,
        charset: None,
        etag: header(&headers, ETAG),
        last_modified: header(&headers, LAST_MODIFIED),
        permanent_redirect,
        max_age: header(&headers, CACHE_CONTROL).and_then(|cc| max_age(&cc)),
        final_url: url,
    };
    if kept.not_modified {
        // A 304 may omit the validators: the ones sent still hold.
        kept.etag = kept.etag.or_else(|| request.etag.clone());
        kept.last_modified = kept.last_modified.or_else(|| request.last_modified.clone());
        return Ok(kept);
    }
    if !status.is_success() {
        let url = kept.final_url.to_string();
        let retry_after = header(&headers, RETRY_AFTER).and_then(|v| RetryAfter::parse(&v));
        let page = match botwall::may_be_wall(status.as_u16()) {
            true => read_prefix(response, botwall::SNIFF_BYTES).await,
            false => Vec::new(),
        };
        return Err(match botwall::challenge(status.as_u16(), &headers, &page) {
            Some(vendor) => FetchError::BotWall {
                url,
                status: status.as_u16(),
                vendor,
                retry_after,
            },
            None => FetchError::Status {
                url,
                status: status.as_u16(),
                retry_after,
            },
        });
    }
    kept.body = read_body(response, &kept.final_url, limit).await?;
    kept.content_type = header(&headers, CONTENT_TYPE);
    kept.charset = kept.content_type.as_deref().and_then(charset_of);
    Ok(kept)
}

/// The first `limit` bytes of an error page (what arrives of them: a
/// failure to read it only means fewer signs to look at).
async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut page = Vec::new();
    while page.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => page.extend_from_slice(&chunk),
            _ => break,
        }
    }
    page
}

/// The body, streamed and counted after decompression: a lying
/// Content-Length, an endless body or a compression bomb stops at `limit`
/// instead of filling memory.
pub(super) async fn read_body(
    mut response: reqwest::Response,
    url: &Url,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.to_string(),
        limit,
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::from_reqwest(url, e))?
    {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn header(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The `charset` parameter of a `Content-Type` value.
pub(super) fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// `max-age` of a `Cache-Control` value (`no-store`/`no-cache` mean none).
fn max_age(cache_control: &str) -> Option<u64> {
    cache_control.split(',').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::{charset_of, max_age};

    #[test]
    fn charset_parameter() {
        assert_eq!(
            charset_of("text/xml; charset=\"windows-1256\"").as_deref(),
            Some("windows-1256")
        );
        assert_eq!(charset_of("application/rss+xml"), None);
    }

    #[test]
    fn cache_control_max_age() {
        assert_eq!(max_age("public, max-age=3600"), Some(3600));
        assert_eq!(max_age("no-cache"), None);
    }
}
