//! Errors of the fetch stage; each names the URL.

use super::guard::RefusedAddress;

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot build HTTP client: {0}")]
    Client(String),
    /// No answer in time.
    #[error("timed out fetching {url}")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// DNS, TCP or TLS failure.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// More than [`super::MAX_REDIRECTS`] redirects.
    #[error("more than {} redirects from {url}", super::MAX_REDIRECTS)]
    Redirects {
        /// The URL.
        url: String,
    },
    /// A redirect chain that comes back on itself.
    #[error("redirect loop: {}", chain.join(" -> "))]
    RedirectLoop {
        /// The URLs, in order, ending with the repeated one.
        chain: Vec<String>,
    },
    /// A derived URL that would reach a network veille must not touch.
    #[error("{url}: {reason}")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A bot-protection challenge where a feed was expected: the
    /// outlet's protection, not a broken feed.
    #[error(
        "HTTP {status} from {url}: a bot-protection challenge ({vendor}), not a broken feed; \
         try a browser-like `user_agent` for this source, or a Google News `site:` source \
         instead (README, \"Outlets without a feed\")"
    )]
    BotWall {
        /// The URL answering.
        url: String,
        /// The status (403, 429 or 503).
        status: u16,
        /// Whose challenge it is.
        vendor: &'static str,
        /// When the server asked to be contacted again.
        retry_after: Option<super::RetryAfter>,
    },
    /// A non-success HTTP status.
    #[error("HTTP {status} from {url}{}", status_hint(*status))]
    Status {
        /// The URL answering.
        url: String,
        /// The status.
        status: u16,
        /// When the server asked to be contacted again (429/503 `Retry-After`).
        retry_after: Option<super::RetryAfter>,
    },
    /// The body exceeded `fetch.max_body_bytes`.
    #[error("body of {url} is larger than the {limit}-byte limit")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Anything else the client reported.
    #[error("fetching {url} failed: {message}")]
    Other {
        /// The URL.
        url: String,
        /// Cause.
        message: String,
    },
}

/// What a status means for the user, where that is not obvious.
fn status_hint(status: u16) -> &'static str {
    match status {
        403 => {
            ": the server refuses veille (no bot-protection challenge in its answer); \
             it may refuse non-browser clients: try a per-source `user_agent`"
        }
        _ => "",
    }
}

impl FetchError {
    pub(super) fn from_reqwest(url: &url::Url, e: reqwest::Error) -> FetchError {
        let url = url.to_string();
        let message = root_cause(&e);
        if e.is_timeout() {
            FetchError::Timeout { url }
        } else if let Some(refused) = find_cause::<RefusedAddress>(&e) {
            FetchError::Refused {
                url,
                reason: refused.to_string(),
            }
        } else if e.is_connect() {
            FetchError::Connect { url, message }
        } else {
            FetchError::Other { url, message }
        }
    }

    /// The HTTP status, when the failure was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } | FetchError::BotWall { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// When the server asked to be contacted again, if it did.
    pub fn retry_after(&self) -> Option<super::RetryAfter> {
        match self {
            FetchError::Status { retry_after, .. } | FetchError::BotWall { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

/// The first error of type `T` in `e`'s chain of causes.
fn find_cause<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<T>() {
            return Some(found);
        }
        cause = c.source();
    }
    None
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
